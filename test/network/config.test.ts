import { validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('network rules', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    ['invalid CIDR', 'dev', (c: any) => (c.network.vpcCidr = '10.10.0.0/33'), "dev.network.vpcCidr: '10.10.0.0/33' is not an IPv4 CIDR"],
    ['misaligned CIDR', 'dev', (c: any) => (c.network.vpcCidr = '10.10.1.0/16'), "dev.network.vpcCidr: '10.10.1.0/16' is not an IPv4 CIDR"],
    ['VPC too large', 'dev', (c: any) => (c.network.vpcCidr = '10.0.0.0/8'), 'the VPC prefix must be /16 to /20'],
    ['public CIDR', 'dev', (c: any) => (c.network.vpcCidr = '52.10.0.0/16'), 'is not in a private (RFC 1918) range'],
    [
      'subnets do not fit',
      'prod',
      (c: any) => (c.network.vpcCidr = '10.30.0.0/20'),
      'prod.network.privateSubnetMask: 19 is not allowed; expected a whole number from 21 to 24',
    ],
    [
      'subnets overflow',
      'prod',
      (c: any) => {
        c.network.vpcCidr = '10.30.0.0/18';
        c.network.privateSubnetMask = 19;
      },
      'does not fit: 3 AZs x (2 x /24 + /19)',
    ],
    [
      'more NAT gateways than AZs',
      'dev',
      (c: any) => (c.network.natGateways = 3),
      'dev.network.natGateways: 3 is not allowed; expected a whole number from 1 to 2',
    ],
    ['zero NAT gateways', 'dev', (c: any) => (c.network.natGateways = 0), 'dev.network.natGateways: 0 is not allowed'],
    [
      'prod without interface endpoints',
      'prod',
      (c: any) => (c.network.interfaceEndpoints = false),
      'prod.network.interfaceEndpoints: false is not allowed; staging and prod reach AWS APIs through interface endpoints',
    ],
    [
      'interface endpoints not a boolean',
      'dev',
      (c: any) => (c.network.interfaceEndpoints = 'no'),
      "dev.network.interfaceEndpoints: 'no' is not allowed; expected true or false",
    ],
    [
      'prod with one NAT gateway',
      'prod',
      (c: any) => (c.network.natGateways = 1),
      'prod.network.natGateways: 1 is not allowed; prod needs one NAT gateway per AZ (3)',
    ],
  ];
  test.each(cases)('%s', (_title, env, change, message) => {
    // GIVEN: one committed environment with one change
    // WHEN
    const problems = problemsOf(env, change);
    // THEN: the problem names the environment, the field, the value and what is allowed
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('CIDRs overlapping between environments are rejected', () => {
    // GIVEN: staging's VPC inside dev's
    // WHEN
    const problems = problemsOf('staging', (c) => (c.network.vpcCidr = '10.10.128.0/17'));
    // THEN
    expect(problems).toContain(
      "staging.network.vpcCidr: '10.10.128.0/17' overlaps dev.network.vpcCidr 10.10.0.0/16; VPC CIDRs must be distinct across environments",
    );
  });
});
