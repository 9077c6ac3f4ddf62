#!/usr/bin/env bash
# Lints every synthesized template (run `npm run synth` first), plus any template given as an
# argument (scripts/check-synth.sh adds the delivery pipeline's), in one cfn-lint run spread over
# one process per core (scripts/lib/cfn_lint_parallel.py; CFN_LINT_JOBS to override). Ignored rules
# and their reasons are in .cfnlintrc.yaml. Errors and warnings fail.
#
# The linter is not blind: a canary template with a known error (scripts/lib/cfn-lint-canary.template.json,
# a Firehose stream type that does not exist) is linted with the others and cfn-lint must report its
# E3030; nothing else may be reported. Findings print as path:line:col:endline:endcol:rule:message.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
templates=(cdk.out/assembly-*/*.template.json "$@")
if [ ${#templates[@]} -eq 0 ]; then
  echo "cfn-lint: no templates in cdk.out; run 'npm run synth' first" >&2
  exit 1
fi
canary=scripts/lib/cfn-lint-canary.template.json
# The Python that has cfn-lint: the interpreter of its launcher (under pyenv, of the real one).
launcher=$(pyenv which cfn-lint 2>/dev/null || command -v cfn-lint) || { echo "cfn-lint: not installed" >&2; exit 1; }
read -r -a python < <(head -1 "$launcher" | sed 's/^#!//')
findings=$("${python[@]}" scripts/lib/cfn_lint_parallel.py --format parseable -- "${templates[@]}" "$canary")
if ! grep -qE "^${canary}:[0-9:]+:E3030:" <<<"$findings"; then
  printf 'cfn-lint: it did not report the canary'"'"'s E3030 in %s (is it linting?):\n%s\n' "$canary" "$findings" >&2
  exit 1
fi
if others=$(grep -vE "^${canary}:" <<<"$findings" | grep -E ':[EW][0-9]+:'); then
  printf '%s\n' "$others"
  echo "cfn-lint: failed on ${#templates[@]} templates (errors or warnings above)" >&2
  exit 1
fi
echo "cfn-lint: ${#templates[@]} templates, 0 errors, 0 warnings (and the canary's known error reported)"
