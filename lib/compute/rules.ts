import { instanceFamily, isGpuInstanceType } from '../../constructs/compute/gpu';
import { NAMESPACE_ACCESS_POLICIES, publicAccessCidrProblems } from '../../constructs/compute/ml-cluster';
import { trainingFileSystemProblems } from '../../constructs/compute/training-storage';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../constructs/compute/versions';
import { DNS_LABEL, S3_PREFIX as LAKE_PREFIX } from '../../constructs/core/patterns';
import { karpenterNodePoolProblems } from '../../k8s/charts/karpenter-node-pools';
import { kueueQueueProblems } from '../../k8s/charts/kueue-queues';
import { outsideCidrProblems } from '../../k8s/charts/team-tenancy';
import { EFA_INTERFACES } from '../../k8s/charts/torch-node';
import { ec2InstanceSpec, ec2UnknownReason } from '../catalog';
import { parseCidr } from '../config/cidr';
import type { Problems } from '../config/problems';
import { type EnvironmentConfig, LAKE_ZONE_NAMES, type NodeGroupConfig, type TeamConfig } from '../config/types';
import { checkEcrImage } from '../serving/ecr';

import { karpenterNodePoolsProps, kueueQueuesProps, placeholderResolution, trainingPools } from './charts';
import { checkManifestOwners, checkTeamSelfService } from './team-rules';

const NODE_GROUP_NAME = /^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Namespaces the platform or Kubernetes owns; a team cannot take them. */
export const RESERVED_NAMESPACES: readonly string[] = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'kuberay-system',
  'kubeflow-system',
];

/**
 * Widest `cluster.podHttpsEgressCidrs` entry an environment with interface endpoints may list: its
 * pods reach every AWS API they call in the VPC, so what leaves through NAT is a few named ranges.
 */
export const POD_EGRESS_WITH_ENDPOINTS_MIN_PREFIX = 16;

/**
 * Pods' HTTPS egress against the network: with interface endpoints (every AWS API the pods call
 * is in the VPC) no wide public range; without them (every AWS API leaves through NAT) not none.
 */
function checkPodHttpsEgress(c: EnvironmentConfig, p: Problems): void {
  const endpoints = c.network?.interfaceEndpoints;
  const cidrs = c.cluster.podHttpsEgressCidrs;
  if (endpoints === true) {
    cidrs.forEach((text, i) => {
      const cidr = parseCidr(text);
      p.check(
        !cidr || cidr.prefix >= POD_EGRESS_WITH_ENDPOINTS_MIN_PREFIX,
        `cluster.podHttpsEgressCidrs[${i}]`,
        text,
        `is too wide for an environment with interface endpoints (network.interfaceEndpoints: true), whose pods reach every AWS API they call in the VPC; list only public destinations that must leave through NAT, each /${POD_EGRESS_WITH_ENDPOINTS_MIN_PREFIX} or narrower, or none ([])`,
      );
    });
  } else if (endpoints === false) {
    p.check(
      cidrs.length > 0,
      'cluster.podHttpsEgressCidrs',
      cidrs,
      "is empty, but network.interfaceEndpoints is false: pods reach AWS APIs only through NAT; list the public ranges they may reach on 443 (e.g. ['0.0.0.0/0']), or turn interface endpoints on",
    );
  }
}

