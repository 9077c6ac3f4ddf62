/**
 * `npm run bench:scale`: how the platform's synth grows with the organisation. For each size N it
 * synthesizes prod with N teams, N models with their endpoints, N model servers and N feature
 * groups (scripts/bench/scale-app.ts, one process per size, cdk-nag on) and reports the synth's
 * wall time, its peak memory, the number of stacks and the largest stack's share of a
 * CloudFormation limit (scripts/report/analyze.ts). A report, not a test: it exits non-zero only
 * when a size fails to synthesize or a stack passes 60% of a limit (the budget of issue 17).
 *
 *   npm run bench:scale                        # N = 10, 50, 100
 *   npm run bench:scale -- 5 20                # other sizes
 *   npm run bench:scale -- --fixed-models 100  # N teams, servers and groups; prod's own models and endpoints
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackLimits } from './report/analyze';
import { readAssembly } from './report/assembly';
import { BUDGETS } from './report/budgets';

const argv = process.argv.slice(2);
const FIXED_MODELS = argv.includes('--fixed-models');
const sizes = argv.filter((a) => a !== '--fixed-models').map(Number);
const SIZES = sizes.length > 0 ? sizes : [10, 50, 100];
const TIME = '/usr/bin/time';

interface Row {
  readonly n: number;
  readonly ok: boolean;
  readonly wallS: number;
  readonly peakMb: number;
  readonly stacks: number;
  readonly resources: number;
  readonly largest?: { readonly stack: string; readonly percent: number; readonly limit: string; readonly used: number };
  readonly error?: string;
}

function measure(n: number): Row {
  const out = mkdtempSync(join(tmpdir(), `mlp-scale-${n}-`));
  const args = ['tsx', join(__dirname, 'bench', 'scale-app.ts'), `${n}`, out, ...(FIXED_MODELS ? ['--fixed-models'] : [])];
  const useTime = existsSync(TIME);
  const started = process.hrtime.bigint();
  const r = useTime ? spawnSync(TIME, ['-f', '%M', 'npx', ...args], { encoding: 'utf8' }) : spawnSync('npx', args, { encoding: 'utf8' });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const peakMb = useTime ? Number(r.stderr.trim().split('\n').pop()) / 1024 : Number.NaN;
  try {
    if (r.status !== 0) {
      // CDK's errors read «Code» message; otherwise the first line that says error.
      const line =
        /«\w+»[^\n]*/.exec(r.stderr)?.[0] ??
        /^ {2}- .*$/m.exec(r.stderr)?.[0] ??
        r.stderr.split('\n').find((l) => /error/i.test(l)) ??
        `exit ${r.status}`;
      return { n, ok: false, wallS, peakMb, stacks: 0, resources: 0, error: line.trim().slice(0, 200) };
    }
    const stacks = readAssembly(out).prod ?? [];
    const limits = stacks.map(stackLimits);
    const top = limits.reduce((a, b) => (b.largestPercent > a.largestPercent ? b : a));
    return {
      n,
      ok: true,
      wallS,
      peakMb,
      stacks: stacks.length,
      resources: limits.reduce((s, l) => s + l.used.resources, 0),
      largest: { stack: top.stack, percent: top.largestPercent, limit: top.largestLimit, used: top.used[top.largestLimit] },
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`;
console.log(
  `machine: ${machine}; load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  FIXED_MODELS
    ? "N teams = model servers = feature groups; prod's own models and endpoint"
    : 'N teams = models (each with an endpoint) = model servers = feature groups',
);
console.log('| N | synth wall | peak memory | stacks | resources | largest stack share of a limit |');
console.log('|---|---|---|---|---|---|');
let failed = false;
for (const n of SIZES) {
  const row = measure(n);
  const share = row.largest
    ? `${row.largest.percent}% of ${row.largest.limit} (${row.largest.used}) in ${row.largest.stack}`
    : `FAILED: ${row.error}`;
  if (!row.ok || (row.largest && row.largest.percent > BUDGETS.stackLimitPercent)) failed = true;
  console.log(`| ${n} | ${row.wallS.toFixed(1)} s | ${row.peakMb.toFixed(0)} MB | ${row.stacks} | ${row.resources} | ${share} |`);
}
console.log(
  `load average at end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (failed) {
  console.log(`OVER BUDGET: a size failed to synthesize or a stack passed ${BUDGETS.stackLimitPercent}% of a limit`);
  process.exit(1);
}
