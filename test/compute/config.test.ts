import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

/** Index of a NodePool in an environment's Karpenter config. */
const poolIndex = (c: any, name: string): number => c.cluster.karpenter.nodePools.findIndex((p: any) => p.name === name);

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

  test('every environment: one managed CPU system group; workload nodes from Karpenter NodePools (CPU, GPU training)', () => {
    // THEN
    for (const c of Object.values(ENVIRONMENTS)) {
      expect(c.cluster.nodeGroups.map((g) => [g.workload, g.gpu])).toEqual([['system', false]]);
      expect(c.cluster.karpenter.nodePools.some((p) => !p.gpu)).toBe(true);
      expect(c.cluster.karpenter.nodePools.some((p) => p.gpu && p.workload === 'training')).toBe(true);
    }
  });

  test('prod trains on demand or reserved capacity (never Spot); only prod has EFA training', () => {
    // THEN
    expect(ENVIRONMENTS.prod.cluster.allowSpotTraining).toBe(false);
    for (const p of ENVIRONMENTS.prod.cluster.karpenter.nodePools) expect(p.capacityTypes).not.toContain('spot');
    expect(ENVIRONMENTS.prod.cluster.efaTraining).toMatchObject({ nodePool: 'gpu-training', efaInterfacesPerNode: 32 });
    expect(ENVIRONMENTS.dev.cluster.efaTraining).toBeUndefined();
    expect(ENVIRONMENTS.staging.cluster.efaTraining).toBeUndefined();
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
      'namespace access that is none of edit, view, admin',
      'dev',
      (c) => (c.cluster.access.namespaces[0].access = 'owner'),
      "dev.cluster.access.namespaces[0].access: 'owner' is not allowed; expected one of 'edit', 'view', 'admin'",
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
      'no instance types',
      'dev',
      (c) => (c.cluster.nodeGroups[0].instanceTypes = []),
      'dev.cluster.nodeGroups[0].instanceTypes: [] is empty; list at least one instance type',
    ],
    [
      'malformed instance type',
      'dev',
      (c) => (c.cluster.nodeGroups[0].instanceTypes = ['xlarge']),
      "dev.cluster.nodeGroups[0].instanceTypes[0]: 'xlarge' is not an EC2 instance type like 'm7i.xlarge'",
    ],
    [
      'GPU type in a CPU group',
      'dev',
      (c) => (c.cluster.nodeGroups[0].instanceTypes = ['g6.xlarge']),
      "dev.cluster.nodeGroups[0].instanceTypes[0]: 'g6.xlarge' is a GPU instance type; GPU nodes come from cluster.karpenter.nodePools",
    ],
    [
      'negative size',
      'dev',
      (c) => (c.cluster.nodeGroups[0].minSize = -1),
      'dev.cluster.nodeGroups[0].minSize: -1 is not allowed; expected a whole number from 0 to 1000',
    ],
    [
      'desired above max',
      'staging',
      (c) => (c.cluster.nodeGroups[0].desiredSize = 7),
      'staging.cluster.nodeGroups[0].desiredSize: 7 is not allowed; sizes must satisfy minSize <= desiredSize <= maxSize (3 <= 7 <= 6)',
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
      'Spot system group',
      'dev',
      (c) => (c.cluster.nodeGroups[0].capacityType = 'SPOT'),
      "dev.cluster.nodeGroups[0].capacityType: 'SPOT' is not allowed for the system group; use 'ON_DEMAND'",
    ],
    [
      'disk too small',
      'dev',
      (c) => (c.cluster.nodeGroups[0].diskSizeGiB = 8),
      'dev.cluster.nodeGroups[0].diskSizeGiB: 8 is not allowed; expected a whole number from 20 to 16384',
    ],
    [
      'a GPU managed node group (GPU nodes come from Karpenter)',
      'dev',
      (c) =>
        c.cluster.nodeGroups.push({
          ...c.cluster.nodeGroups[0],
          name: 'gpu-g6',
          gpu: true,
          workload: 'training',
          instanceTypes: ['g6.2xlarge'],
        }),
      "dev.cluster.nodeGroups[1]: 'gpu-g6' is not allowed; managed node groups run only the system add-ons and Karpenter",
    ],
    [
      'no system group',
      'dev',
      (c) => (c.cluster.nodeGroups = []),
      "dev.cluster.nodeGroups: [] has no system group; add a CPU group with workload 'system'",
    ],
    [
      'an unpinned AMI',
      'dev',
      (c) => (c.cluster.karpenter.amiAlias = 'al2023@latest'),
      "dev.cluster.karpenter.nodePools[cpu].amiAlias: 'al2023@latest' is not allowed; pin an AL2023 release",
    ],
    [
      'a CPU family in a GPU pool',
      'staging',
      (c) => (c.cluster.karpenter.nodePools[poolIndex(c, 'gpu-inference')].instanceFamilies = ['m7i']),
      "staging.cluster.karpenter.nodePools[gpu-inference]: instance family 'm7i' is not a GPU family",
    ],
    [
      'Spot training in prod without the opt-in',
      'prod',
      (c) => (c.cluster.karpenter.nodePools[poolIndex(c, 'gpu-training')].capacityTypes = ['spot']),
      'prod.cluster.karpenter.nodePools[1].capacityTypes: ["spot"] is not allowed; Spot in a training pool needs cluster.allowSpotTraining',
    ],
    [
      'Spot GPU inference in prod',
      'prod',
      (c) => (c.cluster.karpenter.nodePools[poolIndex(c, 'gpu-inference')].capacityTypes = ['spot', 'on-demand']),
      'prod.cluster.karpenter.nodePools[2].capacityTypes: ["spot","on-demand"] is not allowed; prod GPU pools do not use Spot',
    ],
    [
      'a GPU pool without a GPU limit',
      'dev',
      (c) => (c.cluster.karpenter.nodePools[poolIndex(c, 'gpu-training')].limits = { cpu: 8, memoryGiB: 32 }),
      'dev.cluster.karpenter.nodePools[gpu-training].limits.gpus: undefined is not allowed; a GPU pool caps its GPUs',
    ],
    [
      'no GPU training pool',
      'dev',
      (c) => (c.cluster.karpenter.nodePools = c.cluster.karpenter.nodePools.filter((p: any) => !p.gpu)),
      'dev.cluster.karpenter.nodePools: ["cpu"] has no GPU training pool',
    ],
    [
      'EFA zone outside the environment',
      'prod',
      (c) => (c.cluster.efaTraining.zone = 'us-east-1a'),
      "prod.cluster.efaTraining.zone: 'us-east-1a' is not one of the environment's AZs",
    ],
    [
      'EFA on a family without EFA',
      'prod',
      (c) => (c.cluster.karpenter.nodePools[poolIndex(c, 'gpu-training')].instanceTypes = ['g6.48xlarge']),
      'prod.cluster.karpenter.nodePools[gpu-training].instanceTypes: ["g6.48xlarge"] is not allowed for EFA training',
    ],
    [
      'more EFA interfaces than the instance has',
      'prod',
      (c) => (c.cluster.efaTraining.efaInterfacesPerNode = 33),
      'prod.cluster.efaTraining.efaInterfacesPerNode: 33 is not allowed; expected a whole number from 1 to 32',
    ],
    [
      'reservations the pool would not use',
      'prod',
      (c) => (c.cluster.karpenter.nodePools[poolIndex(c, 'gpu-training')].capacityTypes = ['on-demand']),
      'prod.cluster.karpenter.nodePools[gpu-training].capacityTypes: ["on-demand"] does not include \'reserved\'',
    ],
    [
      'training storage of an invalid size',
      'prod',
      (c) => (c.cluster.efaTraining.storage.storageCapacityGiB = 3000),
      'prod.cluster.efaTraining.storage.storageCapacityGiB: 3000 is not allowed; 1200, 2400 or a multiple of 2400',
    ],
    [
      'a queue on a pool that is not a training pool',
      'staging',
      (c) => (c.cluster.teams[0].queue.gpus = { 'gpu-inference': 2 }),
      "staging.cluster.queues.teams[credit-risk].gpus: flavor 'gpu-inference' is not a GPU flavor; expected one of gpu-training",
    ],
    [
      'queued GPUs beyond the namespace quota',
      'prod',
      (c) => (c.cluster.teams[1].quota.gpus = 8),
      "prod.cluster.teams[1].quota.gpus: 8 is less than the team's queued GPUs, own and borrowed (16)",
    ],
    [
      'teams owning more GPUs than the pool may launch',
      'prod',
      (c) => (c.cluster.karpenter.nodePools[poolIndex(c, 'gpu-training')].limits.gpus = 16),
      'prod.cluster.karpenter.nodePools[gpu-training].limits.gpus: 16 is less than the GPUs the teams own in it (24)',
    ],
    [
      'a runtime image outside the environment ECR region',
      'dev',
      (c) => (c.cluster.images.training = 'pytorch/pytorch:2.8.0'),
      "dev.cluster.images.training: 'pytorch/pytorch:2.8.0' is not allowed; expected an ECR image URI",
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

  test('Spot training is allowed with the explicit opt-in (outside prod)', () => {
    // GIVEN / WHEN
    const problems = problemsOf('staging', (c) => {
      c.cluster.allowSpotTraining = true;
      c.cluster.karpenter.nodePools[poolIndex(c, 'gpu-training')].capacityTypes = ['spot', 'on-demand'];
    });
    // THEN
    expect(problems).toEqual([]);
  });
});
