import type { NodeCapacityType } from '../../constructs/compute';
import { ACCOUNTS } from '../config/accounts';
import type { EnvironmentName } from '../config/types';

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

/** Admin role of an account (created by the account baseline, outside this repository). */
const adminRole = (env: EnvironmentName): string => `arn:aws:iam::${ACCOUNTS[env].account}:role/MlPlatformAdmin`;

/**
 * A team with the lake convention: prefixes are `<zone>/<key prefix>`; a team reads the curated
 * data it names and writes only under `teams/<name>/` of the features and models zones.
 */
const team = (name: string, quota: TeamConfig['quota'], readPrefixes: readonly string[]): TeamConfig => ({
  name,
  quota,
  lake: { readPrefixes, writePrefixes: [`features/teams/${name}/`, `models/teams/${name}/`] },
});

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
    kubernetesVersion: '1.34',
    // Developers reach the API from the office egress range; nodes use the private endpoint.
    endpointAccess: 'publicAndPrivate',
    publicAccessCidrs: ['203.0.113.0/24'],
    adminRoleArns: [adminRole('dev')],
    allowSpotTraining: true,
    nodeGroups: [
      // Two small nodes (one per AZ) for the add-ons and light team pods: dev's idle budget is $500 a month.
      nodes('system', false, 'system', ['m7i.large'], 'ON_DEMAND', [2, 2, 6], 50),
      nodes('gpu-g6', true, 'training', ['g6.2xlarge', 'g6.4xlarge', 'g5.2xlarge'], 'SPOT', [0, 0, 4], 200),
    ],
    teams: [
      team('credit-risk', { cpu: 32, memoryGiB: 128, gpus: 2 }, ['curated/credit/']),
      team('fraud', { cpu: 32, memoryGiB: 128, gpus: 2 }, ['curated/transactions/']),
    ],
  },
  staging: {
    kubernetesVersion: '1.34',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    adminRoleArns: [adminRole('staging')],
    allowSpotTraining: false,
    nodeGroups: [
      nodes('system', false, 'system', ['m7i.xlarge'], 'ON_DEMAND', [3, 3, 6], 50),
      nodes('gpu-g6e', true, 'training', ['g6e.12xlarge'], 'ON_DEMAND', [0, 0, 4], 500),
      nodes('gpu-inference', true, 'inference', ['g6.2xlarge', 'g5.2xlarge'], 'SPOT', [0, 0, 4], 200),
    ],
    teams: [
      team('credit-risk', { cpu: 64, memoryGiB: 256, gpus: 8 }, ['curated/credit/']),
      team('fraud', { cpu: 64, memoryGiB: 256, gpus: 4 }, ['curated/transactions/']),
    ],
  },
  prod: {
    kubernetesVersion: '1.34',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    adminRoleArns: [adminRole('prod')],
    allowSpotTraining: false,
    nodeGroups: [
      nodes('system', false, 'system', ['m7i.2xlarge'], 'ON_DEMAND', [3, 3, 9], 100),
      nodes('gpu-p5', true, 'training', ['p5.48xlarge'], 'ON_DEMAND', [0, 0, 4], 1000),
      nodes('gpu-inference', true, 'inference', ['g6.4xlarge', 'g6e.4xlarge'], 'ON_DEMAND', [2, 2, 8], 200),
    ],
    teams: [
      team('credit-risk', { cpu: 256, memoryGiB: 2048, gpus: 32 }, ['curated/credit/']),
      team('fraud', { cpu: 128, memoryGiB: 1024, gpus: 16 }, ['curated/transactions/']),
    ],
  },
};
