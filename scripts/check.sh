#!/usr/bin/env bash
# The full check (`npm test`): the unit tests (jest) and, beside them, the type-check, lint and
# then the synth checks (scripts/check-synth.sh: `cdk synth` of every environment, offline; the
# delivery pipeline app, whose stages must give the same templates byte for byte (determinism);
# proof that a type error in the app's code fails synth; cfn-lint; the budgets of `npm run report`). Jest never synthesizes through
# cdk.json's app, and the synth checks' type-error probe (a file in lib/) exists only after the
# type-check and lint have read lib/. On 2 cores they use the CPU jest alone leaves idle.
# Ends with `tests: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/steps.sh
source scripts/lib/steps.sh

checks_failed=0
# Tools start from node_modules/.bin, not npx (npx's own start costs ~0.4 s of CPU each time), and
# tsc type-checks with one checker: on 2 cores its default of four gives the same diagnostics for
# ~20% more CPU, which jest would otherwise have used.
# Every Node process of the check (jest's workers, the CDK CLI, the apps, mlp) keeps its compiled
# code in Node's compile cache (the directory scripts/ts-register.cjs also uses): aws-cdk-lib and the
# CLI's bundle are tens of MB of JavaScript, compiled again by every process otherwise.
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$PWD/node_modules/.cache/mlp/node-compile}"
# Beside jest, in one background job: the type-check and lint, then the synth checks (their
# type-error probe puts a file in lib/ only after the type-check and lint have read lib/).
timed() {
  local name=$1 started rc=0
  shift
  started=$(date +%s.%N)
  printf '\n== %s\n' "$name"
  "$@" || rc=$?
  awk -v a="$started" -v b="$(date +%s.%N)" -v n="$name" 'BEGIN { printf "%6.1f s  %s (beside jest)\n", b - a, n }' >>"$beside_times"
  return "$rc"
}
beside_log=$(mktemp)
beside_times=$(mktemp)
(
  failed_here=0
  timed "type-check (tsc --noEmit, incremental)" node_modules/.bin/tsc --noEmit -p tsconfig.json --checkers 1 --incremental --tsBuildInfoFile node_modules/.cache/mlp/all.tsbuildinfo || { echo "type-check: FAILED"; failed_here=$((failed_here + 1)); }
  timed "lint (biome)" node_modules/.bin/biome check . || { echo "lint: FAILED"; failed_here=$((failed_here + 1)); }
  timed "synth checks (scripts/check-synth.sh)" bash scripts/check-synth.sh || true
  echo "static-checks: failed=${failed_here}"
) >"$beside_log" 2>&1 &
beside_pid=$!
trap 'kill "$beside_pid" 2>/dev/null || true; rm -f lib/typecheck-probe.ts' EXIT

step "unit tests (jest); type-check, lint and the synth checks beside them (their log follows)"
report=$(mktemp)
set +e
node_modules/.bin/jest --ci --json --outputFile="$report"
jest_rc=$?
set -e
read -r passed failed < <(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites);
' "$report")
rm -f "$report"

step "type-check, lint and synth checks, started with jest: waiting for them"
wait "$beside_pid" || true
trap - EXIT
cat "$beside_log"
while IFS= read -r line; do timings+=("$line"); done <"$beside_times"
if result=$(grep -E '^static-checks: failed=[0-9]+$' "$beside_log" | tail -1); then
  checks_failed=$((checks_failed + ${result##*=}))
else
  echo "type-check and lint: FAILED (no result line)"; checks_failed=$((checks_failed + 2))
fi
synth_ok=0
if result=$(grep -E '^synth-checks: synth_ok=[01] checks_failed=[0-9]+$' "$beside_log" | tail -1); then
  synth_ok=$(sed -E 's/.*synth_ok=([01]).*/\1/' <<<"$result")
  checks_failed=$((checks_failed + $(sed -E 's/.*checks_failed=([0-9]+)/\1/' <<<"$result")))
else
  echo "synth checks: FAILED (ended without their result line)"; checks_failed=$((checks_failed + 2))
fi
rm -f "$beside_log" "$beside_times"

step_end
step_name=''
printf '\n== step times\n'
printf '%s\n' "${timings[@]}"
step "summary"
if [ "$synth_ok" -eq 0 ]; then failed=$((failed + 1)); echo "synth / determinism / cfn-lint: FAILED"; else passed=$((passed + 1)); echo "synth / determinism / cfn-lint: ok"; fi
# type-check, lint, the synth type-check probe and budgets count as one check each.
passed=$((passed + 4 - checks_failed))
failed=$((failed + checks_failed))
echo "tests: ${passed} passed, ${failed} failed"
[ "$jest_rc" -eq 0 ] && [ "$synth_ok" -eq 1 ] && [ "$checks_failed" -eq 0 ]
