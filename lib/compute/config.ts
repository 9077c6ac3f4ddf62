import type { NamespaceAccess, NodeCapacityType } from '../../constructs/compute';
import type { KarpenterCapacityType, NodePoolWorkload } from '../../k8s/charts/karpenter-node-pools';
import { ACCOUNTS } from '../config/accounts';
import type { EnvironmentName } from '../config/types';
import type { GitOpsChart, ManifestOwner } from './manifest-owners';

/** EC2 purchase option of a node group (the MlNodeGroup construct's). */
export type CapacityTypeConfig = NodeCapacityType;

export interface NodeGroupConfig {
  /** Name (a DNS label, unique in the cluster): the `platform/node-group` label and part of the construct id. */
  readonly name: string;
  /** GPU group (NVIDIA AMI, GPU taint) or CPU group. */
  readonly gpu: boolean;
  /** 'system' (cluster add-ons, CPU only), 'training' or 'inference'. */
  readonly workload: 'system' | 'training' | 'inference';
  /** EC2 instance types, e.g. ['g6.2xlarge']: GPU families for GPU groups, none for CPU groups. */
  readonly instanceTypes: readonly string[];
  /** ON_DEMAND, or SPOT (dev; prod training only with cluster.allowSpotTraining). */
  readonly capacityType: CapacityTypeConfig;
  /** Node counts, min <= desired <= max; dev GPU groups start at 0. */
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  /** Root volume in GiB (GPU images are large: at least 100 for GPU groups). */
  readonly diskSizeGiB: number;
}

export interface TeamConfig {
  /** Team name = its namespace (a DNS label, not a system namespace). */
  readonly name: string;
  /**
   * Namespace quota: CPU cores, memory GiB and GPUs (`requests.nvidia.com/gpu`). The GPUs cover the
   * team's queued jobs (its own and borrowed) and its GPU model servers.
   */
  readonly quota: { readonly cpu: number; readonly memoryGiB: number; readonly gpus: number };
  /**
   * The team's Kueue ClusterQueue: GPUs it owns per GPU training NodePool (by pool name), and GPUs
   * it may borrow there from teams that leave theirs unused (taken back by preemption).
   */
  readonly queue: { readonly gpus: Readonly<Record<string, number>>; readonly borrowGpus: Readonly<Record<string, number>> };
  /**
   * Lake key prefixes (in every lake bucket, ending in '/'): read-only, and read-write. Write
   * prefixes live under `teams/<name>/` (the lake's convention for team-owned data).
   */
  readonly lake: { readonly readPrefixes: readonly string[]; readonly writePrefixes: readonly string[] };
  /**
   * The team's people, by group (one IAM Identity Center permission set each): each group's role
   * gets an EKS access entry with a namespace-scoped policy on the team's namespace (in the Compute
   * stack, beside `cluster.access`) and, where notebooks are on, a Studio user profile.
   * `mlp preflight` checks that the roles exist (an access entry for a missing role fails the deploy).
   * @default - no member access (the namespace is reached through `cluster.access` only)
   */
  readonly members?: readonly TeamMemberGroup[];
  /**
   * What the team uses of the platform's shared services (its Team stack grants them to the team's
   * workload role) and the team's image repositories.
   * @default - none
   */
  readonly services?: TeamServicesConfig;
}

/** A group of a team's people: one role, one level of access to the team's namespace. */
export interface TeamMemberGroup {
  /** A DNS label, unique in the team: names the group's Studio user profile `<team>-<name>`. */
  readonly name: string;
  /**
   * The group's IAM role ARN. For people: their permission set's role, with or without its path
   * (`arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<set>_<id>`).
   */
  readonly roleArn: string;
  /**
   * Kubernetes access to the team's namespace, namespace-scoped: `admin` (AmazonEKSAdminPolicy:
   * also Roles and RoleBindings of the namespace), `edit` (AmazonEKSEditPolicy) or `view`.
   */
  readonly access: 'admin' | 'edit' | 'view';
}

