/**
 * Every HTTP call of mlp is bounded: against a server that accepts connections and never answers,
 * `status` fails with its request timeout and `rollout --timeout` stops at its deadline, each with
 * a clear error (not a hang). The assertions are on the error and exit code; the elapsed time is
 * only checked to be far below the jest timeout (no tight wall-clock thresholds).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { timeoutOutcome } from '../../mlp/commands/endpoints';
import { AwsError, DeadlineExceeded, RolloutError } from '../../mlp/errors';
import { mlp } from './moto';

let server: Server;
let url = '';
const sockets = new Set<Socket>();

beforeAll(async () => {
  // A black hole: accepts every connection, reads the request, never writes a byte.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const args = () => ['--endpoint-url', url, '--region', 'us-east-1'];

test('status against a server that never answers fails with the request timeout (exit 3)', async () => {
  // GIVEN a 1 s limit per request (the SDK makes 3 attempts)
  const started = Date.now();
  // WHEN
  const run = await mlp(undefined, ['endpoints', 'status', '--endpoint', 'scoring', '--request-timeout', '1s', ...args()]);
  // THEN
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(new RegExp(`^mlp: DescribeEndpoint failed: no answer from the SageMaker API at ${url} in time`, 'm'));
  expect(Date.now() - started).toBeLessThan(60_000);
});

test('rollout --timeout 2s against a server that never answers stops at the deadline: nothing was updated (exit 4)', async () => {
  // GIVEN the default 30 s request timeout, so only the rollout's own deadline can end it this early
  const started = Date.now();
  // WHEN
  const run = await mlp(undefined, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring', '--timeout', '2s', ...args()]);
  // THEN
  expect(run.code).toBe(4);
  expect(run.stderr).toMatch(
    /^mlp: Rollout of scoring stopped: --timeout 2s reached while waiting for ListModelPackages\. UpdateEndpoint was not called, so the endpoint still serves its current config\.$/m,
  );
  expect(Date.now() - started).toBeLessThan(25_000);
});

test('rollback --timeout 2s with --json reports the deadline as a rollout error', async () => {
  const run = await mlp(undefined, ['endpoints', 'rollback', '--endpoint', 'scoring', '--timeout', '2s', '--json', ...args()]);
  expect(run.code).toBe(4);
  expect(JSON.parse(run.stdout).error).toMatchObject({
    kind: 'rollout',
    exitCode: 4,
    outcome: 'not-started',
    waitingFor: 'DescribeEndpoint',
  });
});

describe('timeoutOutcome', () => {
  const noAnswer = (operation: string) => new AwsError(`${operation} failed: no answer`, { operation, awsErrorName: 'TimeoutError' });

  test('no answer to UpdateEndpoint: the outcome is unknown (exit 4), not an AWS failure', () => {
    // GIVEN UpdateEndpoint was sent and got no answer
    const err = timeoutOutcome(noAnswer('UpdateEndpoint'), 'Rollout', 'scoring', { updateCalled: true });
    // THEN
    expect(err).toBeInstanceOf(RolloutError);
    expect((err as RolloutError).message).toMatch(
      /^Rollout of scoring timed out \(no answer to UpdateEndpoint\)\. Its outcome is unknown: .* Check with: mlp endpoints status --endpoint scoring$/,
    );
  });

  test('no answer before UpdateEndpoint stays an AWS error (exit 3): nothing was changed', () => {
    const original = noAnswer('DescribeEndpoint');
    expect(timeoutOutcome(original, 'Rollout', 'scoring', { updateCalled: false })).toBe(original);
  });

  test('the deadline after UpdateEndpoint: outcome unknown', () => {
    const err = timeoutOutcome(new DeadlineExceeded('DescribeEndpoint', '--timeout 5s'), 'Rollback', 'scoring', { updateCalled: true });
    expect((err as RolloutError).message).toMatch(
      /^Rollback of scoring timed out \(--timeout 5s reached while waiting for DescribeEndpoint\)\. Its outcome is unknown/,
    );
  });
});
