#!/bin/sh
# Starts one Temporal service (frontend, history, matching or worker) of temporalio/server from our config
# template (config/purseflow.yaml), with the database password read from its secret file and the
# container's own address announced to the other services.
set -eu
service="$1"

TEMPORAL_SERVER_DB_PASSWORD=$(cat "${TEMPORAL_SERVER_DB_PASSWORD_FILE:-/run/secrets/temporal_db_password}")
export TEMPORAL_SERVER_DB_PASSWORD
export TEMPORAL_SERVER_BIND_IP="${TEMPORAL_SERVER_BIND_IP:-0.0.0.0}"
# Services find each other through the membership ring, which needs a reachable address, not 0.0.0.0.
TEMPORAL_SERVER_BROADCAST_ADDRESS="${TEMPORAL_SERVER_BROADCAST_ADDRESS:-$(hostname -i | cut -d' ' -f1)}"
export TEMPORAL_SERVER_BROADCAST_ADDRESS

exec temporal-server --root /etc/temporal --config config --env purseflow --allow-no-auth start --service "$service"
