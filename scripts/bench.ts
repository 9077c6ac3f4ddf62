/**
 * `npm run bench`: times a full synth of all environments (`cdk synth`, compliance packs and
 * template validation on, as a developer runs it) beside an empty CDK app's synth on the same
 * machine; reports the median wall time and peak memory (largest process RSS) of several runs and
 * the ratios. Budgets: <= 1.5x the empty app's wall time and <= 1 GB peak. A report, not a test:
 * it exits non-zero only when a budget is exceeded, so it can gate a release if wanted.
 *
 *   npm run bench            # 5 runs each
 *   npm run bench -- 3       # 3 runs each
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.argv[2] ?? 5);
const WALL_RATIO_BUDGET = 1.5;
const PEAK_MB_BUDGET = 1024;
const TIME = '/usr/bin/time';

interface Sample {
  readonly wallS: number;
  readonly peakMb: number;
}

function synth(app: string | undefined): Sample {
  const out = mkdtempSync(join(tmpdir(), 'mlp-bench-'));
  const args = ['cdk', 'synth', '--quiet', '--output', out, ...(app ? ['--app', app] : [])];
  const started = process.hrtime.bigint();
  // GNU time reports the peak RSS of the largest process in the tree (the app), in KB.
  const useTime = existsSync(TIME);
  const result = useTime
    ? spawnSync(TIME, ['-f', '%M', 'npx', ...args], { encoding: 'utf8' })
    : spawnSync('npx', args, { encoding: 'utf8' });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(out, { recursive: true, force: true });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    throw new Error(`synth failed (${app ?? 'platform app'})`);
  }
  const peakKb = useTime ? Number(result.stderr.trim().split('\n').pop()) : Number.NaN;
  return { wallS, peakMb: peakKb / 1024 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function measure(label: string, app: string | undefined): { wall: number; peak: number } {
  const samples: Sample[] = [];
  synth(app); // warm-up: file cache, tsx compile cache
  for (let i = 0; i < RUNS; i++) samples.push(synth(app));
  const wall = median(samples.map((s) => s.wallS));
  const peak = median(samples.map((s) => s.peakMb));
  console.log(
    `${label.padEnd(28)} wall ${wall.toFixed(2)} s   peak ${peak.toFixed(0)} MB   (median of ${RUNS}: ${samples.map((s) => s.wallS.toFixed(2)).join(', ')} s)`,
  );
  return { wall, peak };
}

const empty = measure('empty CDK app', 'npx tsx scripts/bench/empty-app.ts');
const platform = measure('platform (dev+staging+prod)', undefined);
const ratio = platform.wall / empty.wall;
console.log(`ratio ${ratio.toFixed(2)}x (budget ${WALL_RATIO_BUDGET}x), peak ${platform.peak.toFixed(0)} MB (budget ${PEAK_MB_BUDGET} MB)`);
if (ratio > WALL_RATIO_BUDGET || platform.peak > PEAK_MB_BUDGET) {
  console.log('OVER BUDGET');
  process.exit(1);
}
