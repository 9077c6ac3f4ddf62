/** The installed entry point: bin/mlp.js (the `mlp` bin of package.json) runs bin/mlp.ts through tsx. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { useMoto } from './moto';

const ROOT = path.join(__dirname, '..', '..');
const moto = useMoto();

async function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [path.join(ROOT, 'bin', 'mlp.js'), ...args], {
      cwd: ROOT,
      env: process.env,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('mlp --help exits 0 and documents the exit codes', async () => {
  const run = await bin(['--help']);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^mlp — model operations on SageMaker/);
  expect(run.stdout).toMatch(/Exit codes:/);
});

test('the process exits with the CLI codes and prints no stack trace', async () => {
  const usage = await bin(['models', 'list']);
  expect([usage.code, usage.stderr]).toEqual([2, "mlp: --group is required\nRun 'mlp models list --help' for usage.\n"]);
  const aws = await bin(['endpoints', 'status', '--endpoint', 'nope', '--endpoint-url', moto.url, '--region', 'us-east-1']);
  expect(aws.code).toBe(3);
  expect(aws.stderr).toMatch(/^mlp: DescribeEndpoint failed: ValidationException: Could not find endpoint .*\n$/m); // (Node < 22: the SDK's Node-version notice comes first)
});

test('mlp --version prints the package version', async () => {
  // GIVEN the version in package.json
  const { version } = require('../../package.json') as { version: string };
  // WHEN
  const run = await bin(['--version']);
  // THEN
  expect([run.code, run.stdout]).toEqual([0, `mlp ${version}\n`]);
});

test("--help and --version load none of the commands' code (they start in a tenth of the time)", async () => {
  // GIVEN the CLI loaded as bin/mlp.js loads it
  const script = [
    "require('./scripts/ts-register.cjs');",
    "const { main } = require('./mlp/cli.ts');",
    'const sink = { write: () => true };',
    "(async () => { for (const argv of [['--help'], ['--version'], ['models', 'list']]) await main(argv, { stdout: sink, stderr: sink });",
    '  console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /[\\\\/]mlp[\\\\/](commands[\\\\/]|aws\\.ts)|@aws-sdk|aws-cdk-lib/.test(f)))); })();',
  ].join('\n');
  // WHEN help, the version and a usage error run in one process
  const { stdout } = await promisify(execFile)('node', ['-e', script], { cwd: ROOT, env: process.env });
  // THEN no command module, SDK client or aws-cdk-lib was loaded
  expect(JSON.parse(stdout)).toEqual([]);
});
