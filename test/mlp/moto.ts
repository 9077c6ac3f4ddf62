/**
 * Test harness: a real moto server (scripts/moto_launcher.py) over HTTP on 127.0.0.1, one per jest
 * worker and account id, shared by the test files the worker runs (starting one takes seconds).
 * `useMoto()` starts it in beforeAll on a free port if the worker has none yet (or it died), waits
 * until it answers, and resets all its state (moto's and the launcher's switches) before each test.
 * It stops when the worker's process exits (and the launcher exits by itself once its parent is gone).
 */
import type { ChildProcess } from 'node:child_process';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { main } from '../../mlp/cli';
import { freePort, startMotoLauncher } from '../../scripts/moto-server';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

// moto accepts any credentials; the SDK needs some. No other AWS configuration leaks in.
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
delete process.env.AWS_PROFILE;
delete process.env.AWS_ENDPOINT_URL;

export interface Moto {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** An SDK client on the emulator, to arrange and check state. */
  readonly client: SageMakerClient;
  /** The next UpdateEndpoint fails: rolled back to the old config (default) or Failed. */
  failNextUpdate(mode?: 'rollback' | 'failed', reason?: string): Promise<void>;
  /** The next UpdateEndpoint stays Updating forever. */
  hangNextUpdate(): Promise<void>;
  /** Applied quotas for Service Quotas GetServiceQuota / ListServiceQuotas. */
  seedQuotas(quotas: readonly SeededQuota[]): Promise<void>;
}

async function post(url: string, body?: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${await res.text()}`);
}

async function start(accountId?: string): Promise<{ proc: ChildProcess; url: string }> {
  // A port found free may be taken before the launcher binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return { proc: await startMotoLauncher(port, { updatingPolls: 2, accountId }), url: `http://127.0.0.1:${port}` };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Seeds applied Service Quotas (the launcher's /mlp-test/service-quotas). */
export interface SeededQuota {
  readonly ServiceCode: string;
  readonly QuotaCode: string;
  readonly QuotaName?: string;
  readonly Value: number;
}

/** This worker's servers, by account id. */
const servers = new Map<string, Promise<{ proc: ChildProcess; url: string }>>();

async function shared(accountId?: string): Promise<{ proc: ChildProcess; url: string }> {
  const key = accountId ?? '';
  const running = servers.get(key);
  if (running) {
    const server = await running.catch(() => undefined);
    if (server && server.proc.exitCode === null && server.proc.signalCode === null) return server;
  }
  const starting = start(accountId);
  servers.set(key, starting);
  const server = await starting;
  process.once('exit', () => server.proc.kill('SIGTERM'));
  return server;
}

export function useMoto(options: { readonly accountId?: string } = {}): Moto {
  let url = '';
  let client: SageMakerClient | undefined;
  beforeAll(async () => {
    ({ url } = await shared(options.accountId));
    client = new SageMakerClient({ region: REGION, endpoint: url });
  }, 90_000);
  beforeEach(async () => {
    await post(`${url}/moto-api/reset`);
  });
  afterAll(() => {
    client?.destroy();
  });
  return {
    get url() {
      return url;
    },
    get client() {
      return client!;
    },
    failNextUpdate: (mode = 'rollback', reason) => post(`${url}/mlp-test/fail-next-update`, { mode, ...(reason ? { reason } : {}) }),
    hangNextUpdate: () => post(`${url}/mlp-test/hang-next-update`),
    seedQuotas: (quotas) => post(`${url}/mlp-test/service-quotas`, { quotas }),
  };
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `mlp <args>` in-process against the emulator (--endpoint-url and --region added). Waits use
 * a simulated clock: sleeping advances it, so poll intervals and timeouts cost no real time.
 */
export async function mlp(moto: Moto | undefined, args: readonly string[], options: { tty?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let clock = Date.parse('2026-11-22T12:00:00Z');
  const full = moto ? [...args, '--endpoint-url', moto.url, '--region', REGION] : [...args];
  const code = await main(full, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: options.tty ?? false },
    now: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
    },
  });
  return { code, stdout, stderr };
}