/** A team's share of the platform's services. */
export interface TeamServicesConfig {
  /** Registered models (`serving.models` names) whose model package group `<env>-<model>` the team registers versions in. */
  readonly models: readonly string[];
  /** Submit job runs to the environment's EMR Serverless Spark application (as its job role). */
  readonly sparkJobs: boolean;
  /**
   * Topics (`features.topics` names) the team writes and reads (consumer groups `<team>-*`).
   * Declaring any makes the team's stack deploy after the Streaming stack.
   */
  readonly topics: { readonly produce: readonly string[]; readonly consume: readonly string[] };
  /**
   * The team's ECR repositories `<env>/teams/<team>/<name>` (scan on push, immutable tags, the
   * serving key): names are lower-case path segments, e.g. `training`, `serving/scorer`.
   */
  readonly repositories: readonly string[];
}

/**
 * Who may use the cluster, in ONE place (`mlp preflight` checks that these roles exist: an access
 * entry's principal must exist when it is created). People come in through IAM Identity Center
 * permission sets; list each permission set's role here.
 */
export interface ClusterAccessConfig {
  /** Platform admins: cluster-admin (AmazonEKSClusterAdminPolicy, cluster scope). */
  readonly admins: readonly string[];
  /** Everyone else: edit or view on named team namespaces. */
  readonly namespaces: readonly NamespaceAccess[];
  /**
   * The Session Manager host through which operators reach the private API endpoint (port
   * forwarding; see docs/compute.md, "kubectl access").
   */
  readonly sessionHost: { readonly instanceType: string };
}

export interface ClusterConfig {
  /** Kubernetes version, `major.minor`: THE upgrade field; the kubectl layer and add-on versions follow it (constructs/compute/versions.ts KUBERNETES_RELEASES). */
  readonly kubernetesVersion: string;
  /** 'private' (VPC only; every environment, reached through the Session Manager host) or 'publicAndPrivate' (dev only, CIDR-restricted). */
  readonly endpointAccess: 'private' | 'publicAndPrivate';
  /** CIDRs allowed to the public endpoint; empty unless endpointAccess is 'publicAndPrivate'. */
  readonly publicAccessCidrs: readonly string[];
  /** Who may use the cluster: access entries and the Session Manager host. */
  readonly access: ClusterAccessConfig;
  /**
   * Public CIDRs team pods (and model servers) may reach on HTTPS besides the VPC, whose CIDR
   * holds the interface endpoints: what must leave through the NAT gateway. With
   * `network.interfaceEndpoints` (staging, prod) every AWS API the pods call has an endpoint in
   * the VPC (S3 included, over PrivateLink; test/network/pod-endpoints.test.ts holds the pods'
   * IAM services to the endpoint list), so this is empty, or a few narrow (/16 or narrower)
   * non-AWS destinations. Without interface endpoints (dev) every AWS API leaves through NAT and
   * the list must not be empty: `0.0.0.0/0` (a NetworkPolicy names only CIDRs, and the region's
   * AWS ranges cannot be read at an offline synth). Private, shared and link-local ranges are
   * always excepted: pods cannot reach other VPCs or on-premises networks on 443.
   */
  readonly podHttpsEgressCidrs: readonly string[];
  /** Explicit opt-in for Spot capacity in training node pools. */
  readonly allowSpotTraining: boolean;
  /** Managed node groups: only the system group (add-ons and Karpenter); workload nodes come from Karpenter. */
  readonly nodeGroups: readonly NodeGroupConfig[];
  /** Karpenter: the AMI release of its nodes and the NodePools of workload nodes. */
  readonly karpenter: KarpenterConfig;
  /**
   * Multi-node EFA training (p5/p4d): its NodePool's nodes in one zone with a cluster placement
   * group and capacity reservations, the EFA device plugin, and FSx for Lustre linked to the lake.
   * @default - no EFA training
   */
  readonly efaTraining?: EfaTrainingConfig;
  /**
   * Images of the platform's runtimes and templates, in the platform's ECR (mirrored from their
   * projects, scanned there): distributed PyTorch (with aws-ofi-nccl for EFA), Ray, vLLM, AWS CLI.
   */
  readonly images: { readonly training: string; readonly ray: string; readonly vllm: string; readonly awsCli: string };
  /** Teams of this environment, each with a namespace, quota and lake access. */
  readonly teams: readonly TeamConfig[];
  /**
   * Who applies the charts both sides can build (lib/compute/manifest-owners.ts GITOPS_CHARTS):
   * 'cdk' (the stacks, through the kubectl provider) or 'gitops' (Argo CD or Flux syncing
   * dist/k8s/<env>/, which then holds them; the stacks leave them out). Never both.
   * @default 'cdk'
   */
  readonly manifestOwner?: ManifestOwner;
  /** Per-chart owners, over `manifestOwner`. @default - `manifestOwner` for every chart */
  readonly manifestOwners?: Readonly<Partial<Record<GitOpsChart, ManifestOwner>>>;
}

