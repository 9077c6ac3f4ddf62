#!/usr/bin/env bash
# The synth checks of `npm test` (scripts/check.sh runs this beside jest, which needs no synth):
# `cdk synth` of every environment (offline), then the delivery pipeline app (bin/pipeline.ts),
# whose stages are the same three environments synthesized a second time in another process: its
# stage templates must be byte-identical to `cdk synth`'s (determinism, and the pipeline deploys
# exactly what `cdk synth` shows). Then proof that a type error in the app's code fails synth,
# cfn-lint (the one full template validation: the synths leave aws-cdk-lib's built-in validation
# off, bin/ml-platform.ts) and the budgets of `npm run report` (stack limits, dev's idle cost,
# prod's critical path). Ends with `synth-checks: synth_ok=0|1 checks_failed=N`.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/steps.sh
source scripts/lib/steps.sh

checks_failed=0
synth_ok=1
offline() {
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
    HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 AWS_EC2_METADATA_DISABLED=true "$@"
}
probe=lib/typecheck-probe.ts
trap 'rm -f "$probe"' EXIT

step "synth all environments, offline (no AWS credentials, proxy to a closed port)"
rm -rf cdk.out cdk.pipeline.out  # a stale template of a removed stack would fail the determinism check and be linted
if offline node_modules/.bin/cdk synth --quiet --output cdk.out; then
  # The budgets only read cdk.out: they run while the pipeline app synthesizes; then cfn-lint (all
  # templates, the pipeline's too, in one run over every core) runs while the type-error probe does.
  step "pipeline app (second synth: determinism), type-error probe; cfn-lint and budgets alongside"
  lint_log=$(mktemp)
  budgets_log=$(mktemp)
  node --require ./scripts/ts-register.cjs scripts/report.ts --assembly cdk.out --check --no-write >"$budgets_log" 2>&1 &
  budgets_pid=$!

  echo "-- the delivery pipeline app (bin/pipeline.ts), offline with the compliance packs"
  pipeline_template=()
  if offline node_modules/.bin/cdk synth --app 'node --require ./scripts/ts-register.cjs bin/pipeline.ts' --output cdk.pipeline.out --quiet; then
    echo "-- determinism: the pipeline's stages are the environments' templates, byte for byte"
    templates() { (cd "$1" && find . -path './assembly-*' -name '*.template.json' | sort | while read -r f; do echo "## $f"; cat "$f"; done); }
    stages=$(find cdk.out -path '*/assembly-*' -name '*.template.json' | wc -l)
    if [ "$stages" -eq 0 ] || ! diff <(templates cdk.out) <(templates cdk.pipeline.out) >/dev/null; then
      echo "templates differ between cdk synth and the pipeline app's synth of the same stages ($stages templates)" >&2
      synth_ok=0
    else
      echo "identical ($stages templates)"
    fi
    pipeline_template=(cdk.pipeline.out/Delivery.template.json)
  else
    echo "delivery pipeline synth: FAILED" >&2
    synth_ok=0
  fi
  bash scripts/cfn-lint.sh "${pipeline_template[@]}" >"$lint_log" 2>&1 &
  lint_pid=$!

  # The probe puts a type error in the app's code (lib/), and `cdk synth` (cdk.json's app:
  # `tsc -b tsconfig.app.json` before the app runs) must fail on it.
  echo "-- a type error in the app's code fails cdk synth"
  printf '// written and removed by scripts/check-synth.sh\nexport const probe: number = "not a number";\n' > "$probe"
  probe_out=$(mktemp -d)
  if probe_log=$(node_modules/.bin/cdk synth --quiet --output "$probe_out" 2>&1); then
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

step_end
printf '\n== synth checks: step times\n'
printf '%s\n' "${timings[@]}"
echo "synth-checks: synth_ok=${synth_ok} checks_failed=${checks_failed}"
