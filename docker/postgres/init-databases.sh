#!/bin/sh
# Runs once, when the official postgres image initialises an empty data folder
# (/docker-entrypoint-initdb.d). Creates the two roles with passwords read from secret files:
#   temporal   may create databases: Temporal's schema job creates `temporal` and `temporal_visibility`;
#   purseflow  owns the ledger's database `purseflow` and nothing of Temporal's.
set -eu

temporal_password=$(cat /run/secrets/temporal_db_password)
ledger_password=$(cat /run/secrets/ledger_db_password)

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_password="$temporal_password" -v ledger_password="$ledger_password" <<'SQL'
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
CREATE ROLE purseflow LOGIN PASSWORD :'ledger_password';
CREATE DATABASE purseflow OWNER purseflow;
SQL