/** One Karpenter NodePool of workload nodes. */
export interface NodePoolConfig {
  /** Name (a DNS label): the `platform/node-group` label of its nodes. */
  readonly name: string;
  /** 'general' (CPU), 'inference' or 'training' (GPU): the `platform/workload` label. */
  readonly workload: NodePoolWorkload;
  readonly gpu: boolean;
  /** Instance families Karpenter chooses sizes from (mixing sizes is fine: it packs pending pods). */
  readonly instanceFamilies?: readonly string[];
  /** Exact instance types (e.g. p5.48xlarge for EFA training). */
  readonly instanceTypes?: readonly string[];
  /** on-demand, spot (where allowed), reserved (capacity reservations of efaTraining). */
  readonly capacityTypes: readonly KarpenterCapacityType[];
  /** Most capacity of the pool: CPU cores, memory GiB, GPUs. */
  readonly limits: { readonly cpu: number; readonly memoryGiB: number; readonly gpus?: number };
  /** Root volume in GiB. */
  readonly diskSizeGiB: number;
}

export interface KarpenterConfig {
  /** EKS optimized AL2023 release of the nodes, pinned (`al2023@v<yyyymmdd>`); Karpenter picks the NVIDIA variant for GPUs. */
  readonly amiAlias: string;
  readonly nodePools: readonly NodePoolConfig[];
}

export interface EfaTrainingConfig {
  /** The NodePool of EFA training nodes (its instance types must support EFA). */
  readonly nodePool: string;
  /** The one AZ of the training nodes, their placement group and the file system. */
  readonly zone: string;
  /** EFA interfaces each training pod requests (p5.48xlarge: 32, p4d.24xlarge: 4). */
  readonly efaInterfacesPerNode: number;
  /**
   * On-demand capacity reservations or Capacity Blocks for ML (`cr-…`) the nodes launch into first.
   * Account-specific: the committed ids are placeholders, like the accounts.
   */
  readonly capacityReservationIds: readonly string[];
  /** FSx for Lustre (PERSISTENT_2): GiB (1200, 2400 or a multiple of 2400) and MB/s per TiB. */
  readonly storage: { readonly storageCapacityGiB: number; readonly throughputPerTiB: number };
}

/** A role of an account's baseline (created outside this repository; `mlp preflight` checks it exists). */
const role = (env: EnvironmentName, name: string): string => `arn:aws:iam::${ACCOUNTS[env].account}:role/${name}`;

/**
 * The baseline's roles: platform admins (cluster-admin), each team's developers (edit on their
 * namespace) and read-only viewers (view on every team namespace).
 */
const access = (env: EnvironmentName, teams: readonly string[]): ClusterAccessConfig => ({
  admins: [role(env, 'MlPlatformAdmin')],
  // Each team's developers come with the team (TeamConfig.members); the viewers see every team.
  namespaces: [{ roleArn: role(env, 'MlPlatformViewer'), access: 'view', namespaces: [...teams] }],
  sessionHost: { instanceType: 'm7g.medium' },
});

/** A team's developers: its permission set's role, edit on its namespace (view in prod: changes come through deploys). */
const developers = (env: EnvironmentName, team: string): TeamMemberGroup => ({
  name: 'developers',
  roleArn: role(env, `MlPlatformDeveloper-${team}`),
  access: env === 'prod' ? 'view' : 'edit',
});

/** A team's services: the model it owns, Spark jobs, a training image repository, no topics. */
const services = (model: string): TeamServicesConfig => ({
  models: [model],
  sparkJobs: true,
  topics: { produce: [], consume: [] },
  repositories: ['training'],
});

/**
 * A team with the lake convention: prefixes are `<zone>/<key prefix>`; a team reads the curated
 * data it names and writes only under `teams/<name>/` of the features and models zones.
 */
