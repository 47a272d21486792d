#!/usr/bin/env bash
# Installs what purseflow needs on a fresh Debian machine, and nothing twice:
# Debian packages (as root with apt), npm packages (when package-lock.json changed), the TypeScript build.
# The Temporal CLI is built from Go modules by `purseflow services up` when none is found.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(postgresql pcscd vsmartcard-vpcd libpcsclite-dev socat chromium docker-compose g++ make python3)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
    echo "bootstrap: install them (sudo apt-get install ${missing[*]}) and run this again." >&2
    exit 1
  fi
fi

# pcsclite is compiled by node-gyp; point it at this Node's own headers so nothing is downloaded.
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.purseflow-lock-hash
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_hash" ]]; then
  echo "bootstrap: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

npm run --silent build
