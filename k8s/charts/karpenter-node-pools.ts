import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GPU_INSTANCE_FAMILIES, GPU_TAINT, instanceFamily } from '../../constructs/compute/gpu';
import { NODE_LABELS } from '../../constructs/compute/ml-node-group';
import {
  Ec2NodeClass,
  Ec2NodeClassSpecInstanceStorePolicy,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpTokens,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType as VolumeType,
} from '../imports/karpenter.k8s.aws';
import {
  NodePoolSpecDisruptionConsolidationPolicy as Consolidation,
  NodePool,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecTaintsEffect,
  NodePoolSpecTemplateSpecRequirementsOperator as Op,
} from '../imports/karpenter.sh';
import { platformLabels } from './labels';

/** What a pool's nodes run; becomes the `platform/workload` label (workloads select on it). */
export type NodePoolWorkload = 'general' | 'inference' | 'training';

/** Karpenter's capacity types: on-demand, Spot, or a capacity reservation / Capacity Block. */
export type KarpenterCapacityType = 'on-demand' | 'spot' | 'reserved';

/** One EC2NodeClass: how nodes are launched (AMI, network, disks, identity, metadata service). */
export interface KarpenterNodeClassOptions {
  /** Name of the EC2NodeClass (a DNS label). */
  readonly name: string;
  /** Instance profile of the nodes (Karpenter's `instanceProfileName`). */
  readonly instanceProfile: string;
  /**
   * EKS optimized AMI, pinned: `al2023@v<yyyymmdd>`. Karpenter picks the NVIDIA variant of that
   * release for GPU instance types and the standard one otherwise.
   */
  readonly amiAlias: string;
  /** Subnets the nodes go into, by id (private subnets; one for a placement group). */
  readonly subnetIds: readonly string[];
  /** Security groups of the nodes, by id (the cluster security group). */
  readonly securityGroupIds: readonly string[];
  /** Root volume size in GiB (gp3, encrypted). */
  readonly volumeSizeGiB: number;
  /**
   * Key of the root volumes (id, ARN or alias).
   * @default - the account's default EBS key
   */
  readonly volumeKmsKeyId?: string;
  /**
   * Cluster placement group (by name) the nodes launch into: EFA training nodes in one group get
   * the lowest latency between them.
   * @default - none
   */
  readonly placementGroupName?: string;
  /**
   * On-demand capacity reservations or Capacity Blocks (ids `cr-…`) the nodes may launch into.
   * @default - none
   */
  readonly capacityReservationIds?: readonly string[];
  /**
   * Put the kubelet and containerd on a RAID0 of the instance-store NVMe disks (p5/p4d carry 8).
   * @default false
   */
  readonly instanceStoreRaid0?: boolean;
}

/** One NodePool: which instances, which capacity, how many, and when nodes may be disrupted. */
export interface KarpenterNodePoolOptions {
  /** Name of the NodePool (a DNS label); also the `platform/node-group` label. */
  readonly name: string;
  /** The EC2NodeClass its nodes use. */
  readonly nodeClass: string;
  /** What it runs. GPU pools are `inference` or `training`; `general` is a CPU pool. */
  readonly workload: NodePoolWorkload;
  /** GPU nodes (GPU taint, `platform/node-kind=gpu`) or CPU nodes. */
  readonly gpu: boolean;
  /**
   * Instance families (`g6`, `m7i`): Karpenter picks sizes within them that fit the pending pods,
   * so one pool can mix sizes without the Cluster Autoscaler's guesswork.
   */
  readonly instanceFamilies?: readonly string[];
  /**
   * Exact instance types (`p5.48xlarge`); with `instanceFamilies`, both must match.
   * @default - any size of the families
   */
  readonly instanceTypes?: readonly string[];
  /** Capacity types, in no order (Karpenter prefers reserved, then Spot, then on-demand). */
  readonly capacityTypes: readonly KarpenterCapacityType[];
  /**
   * Zones the nodes may use (e.g. the one zone of a placement group).
   * @default - every zone of the node class's subnets
   */
  readonly zones?: readonly string[];
  /** Most capacity of the pool in total: CPU cores, memory (GiB) and GPUs. */
  readonly limits: { readonly cpu: number; readonly memoryGiB: number; readonly gpus?: number };
  /**
   * Consolidation: `WhenEmptyOrUnderutilized` repacks pods onto fewer nodes; `WhenEmpty` only
   * removes empty nodes (training: never moves a running job).
   * @default - 'WhenEmptyOrUnderutilized' for general and inference pools, 'WhenEmpty' for training
   */
  readonly consolidationPolicy?: 'WhenEmpty' | 'WhenEmptyOrUnderutilized';
  /**
   * How long a node must be empty or underutilized before it is consolidated.
   * @default '5m' ('15m' for GPU pools: GPU nodes take minutes to come back)
   */
  readonly consolidateAfter?: string;
  /**
   * Largest share of the pool's nodes disrupted at once voluntarily (consolidation, drift, expiry).
   * @default '10%'
   */
  readonly disruptionBudget?: string;
  /**
   * Node lifetime before replacement (picks up new AMIs).
   * @default '720h' ('Never' for training pools: a reservation's nodes stay until the job ends)
   */
  readonly expireAfter?: string;
  /**
   * Relative preference when several pools fit a pod (higher first).
   * @default - none
   */
  readonly weight?: number;
}

