/**
 * The typed configuration of one environment. Every way in which dev, staging and prod differ is a
 * field here; stacks translate these fields into construct props. Defaults live in
 * `defaults.ts`, next to these types, once.
 */

/** The environments this platform knows. Construct ids of the stages are these names. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export interface NetworkConfig {
  /** IPv4 CIDR of the VPC, /16 to /20. Must not overlap another environment's VPC. */
  readonly vpcCidr: string;
  /** NAT gateways: 1 (cheap, single-AZ egress) up to one per AZ (resilient egress). */
  readonly natGateways: number;
  /** Netmask of the private-with-egress subnets (the bulk of addresses: EKS pods, EMR, SageMaker). */
  readonly privateSubnetMask: number;
}

export interface LoggingConfig {
  /** Retention of CloudWatch log groups, in days; must be a value CloudWatch Logs accepts. */
  readonly retentionDays: number;
}

export interface AuditConfig {
  /** Days after which audit/access-log objects move to Glacier Flexible Retrieval. */
  readonly transitionToGlacierDays: number;
  /** Days after which audit/access-log objects expire (PCI DSS 10.7 asks for at least 365). */
  readonly expirationDays: number;
}

export interface TagsConfig {
  readonly costCenter: string;
  readonly owner: string;
}

/** EC2 purchase option of a node group. */
export type CapacityTypeConfig = 'ON_DEMAND' | 'SPOT';

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
  /** Namespace quota: CPU cores, memory GiB and GPUs (`requests.nvidia.com/gpu`). */
  readonly quota: { readonly cpu: number; readonly memoryGiB: number; readonly gpus: number };
  /**
   * Lake key prefixes (in every lake bucket, ending in '/'): read-only, and read-write. Write
   * prefixes live under `teams/<name>/` (the lake's convention for team-owned data).
   */
  readonly lake: { readonly readPrefixes: readonly string[]; readonly writePrefixes: readonly string[] };
}

export interface ClusterConfig {
  /** Kubernetes version, `major.minor` (a kubectl layer for it must be installed: 1.34). */
  readonly kubernetesVersion: string;
  /** 'private' (VPC only; required in staging and prod) or 'publicAndPrivate' (dev, CIDR-restricted). */
  readonly endpointAccess: 'private' | 'publicAndPrivate';
  /** CIDRs allowed to the public endpoint; empty unless endpointAccess is 'publicAndPrivate'. */
  readonly publicAccessCidrs: readonly string[];
  /** IAM role ARNs that get cluster-admin through EKS access entries. */
  readonly adminRoleArns: readonly string[];
  /** Explicit opt-in for Spot capacity in training node groups. */
  readonly allowSpotTraining: boolean;
  readonly nodeGroups: readonly NodeGroupConfig[];
  /** Teams of this environment, each with a namespace, quota and lake access. */
  readonly teams: readonly TeamConfig[];
}

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** 12-digit AWS account id. Set in `accounts.ts`. */
  readonly account: string;
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** Explicit availability zones (no lookups at synth): dev 2, staging and prod at least 3. */
  readonly availabilityZones: readonly string[];
  /** Retain stateful resources (buckets, keys, clusters, caches, registries) on stack deletion. */
  readonly retainStatefulResources: boolean;
  /** Protect the stateful stacks against `cdk destroy`/stack deletion. */
  readonly terminationProtection: boolean;
  readonly network: NetworkConfig;
  readonly logging: LoggingConfig;
  readonly audit: AuditConfig;
  readonly tags: TagsConfig;
  /** The EKS cluster for training and Ray workloads. */
  readonly cluster: ClusterConfig;
}
