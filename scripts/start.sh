#!/usr/bin/env bash
# Runs the whole system on its embedded defaults: installs what is missing, then starts
# PostgreSQL, the Temporal dev server with its Web UI, pcscd with vpcd, and the purseflow processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
node dist/cli/main.js services up
cat <<MSG

purseflow is up.
  Temporal Web UI   http://127.0.0.1:${PURSEFLOW_TEMPORAL_UI_PORT:-8233}
  Temporal          127.0.0.1:${PURSEFLOW_TEMPORAL_PORT:-7233}
  PostgreSQL        postgres://purseflow@127.0.0.1:${PURSEFLOW_PG_PORT:-54329}/purseflow
  status            npx purseflow services status
  stop              npx purseflow services down
MSG
