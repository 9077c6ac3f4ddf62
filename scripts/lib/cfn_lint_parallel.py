"""cfn-lint over many templates on every core (scripts/cfn-lint.sh).

cfn-lint checks one template at a time on one core, and each process spends ~1.5 s of CPU importing
itself and its rules. Here they load once; then one forked process per core lints its share of the
templates with cfn-lint's own entry point (same options, same .cfnlintrc.yaml, same output). The
shares' output is printed in order; the exit code is the OR of theirs (2 errors, 4 warnings, 8
informational), as one cfn-lint run over all the templates would give.

Usage: python cfn_lint_parallel.py [cfn-lint options] -- TEMPLATE...   (CFN_LINT_JOBS: processes)
"""

import os
import sys
import tempfile

import cfnlint.rules
import cfnlint.runner
from cfnlint.rules import Rules


def main() -> int:
    args = sys.argv[1:]
    if "--" not in args:
        sys.stderr.write(__doc__)
        return 1
    split = args.index("--")
    options, templates = args[:split], args[split + 1 :]
    if not templates:
        sys.stderr.write("cfn_lint_parallel: no templates\n")
        return 1
    jobs = max(1, min(int(os.environ.get("CFN_LINT_JOBS") or os.cpu_count() or 1), len(templates)))
    # Import every rule module now, so the forked processes find them loaded.
    Rules.create_from_directory(cfnlint.rules.__path__[0])
    sys.stdout.flush()
    sys.stderr.flush()
    outputs = []
    children = []
    for share in (templates[i::jobs] for i in range(jobs)):
        out = tempfile.TemporaryFile(mode="w+")
        pid = os.fork()
        if pid == 0:
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
            sys.argv = ["cfn-lint", *options, "--", *share]
            code = 0
            try:
                cfnlint.runner.main()
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
            except BaseException as e:  # a crash of cfn-lint itself: reported, and a failure
                print(f"cfn-lint crashed: {e!r}", file=sys.stderr)
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        outputs.append(out)
        children.append(pid)
    code = 0
    for pid, out in zip(children, outputs):
        _, status = os.waitpid(pid, 0)
        code |= os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1
        out.seek(0)
        sys.stdout.write(out.read())
    return code


if __name__ == "__main__":
    sys.exit(main())
