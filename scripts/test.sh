#!/usr/bin/env bash
# The one command that runs every test: installs what is missing, starts the services it needs,
# runs typecheck, lint, the dependency rules and every Jest suite, stops what it started,
# and ends with `tests: N passed, M failed` taken from Jest's own results.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bash scripts/bootstrap.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }

purseflow() { node dist/cli/main.js "$@"; }
data_dir="${PURSEFLOW_DATA_DIR:-$PWD/.data}"
mkdir -p "$data_dir"

# Remember what was already running so that we stop only what we started.
already_running=$(purseflow services status 2>/dev/null | awk '$2=="running"{print $1}' | paste -sd, -)
stop_services() {
  local to_stop=()
  for s in postgresql temporal pcscd; do [[ ",$already_running," == *",$s,"* ]] || to_stop+=("$s"); done
  if ((${#to_stop[@]})); then purseflow services down --only "$(IFS=,; echo "${to_stop[*]}")" >/dev/null || true; fi
}
trap stop_services EXIT

# The demo processes of `npm start` hold the virtual reader the card tests need: stop them first.
if purseflow app status 2>/dev/null | grep -q " running "; then
  echo "stopping the demo processes of npm start (the tests need the virtual reader); npm start brings them back"
  purseflow app down >/dev/null
fi

if ! purseflow services up; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

failed_checks=()
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit || failed_checks+=(typecheck)
echo "== lint"; npx eslint --max-warnings=0 . || failed_checks+=(lint)
echo "== dependency rules"; npm run --silent deps:check || failed_checks+=(dependency-rules)

echo "== jest"
results="$data_dir/jest-results.json"
rm -f "$results"
npx jest --ci --json --outputFile="$results" "$@"
jest_status=$?

summary=$(node -e '
  const fs = require("fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("0 0 0"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // A suite that failed to load counts as one failure: Jest reports it with no test inside.
  const broken = r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
  console.log(r.numPassedTests, r.numFailedTests + broken, r.numPendingTests + r.numTodoTests);
' "$results")
read -r passed failed skipped <<<"$summary"
if [[ ! -s $results ]]; then failed=$((failed + 1)); fi

echo "== took $(( $(date +%s) - started )) s"
if ((${#failed_checks[@]})); then echo "checks failed: ${failed_checks[*]}"; fi
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if ((jest_status != 0 || failed > 0 || ${#failed_checks[@]} > 0)); then exit 1; fi
exit 0
