import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

const gpuIndex = (c: any): number => c.cluster.nodeGroups.findIndex((g: any) => g.gpu && g.workload === 'training');

describe('committed cluster configuration', () => {
  test('every environment is valid', () => {
    // THEN
    expect(validate(ENVIRONMENTS)).toEqual([]);
  });

  test('every endpoint is private (operators come in through the Session Manager host)', () => {
    // THEN
    for (const env of ['dev', 'staging', 'prod'] as const) {
      expect(ENVIRONMENTS[env].cluster.endpointAccess).toBe('private');
      expect(ENVIRONMENTS[env].cluster.publicAccessCidrs).toEqual([]);
    }
  });

  test('no committed CIDR anywhere in the cluster config is a documentation (TEST-NET) range', () => {
    // GIVEN
    const testNet = /\b(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+/;
    // THEN
    for (const env of ['dev', 'staging', 'prod'] as const) expect(JSON.stringify(ENVIRONMENTS[env].cluster)).not.toMatch(testNet);
  });

  test('every environment has a CPU system group and a GPU group; dev GPUs scale to zero', () => {
    // THEN
    for (const c of Object.values(ENVIRONMENTS)) {
      expect(c.cluster.nodeGroups.some((g) => g.workload === 'system' && !g.gpu)).toBe(true);
      expect(c.cluster.nodeGroups.some((g) => g.gpu)).toBe(true);
    }
    for (const g of ENVIRONMENTS.dev.cluster.nodeGroups.filter((x) => x.gpu)) expect(g.minSize).toBe(0);
  });

  test('prod trains on demand', () => {
    // THEN
    expect(ENVIRONMENTS.prod.cluster.allowSpotTraining).toBe(false);
    for (const g of ENVIRONMENTS.prod.cluster.nodeGroups) expect(g.capacityType).toBe('ON_DEMAND');
  });
});

describe('compute rules', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    [
      'unsupported Kubernetes version',
      'dev',
      (c) => (c.cluster.kubernetesVersion = '1.30'),
      "dev.cluster.kubernetesVersion: '1.30' is not allowed; expected one of '1.35'",
    ],
    [
      'a private range as HTTPS egress beyond the VPC',
      'prod',
      (c) => (c.cluster.podHttpsEgressCidrs = ['10.20.0.0/16']),
      "prod.cluster.podHttpsEgressCidrs[0]: '10.20.0.0/16' is a private (RFC 1918) range; private destinations are reached in the VPC (vpcCidr), not through NAT",
    ],
    [
      'unknown endpoint access',
      'dev',
      (c) => (c.cluster.endpointAccess = 'public'),
      "dev.cluster.endpointAccess: 'public' is not allowed; expected one of 'private', 'publicAndPrivate'",
    ],
    [
      'public endpoint in prod',
      'prod',
      (c) => {
        c.cluster.endpointAccess = 'publicAndPrivate';
        c.cluster.publicAccessCidrs = ['52.94.76.0/24'];
      },
      "prod.cluster.endpointAccess: 'publicAndPrivate' is not allowed; prod's API endpoint must be 'private'",
    ],
    [
      'public endpoint in staging',
      'staging',
      (c) => {
        c.cluster.endpointAccess = 'publicAndPrivate';
        c.cluster.publicAccessCidrs = ['52.94.76.0/24'];
      },
      "staging.cluster.endpointAccess: 'publicAndPrivate' is not allowed; staging's API endpoint must be 'private'",
    ],
    [
      'public endpoint without CIDRs',
      'dev',
      (c) => {
        c.cluster.endpointAccess = 'publicAndPrivate';
        c.cluster.publicAccessCidrs = [];
      },
      'dev.cluster.publicAccessCidrs: [] is empty; a public endpoint must be restricted to CIDRs',
    ],
    [
      'CIDRs with a private endpoint',
      'prod',
      (c) => (c.cluster.publicAccessCidrs = ['52.94.76.0/24']),
      'prod.cluster.publicAccessCidrs: ["52.94.76.0/24"] must be empty when endpointAccess is \'private\'',
    ],
    [
      'malformed public CIDR',
      'dev',
      (c) => (c.cluster.publicAccessCidrs = ['203.0.113.0']),
      "dev.cluster.publicAccessCidrs[0]: '203.0.113.0' is not an IPv4 CIDR",
    ],
    [
      'public CIDR open to the internet',
      'dev',
      (c) => (c.cluster.publicAccessCidrs = ['0.0.0.0/0']),
      "dev.cluster.publicAccessCidrs[0]: '0.0.0.0/0' is too wide; public endpoint CIDRs must be /16 or narrower",
    ],
    [
      'private range as public CIDR',
      'dev',
      (c) => (c.cluster.publicAccessCidrs = ['10.1.0.0/16']),
      "dev.cluster.publicAccessCidrs[0]: '10.1.0.0/16' is a private (RFC 1918) range",
    ],
    [
      'a documentation range as the public endpoint CIDR',
      'dev',
      (c) => {
        c.cluster.endpointAccess = 'publicAndPrivate';
        c.cluster.publicAccessCidrs = ['203.0.113.0/24'];
      },
      "dev.cluster.publicAccessCidrs[0]: '203.0.113.0/24' is a documentation range (TEST-NET, 203.0.113.0/24, RFC 5737) that no client has; use your egress range, or keep the endpoint private and use the Session Manager host",
    ],
    [
      'a TEST-NET-2 subnet as the public endpoint CIDR',
      'dev',
      (c) => {
        c.cluster.endpointAccess = 'publicAndPrivate';
        c.cluster.publicAccessCidrs = ['198.51.100.128/25'];
      },
      "dev.cluster.publicAccessCidrs[0]: '198.51.100.128/25' is a documentation range (TEST-NET, 198.51.100.0/24, RFC 5737)",
    ],
    [
      'no admin role',
      'prod',
      (c) => (c.cluster.access.admins = []),
      'prod.cluster.access.admins: [] is empty; at least one admin role needs cluster access',
    ],
    [
      'admin that is a user',
      'prod',
      (c) => (c.cluster.access.admins = ['arn:aws:iam::333333333333:user/alice']),
      "prod.cluster.access.admins[0]: 'arn:aws:iam::333333333333:user/alice' is not allowed; expected an IAM role ARN",
    ],
    [
      'namespace access to a namespace that is no team',
      'staging',
      (c) => (c.cluster.access.namespaces[0].namespaces = ['payments']),
      "staging.cluster.access.namespaces[0].namespaces[0]: 'payments' is not a team namespace; expected one of credit-risk, fraud",
    ],
    [
      'namespace access that is neither edit nor view',
      'dev',
      (c) => (c.cluster.access.namespaces[0].access = 'admin'),
      "dev.cluster.access.namespaces[0].access: 'admin' is not allowed; expected one of 'edit', 'view'",
    ],
    [
      'a session host size no family has',
      'prod',
      (c) => (c.cluster.access.sessionHost.instanceType = 'm7g.3xlarge'),
      "prod.cluster.access.sessionHost.instanceType: 'm7g.3xlarge' is not an EC2 instance type; m7g comes in",
    ],
    [
      'a missing access section',
      'prod',
      (c) => delete c.cluster.access,
      'prod.cluster.access: undefined is not allowed; the section is required',
    ],
    [
      'invalid node group name',
      'dev',
      (c) => (c.cluster.nodeGroups[0].name = 'System_1'),
      "dev.cluster.nodeGroups[0].name: 'System_1' is not allowed; expected a lower-case DNS label",
    ],
    [
      'duplicate node group name',
      'dev',
      (c) => (c.cluster.nodeGroups[1].name = c.cluster.nodeGroups[0].name),
      "dev.cluster.nodeGroups[1].name: 'system' is used by another node group; names must be unique",
    ],
    [
      'unknown workload',
      'dev',
      (c) => (c.cluster.nodeGroups[1].workload = 'batch'),
      "dev.cluster.nodeGroups[1].workload: 'batch' is not allowed; expected one of 'system', 'training', 'inference'",
    ],
    [
      'unknown capacity type',
      'dev',
      (c) => (c.cluster.nodeGroups[1].capacityType = 'RESERVED'),
      "dev.cluster.nodeGroups[1].capacityType: 'RESERVED' is not allowed; expected one of 'ON_DEMAND', 'SPOT'",
    ],
    [
      'no instance types',
      'dev',
      (c) => (c.cluster.nodeGroups[0].instanceTypes = []),
      'dev.cluster.nodeGroups[0].instanceTypes: [] is empty; list at least one instance type',
    ],
    [
      'malformed instance type',
      'dev',
      (c) => (c.cluster.nodeGroups[0].instanceTypes = ['xlarge']),
      "dev.cluster.nodeGroups[0].instanceTypes[0]: 'xlarge' is not an EC2 instance type like 'g6.2xlarge'",
    ],
    [
      'CPU type in a GPU group',
      'prod',
      (c) => (c.cluster.nodeGroups[gpuIndex(c)].instanceTypes = ['m7i.48xlarge']),
      "prod.cluster.nodeGroups[1].instanceTypes[0]: 'm7i.48xlarge' is not allowed in a GPU group; expected an NVIDIA GPU family",
    ],
    [
      'Arm GPU type (not supported by the x86 NVIDIA AMI)',
      'dev',
      (c) => (c.cluster.nodeGroups[gpuIndex(c)].instanceTypes = ['g5g.2xlarge']),
      "dev.cluster.nodeGroups[1].instanceTypes[0]: 'g5g.2xlarge' is not allowed in a GPU group",
    ],
    [
      'GPU type in a CPU group',
      'dev',
      (c) => (c.cluster.nodeGroups[0].instanceTypes = ['g6.xlarge']),
      "dev.cluster.nodeGroups[0].instanceTypes[0]: 'g6.xlarge' is a GPU instance type in a CPU group",
    ],
    [
      'p5 mixed with other GPU families',
      'prod',
      (c) => (c.cluster.nodeGroups[gpuIndex(c)].instanceTypes = ['p5.48xlarge', 'p4d.24xlarge']),
      'prod.cluster.nodeGroups[1].instanceTypes: ["p5.48xlarge","p4d.24xlarge"] mixes p5.48xlarge with other GPU families',
    ],
    [
      'negative size',
      'dev',
      (c) => (c.cluster.nodeGroups[0].minSize = -1),
      'dev.cluster.nodeGroups[0].minSize: -1 is not allowed; expected a whole number from 0 to 1000',
    ],
    [
      'max of zero',
      'dev',
      (c) => (c.cluster.nodeGroups[1].maxSize = 0),
      'dev.cluster.nodeGroups[1].maxSize: 0 is not allowed; expected a whole number from 1 to 1000',
    ],
    [
      'desired above max',
      'staging',
      (c) => (c.cluster.nodeGroups[0].desiredSize = 7),
      'staging.cluster.nodeGroups[0].desiredSize: 7 is not allowed; sizes must satisfy minSize <= desiredSize <= maxSize (3 <= 7 <= 6)',
    ],
    [
      'dev GPU group not scaling to zero',
      'dev',
      (c) => {
        c.cluster.nodeGroups[1].minSize = 1;
        c.cluster.nodeGroups[1].desiredSize = 1;
      },
      'dev.cluster.nodeGroups[1].minSize: 1 is not allowed; dev GPU groups scale to zero (minSize 0)',
    ],
    [
      'prod system group smaller than the AZs',
      'prod',
      (c) => {
        c.cluster.nodeGroups[0].minSize = 2;
        c.cluster.nodeGroups[0].desiredSize = 2;
      },
      'prod.cluster.nodeGroups[0].minSize: 2 is too small; the prod system group needs at least 3 nodes (one per AZ)',
    ],
    [
      'GPU system group',
      'dev',
      (c) => (c.cluster.nodeGroups[1].workload = 'system'),
      "dev.cluster.nodeGroups[1].gpu: true is not allowed for workload 'system'",
    ],
    [
      'Spot system group',
      'dev',
      (c) => (c.cluster.nodeGroups[0].capacityType = 'SPOT'),
      "dev.cluster.nodeGroups[0].capacityType: 'SPOT' is not allowed for the system group; use 'ON_DEMAND'",
    ],
    [
      'Spot training in prod without the opt-in',
      'prod',
      (c) => (c.cluster.nodeGroups[gpuIndex(c)].capacityType = 'SPOT'),
      "prod.cluster.nodeGroups[1].capacityType: 'SPOT' is not allowed for a training group unless cluster.allowSpotTraining is true",
    ],
    [
      'disk too small',
      'dev',
      (c) => (c.cluster.nodeGroups[0].diskSizeGiB = 8),
      'dev.cluster.nodeGroups[0].diskSizeGiB: 8 is not allowed; expected a whole number from 20 to 16384',
    ],
    [
      'GPU disk too small for images',
      'dev',
      (c) => (c.cluster.nodeGroups[1].diskSizeGiB = 50),
      'dev.cluster.nodeGroups[1].diskSizeGiB: 50 is too small for a GPU group',
    ],
    [
      'no system group',
      'dev',
      (c) => (c.cluster.nodeGroups = c.cluster.nodeGroups.filter((g: any) => g.gpu)),
      'dev.cluster.nodeGroups: ["gpu-g6"] has no system group; add a CPU group with workload \'system\'',
    ],
    [
      'no GPU group',
      'dev',
      (c) => (c.cluster.nodeGroups = c.cluster.nodeGroups.filter((g: any) => !g.gpu)),
      'dev.cluster.nodeGroups: ["system"] has no GPU group; add a group with gpu: true',
    ],
    [
      'invalid team name',
      'dev',
      (c) => (c.cluster.teams[0].name = 'Credit_Risk'),
      "dev.cluster.teams[0].name: 'Credit_Risk' is not allowed; expected a DNS-1123 label",
    ],
    [
      'reserved team name',
      'dev',
      (c) => {
        c.cluster.teams[0].name = 'kube-system';
        c.cluster.teams[0].lake.writePrefixes = ['features/teams/kube-system/'];
      },
      "dev.cluster.teams[0].name: 'kube-system' is a reserved namespace",
    ],
    [
      'duplicate team',
      'prod',
      (c) => (c.cluster.teams[1] = c.cluster.teams[0]),
      "prod.cluster.teams[1].name: 'credit-risk' is used by another team",
    ],
    [
      'zero CPU quota',
      'dev',
      (c) => (c.cluster.teams[0].quota.cpu = 0),
      'dev.cluster.teams[0].quota.cpu: 0 is not allowed; expected a whole number from 1 to 100000',
    ],
    [
      'memory quota below a default container',
      'dev',
      (c) => (c.cluster.teams[0].quota.memoryGiB = 1),
      'dev.cluster.teams[0].quota.memoryGiB: 1 is not allowed; expected a whole number from 2',
    ],
    [
      'fractional GPU quota',
      'dev',
      (c) => (c.cluster.teams[0].quota.gpus = 0.5),
      'dev.cluster.teams[0].quota.gpus: 0.5 is not allowed; expected a whole number from 0 to 10000',
    ],
    [
      'wildcard read prefix',
      'dev',
      (c) => (c.cluster.teams[0].lake.readPrefixes = ['curated/*']),
      "dev.cluster.teams[0].lake.readPrefixes[0]: 'curated/*' is not allowed; expected lower-case path segments ending in '/'",
    ],
    [
      'write prefix outside the team prefix',
      'prod',
      (c) => (c.cluster.teams[0].lake.writePrefixes = ['curated/credit/']),
      "prod.cluster.teams[0].lake.writePrefixes[0]: 'curated/credit/' is not allowed; a team writes only under its own prefix '<zone>/teams/credit-risk/'",
    ],
    [
      'write prefix of another team',
      'prod',
      (c) => (c.cluster.teams[0].lake.writePrefixes = ['features/teams/fraud/']),
      "prod.cluster.teams[0].lake.writePrefixes[0]: 'features/teams/fraud/' is not allowed; a team writes only under its own prefix '<zone>/teams/credit-risk/'",
    ],
    [
      'prefix outside the lake zones',
      'dev',
      (c) => (c.cluster.teams[0].lake.readPrefixes = ['gold/credit/']),
      "dev.cluster.teams[0].lake.readPrefixes[0]: 'gold/credit/' does not start with a lake zone; expected <zone>/<prefix>/ with zone one of raw, curated, features, models",
    ],
  ];

  test.each(cases)('%s', (_title, env, change, message) => {
    // WHEN
    const problems = problemsOf(env, change);
    // THEN
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('Spot training is allowed with the explicit opt-in', () => {
    // GIVEN / WHEN
    const problems = problemsOf('prod', (c) => {
      c.cluster.allowSpotTraining = true;
      c.cluster.nodeGroups[gpuIndex(c)].capacityType = 'SPOT';
    });
    // THEN
    expect(problems).toEqual([]);
  });
});
