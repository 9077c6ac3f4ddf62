import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `npm run -s features -- <args>` (the same tsx entry point), returning exit code, stdout and stderr. */
export function features(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'jobs', 'features', 'cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
