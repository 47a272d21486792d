#!/bin/sh
# Temporal's schema job (temporalio/admin-tools image): creates Temporal's two databases when missing and
# brings their schemas to the server's version. Safe to run at every deployment: `setup-schema -v 0.0`
# only adds the version tables when absent and `update-schema` on an up-to-date database changes nothing.
set -eu

export SQL_PLUGIN=postgres12
export SQL_HOST="${TEMPORAL_SERVER_DB_HOST:-postgresql}"
export SQL_PORT="${TEMPORAL_SERVER_DB_PORT:-5432}"
export SQL_USER="${TEMPORAL_SERVER_DB_USER:-temporal}"
SQL_PASSWORD=$(cat "${TEMPORAL_SERVER_DB_PASSWORD_FILE:-/run/secrets/temporal_db_password}")
export SQL_PASSWORD
# The admin-tools image's copy of the server's schema folders; compose starts this job once PostgreSQL is healthy.
schema="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

for pair in "${TEMPORAL_SERVER_DB_NAME:-temporal}:temporal" "${TEMPORAL_SERVER_VISIBILITY_DB_NAME:-temporal_visibility}:visibility"; do
  db=${pair%%:*}
  dir=${pair#*:}
  # All three are idempotent: create-database ignores only "already exists"; any other failure stops the job.
  temporal-sql-tool --db "$db" create-database
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$schema/$dir/versioned"
done