const team = (
  env: EnvironmentName,
  name: string,
  quota: TeamConfig['quota'],
  readPrefixes: readonly string[],
  queue: TeamConfig['queue'] = { gpus: {}, borrowGpus: {} },
): TeamConfig => ({
  name,
  quota,
  queue,
  lake: { readPrefixes, writePrefixes: [`features/teams/${name}/`, `models/teams/${name}/`] },
  members: [developers(env, name)],
  services: services(name),
});

/** A NodePool: `pool(name, workload, families or types, capacity types, limits, disk GiB)`. */
const pool = (
  name: string,
  workload: NodePoolWorkload,
  instances: { readonly families?: readonly string[]; readonly types?: readonly string[] },
  capacityTypes: readonly KarpenterCapacityType[],
  limits: NodePoolConfig['limits'],
  diskSizeGiB: number,
): NodePoolConfig => ({
  name,
  workload,
  gpu: workload !== 'general',
  instanceFamilies: instances.families,
  instanceTypes: instances.types,
  capacityTypes,
  limits,
  diskSizeGiB,
});

/** The platform's mirrors in an environment's ECR. */
const images = (env: EnvironmentName): ClusterConfig['images'] => {
  const registry = `${ACCOUNTS[env].account}.dkr.ecr.${ACCOUNTS[env].region}.amazonaws.com/mlp`;
  return {
    training: `${registry}/pytorch-training:2.8.0-cuda12.8-efa`,
    ray: `${registry}/ray:2.49.2-py311-gpu`,
    vllm: `${registry}/vllm-openai:v0.11.0`,
    awsCli: `${registry}/aws-cli:2.27.0`,
  };
};

/** The EKS optimized AL2023 release Karpenter's nodes run (confirm with the SSM parameter before a deploy). */
const AMI = 'al2023@v20251120';

/** A node group: `nodes(name, gpu, workload, instance types, capacity, [min, desired, max], disk GiB)`. */
const nodes = (
  name: string,
  gpu: boolean,
  workload: NodeGroupConfig['workload'],
  instanceTypes: readonly string[],
  capacityType: CapacityTypeConfig,
  [minSize, desiredSize, maxSize]: readonly [number, number, number],
  diskSizeGiB: number,
): NodeGroupConfig => ({ name, gpu, workload, instanceTypes, capacityType, minSize, desiredSize, maxSize, diskSizeGiB });