/** Checks the `cluster` section: endpoint, admins, node groups and teams. */
export function checkCompute(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('cluster', c.cluster)) return;
  const k = c.cluster;
  p.oneOf('cluster.kubernetesVersion', k.kubernetesVersion, SUPPORTED_KUBERNETES_VERSIONS);

  // Endpoint.
  if (p.oneOf('cluster.endpointAccess', k.endpointAccess, ['private', 'publicAndPrivate'] as const)) {
    if (c.name !== 'dev') {
      p.check(
        k.endpointAccess === 'private',
        'cluster.endpointAccess',
        k.endpointAccess,
        `is not allowed; ${c.name}'s API endpoint must be 'private' (only dev may expose a CIDR-restricted public endpoint)`,
      );
    }
    if (k.endpointAccess === 'private') {
      p.check(
        k.publicAccessCidrs.length === 0,
        'cluster.publicAccessCidrs',
        k.publicAccessCidrs,
        "must be empty when endpointAccess is 'private'",
      );
    } else {
      p.check(
        k.publicAccessCidrs.length > 0,
        'cluster.publicAccessCidrs',
        k.publicAccessCidrs,
        'is empty; a public endpoint must be restricted to CIDRs (an empty list means open to the internet)',
      );
    }
  }
  k.publicAccessCidrs.forEach((text, i) => {
    const field = `cluster.publicAccessCidrs[${i}]`;
    for (const problem of publicAccessCidrProblems(text)) p.check(false, field, text, problem);
  });

  // Pods' HTTPS egress beyond the VPC.
  k.podHttpsEgressCidrs.forEach((text, i) => {
    for (const problem of outsideCidrProblems(text)) p.check(false, `cluster.podHttpsEgressCidrs[${i}]`, text, problem);
  });
  checkPodHttpsEgress(c, p);

  checkAccess(c, p);

  // Node groups.
  const groupNames = k.nodeGroups.map((g) => g.name);
  k.nodeGroups.forEach((g, i) => {
    checkNodeGroup(c, g, `cluster.nodeGroups[${i}]`, p);
  });
  groupNames.forEach((name, i) => {
    p.check(groupNames.indexOf(name) === i, `cluster.nodeGroups[${i}].name`, name, 'is used by another node group; names must be unique');
  });
  p.check(
    k.nodeGroups.some((g) => !g.gpu && g.workload === 'system'),
    'cluster.nodeGroups',
    groupNames,
    "has no system group; add a CPU group with workload 'system' for the cluster add-ons",
  );
  k.nodeGroups.forEach((g, i) => {
    p.check(
      !g.gpu && g.workload === 'system',
      `cluster.nodeGroups[${i}]`,
      g.name,
      "is not allowed; managed node groups run only the system add-ons and Karpenter (CPU, workload 'system'): workload nodes belong in cluster.karpenter.nodePools",
    );
  });

  for (const [name, uri] of Object.entries(k.images ?? {})) {
    checkEcrImage(c, p, `cluster.images.${name}`, uri, 'the cluster');
  }
  checkKarpenter(c, p);
  checkEfaTraining(c, p);
  checkQueues(c, p);

  // Teams.
  const teamNames = k.teams.map((t) => t.name);
  k.teams.forEach((t, i) => {
    checkTeam(t, `cluster.teams[${i}]`, p);
  });
  checkTeamSelfService(c, p);
  checkManifestOwners(c, p);
  teamNames.forEach((name, i) => {
    p.check(
      teamNames.indexOf(name) === i,
      `cluster.teams[${i}].name`,
      name,
      'is used by another team; team names (namespaces) must be unique',
    );
  });
}

