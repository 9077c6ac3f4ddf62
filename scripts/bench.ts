/**
 * `npm run bench`: times a full synth of all environments (`cdk synth`: compliance packs on,
 * template validation off as in every synth; cfn-lint validates in `npm test`) beside an empty CDK
 * app's synth on the same machine; reports the median wall time, CPU time and peak memory of
 * several runs and the ratios. Budgets: <= 1.5x the empty app's wall time and <= 1 GB peak.
 *
 * Peak memory is the largest sum of the memory of every process of the synth at once (the CLI, the
 * type-check and the app; proportional set sizes, so shared pages count once), sampled every 20 ms
 * from /proc; CPU time is user + system of them all (on a busy machine wall time stretches, CPU
 * time much less). Before 2026-12-07 the peak was the largest single process (GNU time's %M).
 *
 * Two platform rows: "warm" is a synth after an earlier one with no source change (`tsc -b` finds
 * the app's type-check state up to date: what a developer re-running synth sees); "type-check
 * cold" removes that state first, so `tsc -b` checks the whole app again (a first synth, or one
 * after a change to a widely imported file). The budget applies to both.
 *
 * Two baselines: the plain empty app (scripts/bench/empty-app.ts, run by tsx: the budget's
 * baseline), and, for comparison, the app `cdk init app --language typescript` generates, unchanged,
 * whose synth type-checks with tsc first (its code imports `aws-cdk-lib/core` only).
 *
 * A report, not a test: it exits non-zero only when a budget is exceeded.
 *
 *   npm run bench            # 5 runs each
 *   npm run bench -- 3       # 3 runs each
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.argv[2] ?? 5);
const WALL_RATIO_BUDGET = 1.5;
const PEAK_MB_BUDGET = 1024;
const ROOT = join(__dirname, '..');
const TYPECHECK_STATE = join(ROOT, 'node_modules', '.cache', 'mlp', 'app.tsbuildinfo');

interface Sample {
  readonly wallS: number;
  readonly cpuS: number;
  readonly peakMb: number;
}

/**
 * Memory (MB) of every process in a process group: the sum of their proportional set sizes (PSS:
 * pages shared between processes, like Node's own code, count once in total, not once per process).
 * 0 where /proc is not there.
 */
function groupMemoryMb(pgid: number): number {
  let kb = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      // Fields after the command (which may hold spaces): state ppid pgrp ...
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      kb += Number(pss?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return kb / 1024;
}

/** CPU seconds (user + system) a finished process group used, from `bash -c 'times'` around it. */
function synth(app: string | undefined, cwd: string = ROOT): Promise<Sample> {
  const out = mkdtempSync(join(tmpdir(), 'mlp-bench-'));
  const args = ['cdk', 'synth', '--quiet', '--output', out, ...(app ? ['--app', `'${app}'`] : [])];
  // `times` after the synth prints the children's user and system time of the shell.
  const script = `npx ${args.join(' ')} >/dev/null || exit $?; times`;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('bash', ['-c', script], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    let peakMb = 0;
    const poll = setInterval(() => {
      if (child.pid !== undefined) peakMb = Math.max(peakMb, groupMemoryMb(child.pid));
    }, 20);
    child.on('close', (code) => {
      clearInterval(poll);
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      rmSync(out, { recursive: true, force: true });
      if (code !== 0) {
        process.stderr.write(stderr);
        reject(new Error(`synth failed (${app ?? 'platform app'})`));
        return;
      }
      // `times`: two lines "XmY.YYYs XmY.YYYs" (shell, then children): the second is the synth.
      const children = stdout.trim().split('\n').pop() ?? '';
      const cpuS = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((a, m) => a + Number(m[1]) * 60 + Number(m[2]), 0);
      resolve({ wallS, cpuS, peakMb });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Row {
  readonly wall: number;
  readonly cpu: number;
  readonly peak: number;
}

async function measure(label: string, app: string | undefined, before: () => void = () => {}, cwd?: string): Promise<Row> {
  const samples: Sample[] = [];
  await synth(app, cwd); // warm-up: file cache, compile caches
  for (let i = 0; i < RUNS; i++) {
    before();
    samples.push(await synth(app, cwd));
  }
  const row = {
    wall: median(samples.map((s) => s.wallS)),
    cpu: median(samples.map((s) => s.cpuS)),
    peak: Math.max(...samples.map((s) => s.peakMb)),
  };
  console.log(
    `${label.padEnd(38)} wall ${row.wall.toFixed(2)} s   cpu ${row.cpu.toFixed(2)} s   peak ${row.peak.toFixed(0)} MB   (wall of ${RUNS}: ${samples.map((s) => s.wallS.toFixed(2)).join(', ')} s)`,
  );
  return row;
}

/**
 * The app `cdk init app --language typescript` generates, unchanged (its cdk.json runs `npx tsc`,
 * then `npx tsx`: a full type-check on every synth, of the 857 files `aws-cdk-lib/core` needs), in a
 * temporary directory that links this repository's node_modules. Reported for comparison; the budget
 * is against the plain empty app above it.
 */
function cdkInitApp(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'mlp-bench-init-')), 'empty');
  mkdirSync(dir);
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'init', 'app', '--language', 'typescript', '--generate-only'],
    {
      cwd: dir,
      stdio: 'ignore',
    },
  );
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function main(): Promise<void> {
  const empty = await measure('empty CDK app', 'npx tsx scripts/bench/empty-app.ts');
  const initDir = cdkInitApp();
  const init = await measure('empty app of `cdk init` (tsc, then tsx)', undefined, undefined, initDir);
  rmSync(join(initDir, '..'), { recursive: true, force: true });
  const warm = await measure('platform (dev+staging+prod), warm', undefined);
  const cold = await measure('platform, type-check cold', undefined, () => rmSync(TYPECHECK_STATE, { force: true }));
  let over = false;
  for (const [label, row] of [
    ['warm', warm],
    ['type-check cold', cold],
  ] as const) {
    const ratio = row.wall / empty.wall;
    const cpuRatio = row.cpu / empty.cpu;
    console.log(
      `${label}: wall ${ratio.toFixed(2)}x (budget ${WALL_RATIO_BUDGET}x), cpu ${cpuRatio.toFixed(2)}x, peak ${row.peak.toFixed(0)} MB (budget ${PEAK_MB_BUDGET} MB); ${(row.wall / init.wall).toFixed(2)}x the \`cdk init\` app`,
    );
    over ||= ratio > WALL_RATIO_BUDGET || row.peak > PEAK_MB_BUDGET;
  }
  if (over) {
    console.log('OVER BUDGET');
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
