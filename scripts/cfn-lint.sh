#!/usr/bin/env bash
# Lints every synthesized template (run `npm run synth` first). cfn-lint's exit code is a bitmask:
# 2 = errors, 4 = warnings, 8 = informational. Errors and warnings fail; ignored rules and their
# reasons are in .cfnlintrc.yaml.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
templates=(cdk.out/assembly-*/*.template.json)
if [ ${#templates[@]} -eq 0 ]; then
  echo "cfn-lint: no templates in cdk.out; run 'npm run synth' first" >&2
  exit 1
fi
cfn-lint "${templates[@]}"
rc=$?
if (( rc & 2 )) || (( rc & 4 )); then
  echo "cfn-lint: failed (exit $rc) on ${#templates[@]} templates" >&2
  exit 1
fi
echo "cfn-lint: ${#templates[@]} templates, 0 errors, 0 warnings"