/** The `cluster.access` section: admins, namespace access, the Session Manager host. */
function checkAccess(c: EnvironmentConfig, p: Problems): void {
  const a = c.cluster.access;
  if (!p.section('cluster.access', a)) return;
  p.check(a.admins.length > 0, 'cluster.access.admins', a.admins, 'is empty; at least one admin role needs cluster access');
  a.admins.forEach((arn, i) => {
    p.matches(`cluster.access.admins[${i}]`, arn, ROLE_ARN, 'an IAM role ARN like arn:aws:iam::111111111111:role/MlPlatformAdmin');
  });
  const teams = c.cluster.teams.map((t) => t.name);
  a.namespaces.forEach((grant, i) => {
    const at = `cluster.access.namespaces[${i}]`;
    p.matches(`${at}.roleArn`, grant.roleArn, ROLE_ARN, 'an IAM role ARN like arn:aws:iam::111111111111:role/MlPlatformDeveloper-fraud');
    p.oneOf(`${at}.access`, grant.access, Object.keys(NAMESPACE_ACCESS_POLICIES) as Array<keyof typeof NAMESPACE_ACCESS_POLICIES>);
    p.check(grant.namespaces.length > 0, `${at}.namespaces`, grant.namespaces, 'is empty; list the team namespaces the role may use');
    grant.namespaces.forEach((ns, j) => {
      p.check(teams.includes(ns), `${at}.namespaces[${j}]`, ns, `is not a team namespace; expected one of ${teams.join(', ')}`);
    });
  });
  const type = a.sessionHost?.instanceType;
  if (p.section('cluster.access.sessionHost', a.sessionHost)) {
    const spec = ec2InstanceSpec(type);
    if (!spec) p.add('cluster.access.sessionHost.instanceType', type, ec2UnknownReason(type));
    else
      p.check(
        spec.gpus === 0,
        'cluster.access.sessionHost.instanceType',
        type,
        'is a GPU type; the host only relays sessions (e.g. m7g.medium)',
      );
  }
}

/** Karpenter's NodePools: the construct's own checks over the layout the stack builds, plus Spot and GPU rules. */
function checkKarpenter(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('cluster.karpenter', c.cluster.karpenter)) return;
  const pools = c.cluster.karpenter.nodePools;
  const layout = karpenterNodePoolsProps(c, placeholderResolution(c));
  // The chart reports pools and node classes by name; node classes are named after their pools.
  p.addAll(
    karpenterNodePoolProblems('cluster.karpenter', layout.nodeClasses, layout.nodePools).map((line) =>
      line.replace(/^cluster\.karpenter\.nodeClasses\[/, 'cluster.karpenter.nodePools['),
    ),
  );
  pools.forEach((pool, i) => {
    const at = `cluster.karpenter.nodePools[${i}]`;
    p.integer(`${at}.diskSizeGiB`, pool.diskSizeGiB, pool.gpu ? 100 : 20, 16384);
    if (pool.workload === 'training' && pool.capacityTypes.includes('spot')) {
      p.check(
        c.cluster.allowSpotTraining,
        `${at}.capacityTypes`,
        pool.capacityTypes,
        'is not allowed; Spot in a training pool needs cluster.allowSpotTraining (Spot interruptions kill training steps)',
      );
    }
    if (c.name === 'prod') {
      p.check(
        !pool.capacityTypes.includes('spot') || pool.workload === 'general',
        `${at}.capacityTypes`,
        pool.capacityTypes,
        'is not allowed; prod GPU pools do not use Spot (interruptions stop serving and training)',
      );
    }
  });
  p.check(
    pools.some((pool) => pool.gpu && pool.workload === 'training'),
    'cluster.karpenter.nodePools',
    pools.map((pool) => pool.name),
    "has no GPU training pool; add a pool with workload 'training'",
  );
  p.check(
    pools.some((pool) => !pool.gpu),
    'cluster.karpenter.nodePools',
    pools.map((pool) => pool.name),
    "has no CPU pool; add a pool with workload 'general' for Ray heads, CPU workers and CPU model servers",
  );
}