export interface KarpenterNodePoolsProps extends ChartProps {
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /** Name of the EKS cluster (tags of launched resources). */
  readonly clusterName: string;
  readonly nodeClasses: readonly KarpenterNodeClassOptions[];
  readonly nodePools: readonly KarpenterNodePoolOptions[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const AMI_ALIAS = /^al2023@(v\d{8}|latest)$/;
const DURATION = /^(\d+(s|m|h))+$/;
const PERCENT_OR_COUNT = /^(\d+|\d{1,3}%)$/;
const CAPACITY_TYPES: readonly KarpenterCapacityType[] = ['on-demand', 'spot', 'reserved'];

/**
 * Problems of node classes and pools (empty when valid), each one line naming the field, the value
 * and what is allowed. `where` prefixes every line (e.g. `prod.compute.karpenter`). Config rules
 * call this; the chart throws on the first.
 */
export function karpenterNodePoolProblems(
  where: string,
  nodeClasses: readonly KarpenterNodeClassOptions[],
  nodePools: readonly KarpenterNodePoolOptions[],
): string[] {
  const problems: string[] = [];
  const classNames = new Set<string>();
  for (const c of nodeClasses) {
    const at = `${where}.nodeClasses[${c.name}]`;
    if (!DNS_LABEL.test(c.name)) problems.push(`${at}.name: '${c.name}' is not a DNS label (lower-case a-z, 0-9, '-')`);
    if (classNames.has(c.name)) problems.push(`${at}.name: '${c.name}' is defined twice; node class names must be unique`);
    classNames.add(c.name);
    if (!AMI_ALIAS.test(c.amiAlias) || c.amiAlias.endsWith('@latest')) {
      problems.push(`${at}.amiAlias: '${c.amiAlias}' is not allowed; pin an AL2023 release like 'al2023@v20251120' (never @latest)`);
    }
    if (!Number.isInteger(c.volumeSizeGiB) || c.volumeSizeGiB < 20 || c.volumeSizeGiB > 16384) {
      problems.push(`${at}.volumeSizeGiB: ${c.volumeSizeGiB} is not allowed; a whole number from 20 to 16384`);
    }
    if (c.subnetIds.length === 0) problems.push(`${at}.subnetIds: none given; at least one subnet`);
    if (c.placementGroupName !== undefined && c.subnetIds.length !== 1) {
      problems.push(
        `${at}.subnetIds: ${c.subnetIds.length} subnets with a cluster placement group; a placement group lives in one AZ, give one subnet`,
      );
    }
    for (const id of c.capacityReservationIds ?? []) {
      if (!/^cr-[0-9a-z]+$/.test(id) && !id.startsWith('${Token')) {
        problems.push(`${at}.capacityReservationIds: '${id}' is not a capacity reservation id like 'cr-0123456789abcdef0'`);
      }
    }
  }
  const poolNames = new Set<string>();
  for (const p of nodePools) {
    const at = `${where}.nodePools[${p.name}]`;
    if (!DNS_LABEL.test(p.name)) problems.push(`${at}.name: '${p.name}' is not a DNS label (lower-case a-z, 0-9, '-')`);
    if (poolNames.has(p.name)) problems.push(`${at}.name: '${p.name}' is defined twice; node pool names must be unique`);
    poolNames.add(p.name);
    if (!classNames.has(p.nodeClass)) {
      problems.push(`${at}.nodeClass: '${p.nodeClass}' is not a node class; expected one of ${[...classNames].join(', ') || 'none'}`);
    }
    if (p.gpu && p.workload === 'general')
      problems.push(`${at}.workload: 'general' is a CPU pool; a GPU pool is 'inference' or 'training'`);
    if (!p.gpu && p.workload !== 'general') problems.push(`${at}.workload: '${p.workload}' needs gpu: true; a CPU pool is 'general'`);
    const families = p.instanceFamilies ?? [];
    const types = p.instanceTypes ?? [];
    if (families.length + types.length === 0) problems.push(`${at}: give instanceFamilies or instanceTypes (none given)`);
    for (const f of [...families, ...types.map((t) => instanceFamily(t) ?? t)]) {
      if (p.gpu !== GPU_INSTANCE_FAMILIES.includes(f)) {
        problems.push(
          p.gpu
            ? `${at}: instance family '${f}' is not a GPU family; GPU pools use ${GPU_INSTANCE_FAMILIES.join(', ')}`
            : `${at}: instance family '${f}' is a GPU family; a CPU pool cannot use it`,
        );
      }
    }
    for (const t of types)
      if (instanceFamily(t) === undefined) problems.push(`${at}.instanceTypes: '${t}' is not an EC2 instance type like 'p5.48xlarge'`);
    if (p.capacityTypes.length === 0 || p.capacityTypes.some((c) => !CAPACITY_TYPES.includes(c))) {
      problems.push(`${at}.capacityTypes: [${p.capacityTypes.join(', ')}] is not allowed; one or more of ${CAPACITY_TYPES.join(', ')}`);
    }
    if (p.capacityTypes.includes('reserved')) {
      const cls = nodeClasses.find((c) => c.name === p.nodeClass);
      if (cls && (cls.capacityReservationIds ?? []).length === 0) {
        problems.push(`${at}.capacityTypes: 'reserved' needs capacityReservationIds on node class '${p.nodeClass}' (none given)`);
      }
    }
    if (p.workload === 'training' && p.consolidationPolicy === 'WhenEmptyOrUnderutilized') {
      problems.push(
        `${at}.consolidationPolicy: 'WhenEmptyOrUnderutilized' would move running training jobs; a training pool uses 'WhenEmpty'`,
      );
    }
    for (const [field, value] of [
      ['consolidateAfter', p.consolidateAfter],
      ['expireAfter', p.expireAfter],
    ] as const) {
      if (value !== undefined && value !== 'Never' && !DURATION.test(value)) {
        problems.push(`${at}.${field}: '${value}' is not a duration like '10m' or '720h' (or 'Never')`);
      }
    }
    if (p.disruptionBudget !== undefined && !PERCENT_OR_COUNT.test(p.disruptionBudget)) {
      problems.push(`${at}.disruptionBudget: '${p.disruptionBudget}' is not a node count or percentage like '10%'`);
    }
    const l = p.limits;
    if (!(l.cpu > 0) || !(l.memoryGiB > 0)) problems.push(`${at}.limits: cpu ${l.cpu} and memoryGiB ${l.memoryGiB} must be positive`);
    if (p.gpu && !(Number.isInteger(l.gpus) && (l.gpus ?? 0) > 0)) {
      problems.push(`${at}.limits.gpus: ${l.gpus} is not allowed; a GPU pool caps its GPUs with a whole number >= 1`);
    }
  }
  return problems;
}

/**
 * Karpenter's EC2NodeClasses and NodePools for the workload nodes (the managed system node group
 * runs the add-ons and Karpenter). Every node class requires IMDSv2 with a hop limit of 1 (pods
 * get AWS credentials from EKS Pod Identity, never from the node) and encrypts its gp3 root
 * volume; every pool labels its nodes with the platform's node labels (`platform/node-kind`,
 * `platform/workload`, `platform/node-group`) and GPU pools add the GPU taint, so workloads select
 * nodes exactly as they did with managed node groups.
 *
 * @example
 * import type { KarpenterNodeClassOptions, KarpenterNodePoolOptions } from './karpenter-node-pools';
 * declare const nodeClasses: KarpenterNodeClassOptions[];
 * declare const nodePools: KarpenterNodePoolOptions[];
 * new KarpenterNodePoolsChart(app, 'karpenter', { environment: 'dev', clusterName: 'dev-ml-platform', nodeClasses, nodePools });
 */
export class KarpenterNodePoolsChart extends Chart {
  readonly nodeClasses: Record<string, Ec2NodeClass> = {};
  readonly nodePools: Record<string, NodePool> = {};

  constructor(scope: Construct, id: string, props: KarpenterNodePoolsProps) {
    super(scope, id, {
      ...props,
      labels: { ...platformLabels({ environment: props.environment, component: 'karpenter' }), ...props.labels },
    });
    const problems = karpenterNodePoolProblems('KarpenterNodePoolsChart', props.nodeClasses, props.nodePools);
    if (problems.length > 0) throw new Error(problems[0]);

    for (const c of props.nodeClasses) {
      this.nodeClasses[c.name] = new Ec2NodeClass(this, `NodeClass-${c.name}`, {
        metadata: { name: c.name },
        spec: {
          amiSelectorTerms: [{ alias: c.amiAlias }],
          instanceProfile: c.instanceProfile,
          subnetSelectorTerms: c.subnetIds.map((id) => ({ id })),
          securityGroupSelectorTerms: c.securityGroupIds.map((id) => ({ id })),
          associatePublicIpAddress: false,
          metadataOptions: {
            httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
            httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
            httpPutResponseHopLimit: 1,
          },
          blockDeviceMappings: [
            {
              deviceName: '/dev/xvda',
              rootVolume: true,
              ebs: {
                volumeSize: `${c.volumeSizeGiB}Gi`,
                volumeType: VolumeType.GP3,
                encrypted: true,
                kmsKeyId: c.volumeKmsKeyId,
                deleteOnTermination: true,
              },
            },
          ],
          instanceStorePolicy: c.instanceStoreRaid0 ? Ec2NodeClassSpecInstanceStorePolicy.RAID0 : undefined,
          placementGroupSelector: c.placementGroupName ? { name: c.placementGroupName } : undefined,
          capacityReservationSelectorTerms: c.capacityReservationIds?.length
            ? c.capacityReservationIds.map((rid) => ({ id: rid }))
            : undefined,
          tags: { 'platform/env': props.environment, 'platform/node-class': c.name, 'eks:eks-cluster-name': props.clusterName },
        },
      });
    }

    for (const p of props.nodePools) {
      const requirements = [
        { key: 'kubernetes.io/arch', operator: Op.IN, values: ['amd64'] },
        { key: 'kubernetes.io/os', operator: Op.IN, values: ['linux'] },
        { key: 'karpenter.sh/capacity-type', operator: Op.IN, values: [...p.capacityTypes] },
        ...(p.instanceFamilies?.length
          ? [{ key: 'karpenter.k8s.aws/instance-family', operator: Op.IN, values: [...p.instanceFamilies] }]
          : []),
        ...(p.instanceTypes?.length ? [{ key: 'node.kubernetes.io/instance-type', operator: Op.IN, values: [...p.instanceTypes] }] : []),
        ...(p.zones?.length ? [{ key: 'topology.kubernetes.io/zone', operator: Op.IN, values: [...p.zones] }] : []),
      ];
      const training = p.workload === 'training';
      const limits: Record<string, NodePoolSpecLimits> = {
        cpu: NodePoolSpecLimits.fromNumber(p.limits.cpu),
        memory: NodePoolSpecLimits.fromString(`${p.limits.memoryGiB}Gi`),
        ...(p.gpu ? { [GPU_TAINT.key]: NodePoolSpecLimits.fromNumber(p.limits.gpus ?? 0) } : {}),
      };
      this.nodePools[p.name] = new NodePool(this, `NodePool-${p.name}`, {
        metadata: { name: p.name },
        spec: {
          weight: p.weight,
          limits,
          disruption: {
            consolidationPolicy:
              (p.consolidationPolicy ?? (training ? 'WhenEmpty' : 'WhenEmptyOrUnderutilized')) === 'WhenEmpty'
                ? Consolidation.WHEN_EMPTY
                : Consolidation.WHEN_EMPTY_OR_UNDERUTILIZED,
            consolidateAfter: p.consolidateAfter ?? (p.gpu ? '15m' : '5m'),
            budgets: [{ nodes: p.disruptionBudget ?? '10%' }],
          },
          template: {
            metadata: {
              labels: {
                [NODE_LABELS.kind]: p.gpu ? 'gpu' : 'cpu',
                [NODE_LABELS.workload]: p.workload,
                [NODE_LABELS.group]: p.name,
                // The NVIDIA device plugin's daemon set selects nodes with this label.
                ...(p.gpu ? { 'nvidia.com/gpu.present': 'true' } : {}),
              },
            },
            spec: {
              nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: p.nodeClass },
              requirements,
              taints: p.gpu
                ? [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: NodePoolSpecTemplateSpecTaintsEffect.NO_SCHEDULE }]
                : undefined,
              expireAfter: p.expireAfter ?? (training ? 'Never' : '720h'),
            },
          },
        },
      });
    }
  }
}
