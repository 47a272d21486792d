#!/bin/sh
# Creates the secret files compose.yaml mounts, and never overwrites one. The folder is its owner's alone
# (0700); the files are 0444 because compose bind-mounts each file into containers whose users (postgres,
# node, temporal) are not the host's owner, and only the file, not the folder, reaches the container.
# Passwords and the session key are random hex (URL-safe). The master keys made here are RANDOM TRIAL keys:
# cards personalised with them work only with this deployment. A real issuer puts its own master keys
# (from its key ceremony) in secrets/master_keys.json instead: {"MK_LOAD": "<32 hex>", "MK_PURCHASE": …,
# "MK_SAM": …, "MK_TRANSFER": …}.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
chmod 0700 secrets

make() {
  if [ -e "secrets/$1" ]; then echo "secrets/$1 exists, kept"; else printf '%s' "$2" > "secrets/$1"; chmod 0444 "secrets/$1"; echo "secrets/$1 created"; fi
}
hex() { openssl rand -hex "$1"; }

make postgres_password "$(hex 32)"
make temporal_db_password "$(hex 32)"
make ledger_db_password "$(hex 32)"
make portal_session_key "$(hex 32)"
make grafana_admin_password "$(hex 16)"
make master_keys.json "{\"MK_LOAD\": \"$(hex 16)\", \"MK_PURCHASE\": \"$(hex 16)\", \"MK_SAM\": \"$(hex 16)\", \"MK_TRANSFER\": \"$(hex 16)\"}"