/** Multi-node EFA training: its pool, zone, EFA interfaces, reservations and file systems. */
function checkEfaTraining(c: EnvironmentConfig, p: Problems): void {
  const efa = c.cluster.efaTraining;
  if (!efa) return;
  const pool = c.cluster.karpenter?.nodePools.find((x) => x.name === efa.nodePool);
  if (
    !p.check(
      pool?.gpu === true && pool.workload === 'training',
      'cluster.efaTraining.nodePool',
      efa.nodePool,
      'is not a GPU training pool of cluster.karpenter.nodePools',
    )
  ) {
    return;
  }
  p.check(
    c.availabilityZones.includes(efa.zone),
    'cluster.efaTraining.zone',
    efa.zone,
    `is not one of the environment's AZs (${c.availabilityZones.join(', ')})`,
  );
  const types = pool!.instanceTypes ?? [];
  p.check(
    types.length > 0 && types.every((t) => EFA_INTERFACES[t] !== undefined) && (pool!.instanceFamilies ?? []).length === 0,
    `cluster.karpenter.nodePools[${efa.nodePool}].instanceTypes`,
    types,
    `is not allowed for EFA training; list exact EFA types (${Object.keys(EFA_INTERFACES).join(', ')}) and no families`,
  );
  const fewest = Math.min(...types.map((t) => EFA_INTERFACES[t] ?? 0));
  if (p.integer('cluster.efaTraining.efaInterfacesPerNode', efa.efaInterfacesPerNode, 1, 32) && types.length > 0) {
    p.check(
      efa.efaInterfacesPerNode <= fewest,
      'cluster.efaTraining.efaInterfacesPerNode',
      efa.efaInterfacesPerNode,
      `is more than ${types.join(', ')} ${types.length === 1 ? 'has' : 'have'} (${fewest})`,
    );
  }
  p.check(
    efa.capacityReservationIds.length === 0 || pool!.capacityTypes.includes('reserved'),
    `cluster.karpenter.nodePools[${efa.nodePool}].capacityTypes`,
    pool!.capacityTypes,
    "does not include 'reserved'; the capacity reservations of cluster.efaTraining would go unused",
  );
  p.addAll(
    trainingFileSystemProblems('cluster.efaTraining.storage', {
      ...efa.storage,
      links: [{ fileSystemPath: '/features', s3Uri: 's3://bucket/teams/x/', direction: 'import' }],
    }),
  );
}

/** Kueue: each team's GPUs per training pool, within its namespace quota and the pool's limit. */
function checkQueues(c: EnvironmentConfig, p: Problems): void {
  if (!c.cluster.karpenter) return;
  const props = kueueQueuesProps(c);
  p.addAll(kueueQueueProblems('cluster.queues', props.gpuFlavors, props.teams));
  c.cluster.teams.forEach((t, i) => {
    const queued = [...Object.values(t.queue.gpus), ...Object.values(t.queue.borrowGpus)].reduce((a, b) => a + b, 0);
    p.check(
      queued <= t.quota.gpus,
      `cluster.teams[${i}].quota.gpus`,
      t.quota.gpus,
      `is less than the team's queued GPUs, own and borrowed (${queued}); Kueue would admit jobs the namespace quota then rejects`,
    );
  });
  for (const pool of trainingPools(c)) {
    const owned = c.cluster.teams.reduce((sum, t) => sum + (t.queue.gpus[pool.name] ?? 0), 0);
    p.check(
      owned <= (pool.limits.gpus ?? 0),
      `cluster.karpenter.nodePools[${pool.name}].limits.gpus`,
      pool.limits.gpus,
      `is less than the GPUs the teams own in it (${owned}); their queues would admit jobs Karpenter cannot place`,
    );
  }
}

