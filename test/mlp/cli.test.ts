import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS, commandPath, parse } from '../../mlp/cli';
import { mlp } from './moto';

describe('help', () => {
  test('mlp --help lists every command, the global options and the exit codes', async () => {
    const run = await mlp(undefined, ['--help']);
    expect(run.code).toBe(0);
    for (const c of COMMANDS) expect(run.stdout).toContain(commandPath(c));
    for (const o of ['--region', '--profile', '--endpoint-url', '--json', '--help']) expect(run.stdout).toContain(o);
    expect(run.stdout).toMatch(
      /Exit codes:\n {2}0 {2}success\n {2}2 {2}usage error.*\n {2}3 {2}AWS error.*\n {2}4 {2}rollout or rollback not done/,
    );
  });

  test.each(COMMANDS.map((c) => [commandPath(c)]))('mlp %s --help shows its usage, options and exit codes', async (path) => {
    const run = await mlp(undefined, [...path.split(' '), '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: mlp ${path}`);
    expect(run.stdout).toMatch(/Global options:\n {2}--region REGION/);
    expect(run.stdout).toContain('Exit codes:');
  });

  test('help works for a group, before the command, and as `mlp help …`', async () => {
    expect((await mlp(undefined, ['endpoints', '-h'])).stdout).toMatch(/^mlp endpoints — .*\n\nUsage: mlp endpoints <command>/);
    expect((await mlp(undefined, ['--help', 'models', 'approve'])).stdout).toMatch(/^mlp models approve — /);
    expect((await mlp(undefined, ['help', 'endpoints', 'rollout'])).stdout).toMatch(/^mlp endpoints rollout — /);
    expect((await mlp(undefined, ['help'])).stdout).toMatch(/^mlp — /);
  });
});

describe('usage errors exit 2 with one message and a pointer to help', () => {
  test.each([
    [[], /^mlp: a command is required \(models, endpoints, preflight, oncall\)\nRun 'mlp --help' for usage\.\n$/],
    [['deploy'], /unknown command 'deploy' \(allowed: models, endpoints, preflight, oncall\)/],
    [
      ['endpoints', 'status', '--endpoint', 'a', '--endpoint', 'b'],
      /^mlp: --endpoint is given more than once \('a' and 'b'\); give it once\nRun 'mlp endpoints status --help'/,
    ],
    [
      ['endpoints', 'rollout', '--endpoint', 'e', '--group', 'g', '--poll-interval', '1ms'],
      /--poll-interval: '1ms' is out of range \(allowed: 1s to 5m\)/,
    ],
    [['endpoints', 'rollout', '--endpoint', 'e', '--group', 'g', '--poll-interval', '6m'], /--poll-interval: '6m' is out of range/],
    [['endpoints', 'rollback', '--endpoint', 'e', '--timeout', '25h'], /--timeout: '25h' is out of range \(allowed: 1s to 24h\)/],
    [
      ['endpoints', 'status', '--endpoint', 'e', '--request-timeout', '10ms'],
      /--request-timeout: '10ms' is out of range \(allowed: 1s to 5m\)/,
    ],
    [
      ['models', 'approve', '--package', 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/credit-risk', '--reason', 'ok'],
      /--package: '.*model-package\/credit-risk' is not a versioned model package ARN \(expected .*\/<group>\/<version>\)/,
    ],
    [['preflight', '--env', 'qa'], /--env: 'qa' is not an environment \(allowed: dev, staging, prod\)/],
    [['preflight'], /--env is required\nRun 'mlp preflight --help'/],
    [['models'], /'mlp models' needs a command \(list, register, approve, reject, inventory\)\nRun 'mlp models --help'/],
    [['models', 'delete'], /unknown command 'mlp models delete' \(allowed: list, register, approve, reject, inventory\)/],
    [['models', 'list'], /--group is required\nRun 'mlp models list --help' for usage/],
    [['models', 'list', '--group'], /--group needs a value/],
    [['models', 'list', '--group', 'g', '--endpoint', 'e'], /Unknown option '--endpoint' \(allowed: .*--group, --status\)/],
    [['models', 'list', '--group', 'g', 'extra'], /unexpected argument 'extra'/],
    [['models', 'list', '--group', 'bad_name'], /--group: 'bad_name' is not a SageMaker name/],
    [
      ['endpoints', 'status', '--endpoint', 'e', '--endpoint-url', 'localhost:5000'],
      /--endpoint-url: 'localhost:5000' is not an http\(s\) URL/,
    ],
    [['endpoints', 'status', '--endpoint', 'e', '--region', ''], /--region needs a value/],
  ])('mlp %j', async (args, message) => {
    const run = await mlp(undefined, args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  test('with --json the error is also a JSON document on stdout', async () => {
    const run = await mlp(undefined, ['models', 'list', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({ error: { kind: 'usage', exitCode: 2, message: '--group is required' } });
  });
});

describe('--profile', () => {
  const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };
  afterEach(() => {
    for (const [k, v] of [
      ['AWS_CONFIG_FILE', saved.config],
      ['AWS_SHARED_CREDENTIALS_FILE', saved.credentials],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test('a profile that does not exist is named, with the profiles that do (exit 2, nothing called)', async () => {
    // GIVEN shared config files with profiles dev and default
    const dir = mkdtempSync(join(tmpdir(), 'mlp-profile-'));
    writeFileSync(join(dir, 'config'), '[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-1\n');
    writeFileSync(join(dir, 'credentials'), '[dev]\naws_access_key_id = x\naws_secret_access_key = y\n');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    // WHEN
    const run = await mlp(undefined, [
      'endpoints',
      'status',
      '--endpoint',
      'e',
      '--profile',
      'nope',
      '--endpoint-url',
      'http://127.0.0.1:9',
    ]);
    // THEN
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^mlp: --profile: profile 'nope' does not exist in the shared AWS config files .*; profiles there: default, dev\n/,
    );
  });
});

describe('parse', () => {
  test('global options may come before the command; repeatable options collect', () => {
    const parsed = parse([
      '--region',
      'eu-west-1',
      'models',
      'register',
      '--group',
      'g',
      '--image',
      'i',
      '--artifact',
      's3://bkt/k',
      '--metadata',
      'a=1',
      '--metadata',
      'b=2',
      '--json',
    ]);
    expect(parsed.kind).toBe('run');
    if (parsed.kind !== 'run') return;
    expect(`${parsed.command.group} ${parsed.command.name}`).toBe('models register');
    expect(parsed.values).toMatchObject({ region: 'eu-west-1', group: 'g', metadata: ['a=1', 'b=2'], json: true });
  });

  test('an option value that looks like a command word is a value, not a command', () => {
    const parsed = parse(['--profile', 'models', 'endpoints', 'status', '--endpoint', 'e']);
    expect(parsed.kind === 'run' && [parsed.command.name, parsed.values.profile]).toEqual(['status', 'models']);
  });
});

describe('configuration errors', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('no region anywhere is a usage error (exit 2) naming --region', async () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    const run = await mlp(undefined, ['endpoints', 'status', '--endpoint', 'scoring', '--endpoint-url', 'http://127.0.0.1:9']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mlp: No AWS region: pass --region or set AWS_REGION/);
  });
});

describe('AWS errors exit 3 with one line', () => {
  test('an unreachable endpoint', async () => {
    // Port 9 (discard) on 127.0.0.1 is closed on a test machine: the connection is refused.
    const run = await mlp(undefined, [
      'endpoints',
      'status',
      '--endpoint',
      'scoring',
      '--region',
      'us-east-1',
      '--endpoint-url',
      'http://127.0.0.1:9',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^mlp: DescribeEndpoint failed: cannot reach the SageMaker API at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)\.\n$/,
    );
  });
});
