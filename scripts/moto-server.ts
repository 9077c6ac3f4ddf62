/**
 * Starting the project's moto launcher (scripts/moto_launcher.py), shared by the test harness
 * (test/mlp/moto.ts) and the local demo (scripts/local-demo.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';

export const MOTO_LAUNCHER = path.join(__dirname, 'moto_launcher.py');

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

export interface MotoLaunchOptions {
  /** DescribeEndpoint calls that report Updating after an UpdateEndpoint. */
  readonly updatingPolls: number;
  /** @default 60000 */
  readonly timeoutMs?: number;
  /** moto's account (MOTO_ACCOUNT_ID). @default '123456789012' */
  readonly accountId?: string;
}

/**
 * Starts the launcher on 127.0.0.1:<port> and resolves once it answers. On failure the process is
 * killed and the error carries the end of its stderr.
 */
export async function startMotoLauncher(port: number, options: MotoLaunchOptions): Promise<ChildProcess> {
  const proc = spawn('python3', [MOTO_LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      MLP_MOTO_UPDATING_POLLS: String(options.updatingPolls),
      ...(options.accountId ? { MOTO_ACCOUNT_ID: options.accountId } : {}),
    },
  });
  let stderr = '';
  proc.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline && proc.exitCode === null) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/moto-api/data.json`)).ok) return proc;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`moto launcher on port ${port} did not start: ${stderr}`);
}
