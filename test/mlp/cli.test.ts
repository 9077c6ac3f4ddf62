import { COMMANDS, parse } from '../../mlp/cli';
import { mlp } from './moto';

describe('help', () => {
  test('mlp --help lists every command, the global options and the exit codes', async () => {
    const run = await mlp(undefined, ['--help']);
    expect(run.code).toBe(0);
    for (const c of COMMANDS) expect(run.stdout).toContain(`${c.group} ${c.name}`);
    for (const o of ['--region', '--profile', '--endpoint-url', '--json', '--help']) expect(run.stdout).toContain(o);
    expect(run.stdout).toMatch(
      /Exit codes:\n {2}0 {2}success\n {2}2 {2}usage error.*\n {2}3 {2}AWS error.*\n {2}4 {2}rollout or rollback not done/,
    );
  });

  test.each(COMMANDS.map((c) => [`${c.group} ${c.name}`]))('mlp %s --help shows its usage, options and exit codes', async (path) => {
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
    [[], /^mlp: a command is required \(models or endpoints\)\nRun 'mlp --help' for usage\.\n$/],
    [['deploy'], /unknown command 'deploy' \(allowed: models, endpoints\)/],
    [['models'], /'mlp models' needs a command \(list, register, approve, reject\)\nRun 'mlp models --help'/],
    [['models', 'delete'], /unknown command 'mlp models delete' \(allowed: list, register, approve, reject\)/],
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
