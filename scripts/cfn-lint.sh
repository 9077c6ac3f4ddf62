#!/usr/bin/env bash
# Lints every synthesized template (run `npm run synth` first). cfn-lint's exit code is a bitmask:
# 2 = errors, 4 = warnings, 8 = informational. Errors and warnings fail; ignored rules and their
# reasons are in .cfnlintrc.yaml. cfn-lint checks one template at a time on one core, so the
# templates are split over one process per core (CFN_LINT_JOBS to override), output kept in order.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
templates=(cdk.out/assembly-*/*.template.json)
if [ ${#templates[@]} -eq 0 ]; then
  echo "cfn-lint: no templates in cdk.out; run 'npm run synth' first" >&2
  exit 1
fi
jobs=${CFN_LINT_JOBS:-$(nproc 2>/dev/null || echo 1)}
(( jobs < 1 )) && jobs=1
(( jobs > ${#templates[@]} )) && jobs=${#templates[@]}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pids=()
for ((j = 0; j < jobs; j++)); do
  chunk=()
  for ((i = j; i < ${#templates[@]}; i += jobs)); do chunk+=("${templates[i]}"); done
  cfn-lint "${chunk[@]}" >"$out/$j.log" 2>&1 &
  pids+=($!)
done
rc=0
for ((j = 0; j < jobs; j++)); do
  wait "${pids[j]}"
  rc=$((rc | $?))
  cat "$out/$j.log"
done
if (( rc & 2 )) || (( rc & 4 )); then
  echo "cfn-lint: failed (exit $rc) on ${#templates[@]} templates" >&2
  exit 1
fi
echo "cfn-lint: ${#templates[@]} templates, 0 errors, 0 warnings"
