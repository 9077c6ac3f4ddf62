import { assertValid, ConfigValidationError, ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

/** Problems reported when one environment is changed. */
function problemsOf(name: 'dev' | 'staging' | 'prod', change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('committed configuration', () => {
  test('every environment is valid', () => {
    // THEN
    expect(validate(ENVIRONMENTS)).toEqual([]);
  });

  test('dev is cheap and prod is resilient', () => {
    // THEN
    expect(ENVIRONMENTS.dev.network.natGateways).toBe(1);
    expect(ENVIRONMENTS.dev.availabilityZones).toHaveLength(2);
    expect(ENVIRONMENTS.prod.availabilityZones).toHaveLength(3);
    expect(ENVIRONMENTS.prod.network.natGateways).toBe(3);
    expect(ENVIRONMENTS.prod.retainStatefulResources).toBe(true);
    expect(ENVIRONMENTS.staging.retainStatefulResources).toBe(true);
  });
});

describe('environment rules', () => {
  const cases: Array<[string, 'dev' | 'staging' | 'prod', (c: any) => void, string]> = [
    [
      'account not 12 digits',
      'dev',
      (c: any) => (c.account = '12345'),
      "dev.account: '12345' is not allowed; expected a 12-digit AWS account id",
    ],
    ['account with letters', 'prod', (c: any) => (c.account = '12345678901a'), "prod.account: '12345678901a' is not allowed"],
    [
      'unknown region',
      'staging',
      (c: any) => (c.region = 'mars-north-1'),
      "staging.region: 'mars-north-1' is not allowed; expected one of 'us-east-1'",
    ],
    [
      'AZ outside the region',
      'prod',
      (c: any) => (c.availabilityZones = ['eu-west-1a', 'eu-west-1b', 'us-east-1c']),
      "prod.availabilityZones[2]: 'us-east-1c' is not an AZ of region eu-west-1",
    ],
    [
      'prod with 2 AZs',
      'prod',
      (c: any) => (c.availabilityZones = ['eu-west-1a', 'eu-west-1b']),
      'prod.availabilityZones: ["eu-west-1a","eu-west-1b"] has 2 AZs; prod needs at least 3',
    ],
    [
      'staging with 2 AZs',
      'staging',
      (c: any) => (c.availabilityZones = ['eu-west-1a', 'eu-west-1b']),
      'staging.availabilityZones: ["eu-west-1a","eu-west-1b"] has 2 AZs; staging needs at least 3',
    ],
    ['dev with 1 AZ', 'dev', (c: any) => (c.availabilityZones = ['eu-west-1a']), 'dev needs at least 2'],
    ['duplicate AZ', 'dev', (c: any) => (c.availabilityZones = ['eu-west-1a', 'eu-west-1a']), 'lists an AZ twice'],
    [
      'prod without retention',
      'prod',
      (c: any) => (c.retainStatefulResources = false),
      'prod.retainStatefulResources: false is not allowed; prod must retain stateful resources',
    ],
    [
      'staging without retention',
      'staging',
      (c: any) => (c.retainStatefulResources = false),
      'staging.retainStatefulResources: false is not allowed',
    ],
    [
      'prod without termination protection',
      'prod',
      (c: any) => (c.terminationProtection = false),
      'prod.terminationProtection: false is not allowed',
    ],
    ['empty owner tag', 'dev', (c: any) => (c.tags.owner = ''), "dev.tags.owner: '' is not allowed; expected a non-empty tag value"],
  ];
  test.each(cases)('%s', (_title, env, change, message) => {
    // WHEN
    const problems = problemsOf(env, change);
    // THEN
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('a config whose name does not match its key is rejected', () => {
    // GIVEN
    const problems = validate({ ...ENVIRONMENTS, dev: configWith('dev', (c) => (c.name = 'prod')) });
    // THEN
    expect(problems).toEqual(["dev.name: 'prod' does not match its key 'dev'"]);
  });

  test('every problem is reported at once, one line each', () => {
    // GIVEN / WHEN
    const problems = problemsOf('prod', (c) => {
      c.account = 'x';
      c.network.natGateways = 1;
      c.retainStatefulResources = false;
    });
    // THEN
    expect(problems).toHaveLength(3);
    for (const line of problems) expect(line).toMatch(/^prod\.[\w.[\]]+: .+/);
  });
});

describe('missing sections', () => {
  const SECTIONS = [
    'network',
    'logging',
    'audit',
    'tags',
    'lake',
    'spark',
    'streaming',
    'featureStore',
    'serving',
    'cluster',
    'observability',
  ];

  test.each(SECTIONS)('a missing %s section is one problem, not a TypeError', (section) => {
    // GIVEN: staging without the section
    const config = configWith('staging', (c) => delete c[section]);
    // WHEN
    const problems = validate(environmentsWith(config));
    // THEN
    expect(problems).toEqual([`staging.${section}: undefined is not allowed; the section is required`]);
  });

  test('every missing section is reported at once', () => {
    // GIVEN: dev with no section at all
    const config = configWith('dev', (c) => {
      for (const section of SECTIONS) delete c[section];
    });
    // WHEN
    const problems = validate(environmentsWith(config));
    // THEN
    expect(problems.sort()).toEqual(SECTIONS.map((s) => `dev.${s}: undefined is not allowed; the section is required`).sort());
  });
});

describe('assertValid', () => {
  test('throws a ConfigValidationError listing every problem', () => {
    // GIVEN
    const bad = environmentsWith(configWith('dev', (c) => (c.account = '1')));
    // THEN
    expect(() => assertValid(bad)).toThrow(ConfigValidationError);
    expect(() => assertValid(bad)).toThrow(/Invalid platform configuration \(1 problem\):\n {2}- dev\.account: '1'/);
  });

  test('returns valid configs unchanged', () => {
    // THEN
    expect(assertValid(ENVIRONMENTS)).toBe(ENVIRONMENTS);
  });
});

describe('pod HTTPS egress against the network (cluster.podHttpsEgressCidrs, network.interfaceEndpoints)', () => {
  test('committed: staging and prod (interface endpoints) list nothing beyond the VPC; dev (none) lists 0.0.0.0/0', () => {
    // THEN
    for (const env of ['staging', 'prod'] as const) {
      expect(ENVIRONMENTS[env].network.interfaceEndpoints).toBe(true);
      expect(ENVIRONMENTS[env].cluster.podHttpsEgressCidrs).toEqual([]);
    }
    expect(ENVIRONMENTS.dev.network.interfaceEndpoints).toBe(false);
    expect(ENVIRONMENTS.dev.cluster.podHttpsEgressCidrs).toEqual(['0.0.0.0/0']);
  });

  test.each([
    [
      'prod with interface endpoints opens 443 to every public address',
      'prod',
      (c: any) => (c.cluster.podHttpsEgressCidrs = ['0.0.0.0/0']),
      "prod.cluster.podHttpsEgressCidrs[0]: '0.0.0.0/0' is too wide for an environment with interface endpoints (network.interfaceEndpoints: true), whose pods reach every AWS API they call in the VPC; list only public destinations that must leave through NAT, each /16 or narrower, or none ([])",
    ],
    [
      'staging with interface endpoints opens 443 to a /8 of AWS addresses',
      'staging',
      (c: any) => (c.cluster.podHttpsEgressCidrs = ['52.0.0.0/8']),
      "staging.cluster.podHttpsEgressCidrs[0]: '52.0.0.0/8' is too wide for an environment with interface endpoints (network.interfaceEndpoints: true), whose pods reach every AWS API they call in the VPC; list only public destinations that must leave through NAT, each /16 or narrower, or none ([])",
    ],
    [
      'dev without interface endpoints lists no egress (pods could not reach AWS at all)',
      'dev',
      (c: any) => (c.cluster.podHttpsEgressCidrs = []),
      "dev.cluster.podHttpsEgressCidrs: [] is empty, but network.interfaceEndpoints is false: pods reach AWS APIs only through NAT; list the public ranges they may reach on 443 (e.g. ['0.0.0.0/0']), or turn interface endpoints on",
    ],
  ] as const)('%s: one problem line', (_title, env, change, message) => {
    // WHEN
    const problems = problemsOf(env, change);
    // THEN
    expect(problems).toEqual([message]);
  });

  test('with interface endpoints a narrow destination outside AWS (/16 or narrower) is allowed', () => {
    // THEN
    expect(problemsOf('prod', (c: any) => (c.cluster.podHttpsEgressCidrs = ['151.101.0.0/16', '140.82.112.0/20']))).toEqual([]);
  });
});