function checkNodeGroup(c: EnvironmentConfig, g: NodeGroupConfig, at: string, p: Problems): void {
  p.matches(`${at}.name`, g.name, NODE_GROUP_NAME, "a lower-case DNS label of 1 to 30 characters (a-z, 0-9, '-') starting with a letter");
  const workloadOk = p.oneOf(`${at}.workload`, g.workload, ['system', 'training', 'inference'] as const);
  const capacityOk = p.oneOf(`${at}.capacityType`, g.capacityType, ['ON_DEMAND', 'SPOT'] as const);

  p.check(g.instanceTypes.length > 0, `${at}.instanceTypes`, g.instanceTypes, 'is empty; list at least one instance type');
  g.instanceTypes.forEach((type, j) => {
    const field = `${at}.instanceTypes[${j}]`;
    if (!p.check(instanceFamily(type) !== undefined, field, type, "is not an EC2 instance type like 'm7i.xlarge'")) return;
    p.check(!isGpuInstanceType(type), field, type, 'is a GPU instance type; GPU nodes come from cluster.karpenter.nodePools');
  });
  const sizesOk = [
    p.integer(`${at}.minSize`, g.minSize, 0, 1000),
    p.integer(`${at}.desiredSize`, g.desiredSize, 0, 1000),
    p.integer(`${at}.maxSize`, g.maxSize, 1, 1000),
  ].every(Boolean);
  if (sizesOk) {
    p.check(
      g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize,
      `${at}.desiredSize`,
      g.desiredSize,
      `is not allowed; sizes must satisfy minSize <= desiredSize <= maxSize (${g.minSize} <= ${g.desiredSize} <= ${g.maxSize})`,
    );
    if (workloadOk && g.workload === 'system') {
      const least = c.name === 'dev' ? 1 : c.availabilityZones.length;
      p.check(
        g.minSize >= least,
        `${at}.minSize`,
        g.minSize,
        `is too small; the ${c.name} system group needs at least ${least} node${least === 1 ? '' : 's'}${c.name === 'dev' ? '' : ' (one per AZ)'}`,
      );
    }
  }

  if (workloadOk && g.workload === 'system') {
    p.check(!g.gpu, `${at}.gpu`, g.gpu, "is not allowed for workload 'system'; cluster add-ons run on CPU nodes");
    if (capacityOk) {
      p.check(g.capacityType === 'ON_DEMAND', `${at}.capacityType`, g.capacityType, "is not allowed for the system group; use 'ON_DEMAND'");
    }
  }
  p.integer(`${at}.diskSizeGiB`, g.diskSizeGiB, 20, 16384);
}

function checkTeam(t: TeamConfig, at: string, p: Problems): void {
  if (p.matches(`${at}.name`, t.name, DNS_LABEL, "a DNS-1123 label (lower-case a-z, 0-9, '-', at most 63 characters)")) {
    p.check(
      !RESERVED_NAMESPACES.includes(t.name) && !t.name.startsWith('kube-'),
      `${at}.name`,
      t.name,
      'is a reserved namespace; choose another team name',
    );
  }
  p.integer(`${at}.quota.cpu`, t.quota.cpu, 1, 100000);
  p.integer(`${at}.quota.memoryGiB`, t.quota.memoryGiB, 2, 1000000);
  p.integer(`${at}.quota.gpus`, t.quota.gpus, 0, 10000);
  const prefixes: Array<[string, readonly string[]]> = [
    ['readPrefixes', t.lake.readPrefixes],
    ['writePrefixes', t.lake.writePrefixes],
  ];
  for (const [kind, list] of prefixes) {
    list.forEach((prefix, j) => {
      p.matches(
        `${at}.lake.${kind}[${j}]`,
        prefix,
        LAKE_PREFIX,
        "lower-case path segments ending in '/', without wildcards or a leading '/' (e.g. 'curated/credit/')",
      );
    });
  }
  for (const [kind, list] of prefixes) {
    list.forEach((prefix, j) => {
      const zone = prefix.split('/')[0];
      p.check(
        (LAKE_ZONE_NAMES as readonly string[]).includes(zone),
        `${at}.lake.${kind}[${j}]`,
        prefix,
        `does not start with a lake zone; expected <zone>/<prefix>/ with zone one of ${LAKE_ZONE_NAMES.join(', ')}`,
      );
    });
  }
  t.lake.writePrefixes.forEach((prefix, j) => {
    p.check(
      /^[a-z]+\/teams\//.test(prefix) && prefix.split('/')[2] === t.name,
      `${at}.lake.writePrefixes[${j}]`,
      prefix,
      `is not allowed; a team writes only under its own prefix '<zone>/teams/${t.name}/'`,
    );
  });
}
