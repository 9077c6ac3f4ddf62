#!/usr/bin/env bash
# The synth checks of `npm test` (scripts/check.sh runs this beside jest, which needs no synth):
# synth of every environment twice (offline, compared for determinism), proof that a type error in
# the app's code fails synth, cfn-lint (the one full template validation: the synths leave
# aws-cdk-lib's built-in validation off, bin/ml-platform.ts) and the budgets of `npm run report`
# (stack limits, dev's idle cost, prod's critical path), then the delivery pipeline app. Ends with
# `synth-checks: synth_ok=0|1 checks_failed=N`.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/steps.sh
source scripts/lib/steps.sh

checks_failed=0
synth_ok=1
offline_synth() {
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
    HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 AWS_EC2_METADATA_DISABLED=true \
    npx cdk synth --quiet --output "$1"
}
probe=lib/typecheck-probe.ts
trap 'rm -f "$probe"' EXIT

step "synth all environments, offline (no AWS credentials, proxy to a closed port)"
rm -rf cdk.out  # a stale template of a removed stack would fail the determinism check and be linted
if offline_synth cdk.out; then
  # cfn-lint (one process per core) and the budgets only read cdk.out: they run while the second
  # synth and the type-error probe do.
  step "determinism, type-error probe; cfn-lint and budgets alongside"
  lint_log=$(mktemp)
  budgets_log=$(mktemp)
  bash scripts/cfn-lint.sh >"$lint_log" 2>&1 &
  lint_pid=$!
  node --require ./scripts/ts-register.cjs scripts/report.ts --assembly cdk.out --check --no-write >"$budgets_log" 2>&1 &
  budgets_pid=$!

  echo "-- determinism: a second synth gives identical templates"
  second=$(mktemp -d)
  offline_synth "$second" >/dev/null || synth_ok=0
  templates() { (cd "$1" && find . -name '*.template.json' | sort | while read -r f; do echo "## $f"; cat "$f"; done); }
  if ! diff <(templates cdk.out) <(templates "$second") >/dev/null; then
    echo "templates differ between two synths" >&2
    synth_ok=0
  else
    echo "identical"
  fi
  rm -rf "$second"

  # After the second synth: the probe puts a type error in the app's code (lib/), and `cdk synth`
  # (cdk.json's app: `tsc -b tsconfig.app.json` before the app runs) must fail on it.
  echo "-- a type error in the app's code fails cdk synth"
  printf '// written and removed by scripts/check.sh\nexport const probe: number = "not a number";\n' > "$probe"
  probe_out=$(mktemp -d)
  if probe_log=$(npx cdk synth --quiet --output "$probe_out" 2>&1); then
    echo "synth succeeded despite a type error in $probe" >&2
    checks_failed=$((checks_failed + 1))
  elif ! grep -q "typecheck-probe.ts" <<<"$probe_log"; then
    printf 'synth failed, but not on the type error in %s:\n%s\n' "$probe" "$probe_log" >&2
    checks_failed=$((checks_failed + 1))
  else
    echo "ok: synth failed on the type error"
  fi
  rm -f "$probe"
  rm -rf "$probe_out"

  echo "-- cfn-lint"
  wait "$lint_pid" || synth_ok=0
  cat "$lint_log"
  echo "-- budgets (npm run report -- --check on the synthesized templates)"
  budgets_rc=0
  wait "$budgets_pid" || budgets_rc=$?
  cat "$budgets_log"
  [ "$budgets_rc" -eq 0 ] || { echo "budgets: FAILED"; checks_failed=$((checks_failed + 1)); }
  rm -f "$lint_log" "$budgets_log"
else
  synth_ok=0
  echo "budgets and the type-error probe: FAILED (no good synth)"; checks_failed=$((checks_failed + 2))
fi

step "delivery pipeline app (bin/pipeline.ts): synth offline with the compliance packs, cfn-lint its template"
rm -rf cdk.pipeline.out
if env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 AWS_EC2_METADATA_DISABLED=true \
  npx cdk synth --app 'node --require ./scripts/ts-register.cjs bin/pipeline.ts' --output cdk.pipeline.out --quiet; then
  cfn_rc=0
  cfn-lint cdk.pipeline.out/Delivery.template.json || cfn_rc=$?
  if (( cfn_rc & 2 )) || (( cfn_rc & 4 )); then echo "cfn-lint: the pipeline template failed (exit $cfn_rc)" >&2; synth_ok=0; else echo "pipeline: synthesized, cfn-lint clean"; fi
else
  echo "delivery pipeline synth: FAILED" >&2
  synth_ok=0
fi

step_end
printf '\n== synth checks: step times\n'
printf '%s\n' "${timings[@]}"
echo "synth-checks: synth_ok=${synth_ok} checks_failed=${checks_failed}"
