#!/bin/sh
# Entry point of the purseflow images: turns secret files into the variables the app reads, then runs
# `purseflow <command>` (worker, portal, migrate, reader-agent) as PID 1's only child (tini is PID 1).
#
#   NAME_FILE=/run/secrets/x   sets NAME to the file's content (trailing newline dropped), for any NAME
#                              but PURSEFLOW_MASTER_KEYS_FILE, which the app reads as a file itself;
#                              setting both NAME and NAME_FILE is refused.
#   PURSEFLOW_DB_PASSWORD_FILE with PURSEFLOW_DB_HOST, _PORT, _USER, _NAME builds DATABASE_URL, so the
#                              password is never written in a compose file or an image.
#   PURSEFLOW_PCSCD=internal   (reader agent) starts pcscd inside the container first.
set -eu

for assignment in $(env | sed -n 's/^\([A-Z_][A-Z0-9_]*\)_FILE=.*/\1/p'); do
  case "$assignment" in
    # The app reads these files itself (the master keys are JSON and never enter the environment).
    PURSEFLOW_MASTER_KEYS) continue ;;
  esac
  eval "file=\${${assignment}_FILE}"
  eval "already=\${${assignment}:-}"
  if [ -n "$already" ]; then
    echo "purseflow-entrypoint: both ${assignment} and ${assignment}_FILE are set; keep one." >&2
    exit 64
  fi
  if [ ! -r "$file" ]; then
    echo "purseflow-entrypoint: ${assignment}_FILE=${file} is not a readable file; mount the secret there." >&2
    exit 66
  fi
  value=$(cat "$file")
  export "${assignment}=${value}"
  unset "${assignment}_FILE"
done

if [ -z "${DATABASE_URL:-}" ] && [ -n "${PURSEFLOW_DB_PASSWORD:-}" ]; then
  # Passwords are made of URL-safe characters (`openssl rand -hex 32`): anything else would need escaping.
  case "$PURSEFLOW_DB_PASSWORD" in
    *[!A-Za-z0-9._~-]*)
      echo "purseflow-entrypoint: the database password holds characters a URL must escape; generate one with \`openssl rand -hex 32\`." >&2
      exit 65 ;;
  esac
  export DATABASE_URL="postgres://${PURSEFLOW_DB_USER:-purseflow}:${PURSEFLOW_DB_PASSWORD}@${PURSEFLOW_DB_HOST:-postgresql}:${PURSEFLOW_DB_PORT:-5432}/${PURSEFLOW_DB_NAME:-purseflow}"
  unset PURSEFLOW_DB_PASSWORD
fi

if [ "${PURSEFLOW_PCSCD:-external}" = "internal" ]; then
  pcscd --auto-exit
fi

# The server worker's node flags (workflows' SERVER_WORKER_NODE_FLAGS): OpenSSL's single DES for the
# MAC chains of settlement files, and a 1 MB young generation that keeps their verification flat in memory.
if [ "${1:-}" = "worker" ]; then
  exec node --openssl-legacy-provider --max-semi-space-size=32 "${PURSEFLOW_APP_DIR:-/app}/dist/cli/main.js" "$@"
fi
exec node "${PURSEFLOW_APP_DIR:-/app}/dist/cli/main.js" "$@"