/** The EKS cluster of each environment: endpoint, node groups and teams. */
export const CLUSTER: Readonly<Record<EnvironmentName, ClusterConfig>> = {
  dev: {
    kubernetesVersion: '1.35',
    // Private like staging and prod: operators come in through the Session Manager host.
    endpointAccess: 'private',
    publicAccessCidrs: [],
    access: access('dev', ['credit-risk', 'fraud']),
    // Dev has no interface endpoints (its idle budget): its pods reach AWS APIs through the NAT gateway.
    podHttpsEgressCidrs: ['0.0.0.0/0'],
    images: images('dev'),
    allowSpotTraining: true,
    // Two small nodes (one per AZ) for the add-ons and Karpenter: dev's idle budget is $500 a month.
    nodeGroups: [nodes('system', false, 'system', ['m7i.large'], 'ON_DEMAND', [2, 2, 6], 50)],
    karpenter: {
      amiAlias: AMI,
      nodePools: [
        pool('cpu', 'general', { families: ['m7i', 'c7i', 'r7i'] }, ['spot', 'on-demand'], { cpu: 64, memoryGiB: 256 }, 50),
        // One pool of several sizes and families: Karpenter picks what fits (Cluster Autoscaler could not).
        pool('gpu-training', 'training', { families: ['g6', 'g5'] }, ['spot', 'on-demand'], { cpu: 64, memoryGiB: 256, gpus: 4 }, 200),
      ],
    },
    teams: [
      team('dev', 'credit-risk', { cpu: 32, memoryGiB: 128, gpus: 4 }, ['curated/credit/'], {
        gpus: { 'gpu-training': 2 },
        borrowGpus: { 'gpu-training': 2 },
      }),
      team('dev', 'fraud', { cpu: 32, memoryGiB: 128, gpus: 4 }, ['curated/transactions/'], {
        gpus: { 'gpu-training': 2 },
        borrowGpus: { 'gpu-training': 2 },
      }),
    ],
  },
  staging: {
    kubernetesVersion: '1.35',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    access: access('staging', ['credit-risk', 'fraud']),
    // Every AWS API the pods call has an interface endpoint in the VPC: HTTPS to the VPC CIDR only.
    podHttpsEgressCidrs: [],
    images: images('staging'),
    allowSpotTraining: false,
    nodeGroups: [nodes('system', false, 'system', ['m7i.xlarge'], 'ON_DEMAND', [3, 3, 6], 50)],
    karpenter: {
      amiAlias: AMI,
      nodePools: [
        pool('cpu', 'general', { families: ['m7i', 'c7i', 'r7i'] }, ['spot', 'on-demand'], { cpu: 128, memoryGiB: 512 }, 50),
        pool('gpu-training', 'training', { families: ['g6e'] }, ['on-demand'], { cpu: 192, memoryGiB: 1536, gpus: 16 }, 500),
        pool('gpu-inference', 'inference', { families: ['g6', 'g5'] }, ['spot', 'on-demand'], { cpu: 64, memoryGiB: 256, gpus: 4 }, 200),
      ],
    },
    teams: [
      team('staging', 'credit-risk', { cpu: 64, memoryGiB: 256, gpus: 12 }, ['curated/credit/'], {
        gpus: { 'gpu-training': 8 },
        borrowGpus: { 'gpu-training': 4 },
      }),
      team('staging', 'fraud', { cpu: 64, memoryGiB: 256, gpus: 8 }, ['curated/transactions/'], {
        gpus: { 'gpu-training': 4 },
        borrowGpus: { 'gpu-training': 2 },
      }),
    ],
  },
  prod: {
    kubernetesVersion: '1.35',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    // In prod developers read (their TeamConfig.members access is 'view'); changes come through the platform's deploys.
    access: access('prod', ['credit-risk', 'fraud']),
    // Every AWS API the pods call has an interface endpoint in the VPC: HTTPS to the VPC CIDR only.
    podHttpsEgressCidrs: [],
    images: images('prod'),
    allowSpotTraining: false,
    nodeGroups: [nodes('system', false, 'system', ['m7i.2xlarge'], 'ON_DEMAND', [3, 3, 9], 100)],
    karpenter: {
      amiAlias: AMI,
      nodePools: [
        pool('cpu', 'general', { families: ['m7i', 'c7i', 'r7i'] }, ['on-demand'], { cpu: 512, memoryGiB: 2048 }, 100),
        // EFA training: p5.48xlarge (8 H100, 32 EFA) in one zone, reserved capacity first.
        pool(
          'gpu-training',
          'training',
          { types: ['p5.48xlarge'] },
          ['reserved', 'on-demand'],
          { cpu: 768, memoryGiB: 8192, gpus: 32 },
          1000,
        ),
        // Room for every GPU server at its most replicas, in the zones left after losing one.
        pool('gpu-inference', 'inference', { families: ['g6', 'g6e'] }, ['on-demand'], { cpu: 256, memoryGiB: 1024, gpus: 16 }, 200),
      ],
    },
    efaTraining: {
      nodePool: 'gpu-training',
      zone: `${ACCOUNTS.prod.region}a`,
      efaInterfacesPerNode: 32,
      // Placeholder: the capacity reservation or Capacity Block bought for the p5 nodes.
      capacityReservationIds: ['cr-0123456789abcdef0'],
      storage: { storageCapacityGiB: 2400, throughputPerTiB: 500 },
    },
    teams: [
      // Quotas hold a 2-node x 8-GPU job on p5.48xlarge (2 x 176 CPU, 2 x 1800 GiB) and borrowing.
      team('prod', 'credit-risk', { cpu: 640, memoryGiB: 6144, gpus: 32 }, ['curated/credit/'], {
        gpus: { 'gpu-training': 16 },
        borrowGpus: { 'gpu-training': 8 },
      }),
      team('prod', 'fraud', { cpu: 448, memoryGiB: 4096, gpus: 20 }, ['curated/transactions/'], {
        gpus: { 'gpu-training': 8 },
        borrowGpus: { 'gpu-training': 8 },
      }),
    ],
  },
};
