import type { Problems } from '../config/problems';
import type { EnvironmentConfig, NodeGroupConfig } from '../config/types';
import { ec2InstanceSpec, ec2InstanceTypesOf, ec2UnknownReason } from './ec2';
import { availabilityZonesOf } from './regions';
import {
  ELASTICACHE_NODE_TYPES,
  EMR_SERVERLESS_RELEASES,
  MSK_BROKER_TYPES,
  MSK_KAFKA_VERSIONS,
  SAGEMAKER_INSTANCE_TYPES,
  unknownValueReason,
} from './services';

/**
 * Shapes the rooms' own rules check; a value of the wrong shape is reported there once, so only
 * well-formed values are looked up here.
 */
const SHAPE = {
  kafkaVersion: /^\d+\.\d+\.(\d+|x)(\.kraft)?$/,
  brokerType: /^(kafka|express)\.[a-z0-9]+\.[a-z0-9]+$/,
  emrRelease: /^emr-\d+\.\d+\.\d+$/,
  cacheNodeType: /^cache\.[a-z0-9]+\.[a-z0-9]+$/,
  mlInstanceType: /^ml\.[a-z0-9-]+\.[a-z0-9]+$/,
  ec2InstanceType: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
} as const;

/**
 * Well-formed values that AWS does not have, and requests that no node can ever satisfy, checked
 * against the committed tables of lib/catalog (each names its source and date). Every section is
 * optional here: a missing section is its own room's problem (reported once, by name).
 */
export function checkAgainstCatalog(c: EnvironmentConfig, p: Problems): void {
  checkZones(c, p);
  checkServices(c, p);
  checkCapacity(c, p);
}

/** AZ letters the region has. */
function checkZones(c: EnvironmentConfig, p: Problems): void {
  const offered = availabilityZonesOf(c.region);
  if (!offered || !Array.isArray(c.availabilityZones)) return;
  c.availabilityZones.forEach((az, i) => {
    if (!az.startsWith(c.region)) return; // the foundation rule names this one
    p.check(offered.includes(az), `availabilityZones[${i}]`, az, `is not an AZ ${c.region} offers; expected one of ${offered.join(', ')}`);
  });
}

/** Engine versions, releases and instance types of the managed services. */
function checkServices(c: EnvironmentConfig, p: Problems): void {
  const s = c.streaming;
  if (s?.mode === 'provisioned') {
    const known = (v: string, list: readonly string[]) => list.includes(v);
    if (SHAPE.kafkaVersion.test(s.kafkaVersion) && !known(s.kafkaVersion, MSK_KAFKA_VERSIONS)) {
      p.add('streaming.kafkaVersion', s.kafkaVersion, unknownValueReason(s.kafkaVersion, MSK_KAFKA_VERSIONS, 'a Kafka version MSK'));
    }
    if (SHAPE.brokerType.test(s.brokerInstanceType) && !known(s.brokerInstanceType, MSK_BROKER_TYPES)) {
      p.add(
        'streaming.brokerInstanceType',
        s.brokerInstanceType,
        unknownValueReason(s.brokerInstanceType, MSK_BROKER_TYPES, 'an MSK broker type'),
      );
    }
  }
  if (c.spark && SHAPE.emrRelease.test(c.spark.releaseLabel) && !EMR_SERVERLESS_RELEASES.includes(c.spark.releaseLabel)) {
    p.add(
      'spark.releaseLabel',
      c.spark.releaseLabel,
      `is not an EMR Serverless release; EMR Serverless offers ${EMR_SERVERLESS_RELEASES[0]} to ${EMR_SERVERLESS_RELEASES.at(-1)}`,
    );
  }
  const cacheTypes = Object.keys(ELASTICACHE_NODE_TYPES);
  if (c.featureStore && SHAPE.cacheNodeType.test(c.featureStore.nodeType) && !cacheTypes.includes(c.featureStore.nodeType)) {
    p.add(
      'featureStore.nodeType',
      c.featureStore.nodeType,
      unknownValueReason(c.featureStore.nodeType, cacheTypes, 'an ElastiCache node type'),
    );
  }
  const mlTypes = Object.keys(SAGEMAKER_INSTANCE_TYPES);
  (c.serving?.endpoints ?? []).forEach((e, i) => {
    if (!e.serverless && SHAPE.mlInstanceType.test(e.instanceType) && !mlTypes.includes(e.instanceType)) {
      p.add(
        `serving.endpoints[${i}].instanceType`,
        e.instanceType,
        unknownValueReason(e.instanceType, mlTypes, 'a SageMaker instance type'),
      );
    }
    if (e.monitoring && SHAPE.mlInstanceType.test(e.monitoring.instanceType) && !mlTypes.includes(e.monitoring.instanceType)) {
      p.add(
        `serving.endpoints[${i}].monitoring.instanceType`,
        e.monitoring.instanceType,
        unknownValueReason(e.monitoring.instanceType, mlTypes, 'a SageMaker instance type'),
      );
    }
  });
  (c.cluster?.nodeGroups ?? []).forEach((g, i) => {
    g.instanceTypes.forEach((type, j) => {
      if (SHAPE.ec2InstanceType.test(type) && !ec2InstanceSpec(type))
        p.add(`cluster.nodeGroups[${i}].instanceTypes[${j}]`, type, ec2UnknownReason(type));
    });
  });
}

