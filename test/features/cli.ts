import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `npm run -s features -- <args>` (package.json's command, without npm), returning exit code, stdout and stderr. */
export function features(args: string[]): { code: number; stdout: string; stderr: string } {
  const command = ['--require', path.join(ROOT, 'scripts', 'ts-register.cjs'), path.join(ROOT, 'jobs', 'features', 'cli.ts')];
  const r = spawnSync(process.execPath, [...command, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
