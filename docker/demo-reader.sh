#!/bin/sh
# The demo reader (compose profile `demo-reader`): a simulated ACS ACR30S holding one simulated e-Smart
# card, on one end of a socat pseudo-terminal pair inside this container, and a reader agent on the
# other end — the connected path of a download without a reader on the host. For trials and the
# compose test only: the simulated card is personalised with the deployment's master keys (mounted
# for it; the reader agent itself holds none), which a real reader agent never needs.
#
#   PURSEFLOW_READER_ID   the reader id downloads name (default demo-reader)
#   PURSEFLOW_DEMO_CSN    the simulated card's serial number (register it to a customer first)
set -eu
: "${PURSEFLOW_DEMO_CSN:?set PURSEFLOW_DEMO_CSN to the simulated card's serial number}"
line=/tmp/acr30
socat "pty,link=$line-host,raw,echo=0" "pty,link=$line-reader,raw,echo=0" &
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [ -e "$line-host" ] && [ -e "$line-reader" ] && break
  sleep 0.5
done
[ -e "$line-host" ] || { echo "demo-reader: socat made no pty pair" >&2; exit 69; }
node "${PURSEFLOW_APP_DIR:-/app}/dist/cli/main.js" sim acr30 --tty "$line-reader" --csn "$PURSEFLOW_DEMO_CSN" --state /tmp/demo-card.json &
# No fixed wait for the simulator: the reader agent's first GET_ACR_STAT waits for its answer (2 s,
# then up to three NAKs or resends), as under `purseflow app up`; a reader that never answers stops
# the container and compose restarts it.
exec purseflow-entrypoint reader-agent --reader-id "${PURSEFLOW_READER_ID:-demo-reader}" --tty "$line-host"
