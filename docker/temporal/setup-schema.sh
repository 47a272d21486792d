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
schema=/etc/temporal/schema/postgresql/v12

until nc -z "$SQL_HOST" "$SQL_PORT"; do echo "waiting for PostgreSQL at $SQL_HOST:$SQL_PORT"; sleep 1; done

for pair in "${TEMPORAL_SERVER_DB_NAME:-temporal}:temporal" "${TEMPORAL_SERVER_VISIBILITY_DB_NAME:-temporal_visibility}:visibility"; do
  db=${pair%%:*}
  dir=${pair#*:}
  # create-database fails on an existing database; that is the only failure tolerated here.
  temporal-sql-tool --db "$db" create-database 2>/dev/null || echo "database $db exists"
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$schema/$dir/versioned"
done
