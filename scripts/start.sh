#!/usr/bin/env bash
# Runs the whole system on its embedded defaults: installs what is missing, then starts PostgreSQL,
# the Temporal dev server with its Web UI, pcscd with vpcd, the server worker, a simulated e-Smart card
# in the virtual reader, a reader agent serving that reader, and the portal; seeds demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
purseflow() { node dist/cli/main.js "$@"; }
purseflow services up
purseflow app up
purseflow demo seed
cat <<MSG

purseflow is up.
  Portal            http://127.0.0.1:${PURSEFLOW_PORTAL_PORT:-8080}   (sign-ins above)
  Temporal Web UI   http://127.0.0.1:${PURSEFLOW_TEMPORAL_UI_PORT:-8233}
  Temporal          127.0.0.1:${PURSEFLOW_TEMPORAL_PORT:-7233}
  PostgreSQL        postgres://purseflow@127.0.0.1:${PURSEFLOW_PG_PORT:-54329}/purseflow
  Demo cards        6071000000000019 in PC/SC reader "Virtual PCD 00 00" (reader id: demo)
                    6071000000000027 in a simulated ACR30S on .data/tty/ (reader id: demo-acr30)
  Try               npx purseflow download --card 6071000000000019 --purse ecash --amount 25.00 --reader demo
  Logs              ${PURSEFLOW_DATA_DIR:-.data}/logs/
  Status            npx purseflow status
  Stop              npx purseflow services down
MSG
