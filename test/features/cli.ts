import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../jobs/features/cli';

const ROOT = path.resolve(__dirname, '..', '..');

export interface FeaturesRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the features CLI in this process (`main` of jobs/features/cli.ts, what `npm run -s features
 * -- <args>` runs), returning its exit code, stdout and stderr.
 */
export async function features(args: string[]): Promise<FeaturesRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

/** Runs `npm run -s features -- <args>` as a process (package.json's command, without npm). */
export function featuresCommand(args: string[]): FeaturesRun {
  const command = ['--require', path.join(ROOT, 'scripts', 'ts-register.cjs'), path.join(ROOT, 'jobs', 'features', 'cli.ts')];
  const r = spawnSync(process.execPath, [...command, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