/** The most of a resource one node of a group offers (its largest instance type). */
function perNode(g: NodeGroupConfig, of: 'gpus' | 'vcpus'): number {
  return Math.max(0, ...g.instanceTypes.map((t) => ec2InstanceSpec(t)?.[of] ?? 0));
}

/** Policy and capacity: Spot GPU inference in prod; pods and quotas no node pool can supply. */
function checkCapacity(c: EnvironmentConfig, p: Problems): void {
  const k = c.cluster;
  if (!k) return;
  // Documented policy (docs/compute.md): prod serves GPU inference on demand; Spot reclaims
  // capacity with two minutes' notice, and scoring must keep its capacity.
  if (c.name === 'prod') {
    k.nodeGroups.forEach((g, i) => {
      p.check(
        !(g.gpu && g.workload === 'inference' && g.capacityType === 'SPOT'),
        `cluster.nodeGroups[${i}].capacityType`,
        g.capacityType,
        "is not allowed for a GPU inference group in prod; prod serves on 'ON_DEMAND' capacity (Spot is for dev and staging)",
      );
    });
  }
  // What the cluster can ever run: its managed node groups at maxSize, plus Karpenter's pools up to their limits.
  const pools = k.karpenter?.nodePools ?? [];
  const poolTypes = (pool: (typeof pools)[number]) => [
    ...(pool.instanceTypes ?? []),
    ...(pool.instanceFamilies ?? []).flatMap(ec2InstanceTypesOf),
  ];
  const poolPerNode = (pool: (typeof pools)[number], of: 'gpus' | 'vcpus') =>
    Math.max(0, ...poolTypes(pool).map((t) => ec2InstanceSpec(t)?.[of] ?? 0));
  const groupSupply = (of: 'gpus' | 'vcpus', groups: readonly NodeGroupConfig[]) =>
    groups.reduce((sum, g) => sum + g.maxSize * perNode(g, of), 0);
  const gpuSupply =
    groupSupply(
      'gpus',
      k.nodeGroups.filter((g) => g.gpu),
    ) + pools.reduce((sum, pool) => sum + (pool.gpu ? (pool.limits.gpus ?? 0) : 0), 0);
  const cpuSupply = groupSupply('vcpus', k.nodeGroups) + pools.reduce((sum, pool) => sum + pool.limits.cpu, 0);
  k.teams.forEach((t, i) => {
    p.check(
      t.quota.gpus <= gpuSupply,
      `cluster.teams[${i}].quota.gpus`,
      t.quota.gpus,
      `is more than the cluster can ever supply (${gpuSupply} GPUs: GPU node groups at maxSize and GPU NodePools at their limits); raise a limit or lower the quota`,
    );
    p.check(
      t.quota.cpu <= cpuSupply,
      `cluster.teams[${i}].quota.cpu`,
      t.quota.cpu,
      `is more than the cluster can ever supply (${cpuSupply} vCPUs: node groups at maxSize and NodePools at their limits); raise a limit or lower the quota`,
    );
  });
  // A pod fits on one node or never runs: model servers against the nodes they may land on.
  const inferenceGroups = k.nodeGroups.filter((g) => g.gpu && g.workload === 'inference');
  const inferencePools = pools.filter((pool) => pool.gpu && pool.workload === 'inference');
  const mostGpus = Math.max(
    0,
    ...inferenceGroups.map((g) => perNode(g, 'gpus')),
    ...inferencePools.map((pool) => poolPerNode(pool, 'gpus')),
  );
  (c.serving?.modelServers ?? []).forEach((s, i) => {
    const groups = s.gpu ? inferenceGroups : k.nodeGroups.filter((g) => !g.gpu);
    const poolsOfKind = s.gpu ? inferencePools : pools.filter((pool) => !pool.gpu);
    const mostCpus = Math.max(0, ...groups.map((g) => perNode(g, 'vcpus')), ...poolsOfKind.map((pool) => poolPerNode(pool, 'vcpus')));
    if (s.gpu && inferenceGroups.length + inferencePools.length > 0) {
      p.check(
        s.gpu.count <= mostGpus,
        `serving.modelServers[${i}].gpu.count`,
        s.gpu.count,
        `is more than any GPU inference node offers (at most ${mostGpus} GPUs per node); no pod of it could be scheduled`,
      );
    }
    if (groups.length + poolsOfKind.length > 0) {
      p.check(
        s.cpu <= mostCpus,
        `serving.modelServers[${i}].cpu`,
        s.cpu,
        `is more than any ${s.gpu ? 'GPU inference' : 'CPU'} node offers (at most ${mostCpus} vCPUs per node); no pod of it could be scheduled`,
      );
    }
  });
}
