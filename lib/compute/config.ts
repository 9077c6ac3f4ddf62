import type { NamespaceAccess, NodeCapacityType } from '../../constructs/compute';
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
   * Public CIDRs team pods may reach on HTTPS besides the VPC (whose CIDR holds the interface
   * endpoints): what must leave through the NAT gateway or the S3 gateway endpoint (S3, and AWS
   * APIs without an interface endpoint, e.g. Glue, Athena, EMR Serverless). Private, shared and
   * link-local ranges are always excepted: pods cannot reach other VPCs or on-premises networks
   * on 443. `0.0.0.0/0` keeps every public AWS API reachable; narrow it to the region's AWS ranges
   * (https://ip-ranges.amazonaws.com/ip-ranges.json, service AMAZON, the region) when those are
   * pinned, since a missing range breaks calls only at run time.
   */
  readonly podHttpsEgressCidrs: readonly string[];
  /** Explicit opt-in for Spot capacity in training node groups. */
  readonly allowSpotTraining: boolean;
  readonly nodeGroups: readonly NodeGroupConfig[];
  /** Teams of this environment, each with a namespace, quota and lake access. */
  readonly teams: readonly TeamConfig[];
}

/** A role of an account's baseline (created outside this repository; `mlp preflight` checks it exists). */
const role = (env: EnvironmentName, name: string): string => `arn:aws:iam::${ACCOUNTS[env].account}:role/${name}`;

/**
 * The baseline's roles: platform admins (cluster-admin), each team's developers (edit on their
 * namespace) and read-only viewers (view on every team namespace).
 */
const access = (env: EnvironmentName, teams: readonly string[], developersEdit: boolean): ClusterAccessConfig => ({
  admins: [role(env, 'MlPlatformAdmin')],
  namespaces: [
    ...teams.map(
      (t): NamespaceAccess => ({
        roleArn: role(env, `MlPlatformDeveloper-${t}`),
        access: developersEdit ? 'edit' : 'view',
        namespaces: [t],
      }),
    ),
    { roleArn: role(env, 'MlPlatformViewer'), access: 'view', namespaces: [...teams] },
  ],
  sessionHost: { instanceType: 'm7g.medium' },
});

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
    kubernetesVersion: '1.35',
    // Private like staging and prod: operators come in through the Session Manager host.
    endpointAccess: 'private',
    publicAccessCidrs: [],
    access: access('dev', ['credit-risk', 'fraud'], true),
    podHttpsEgressCidrs: ['0.0.0.0/0'],
    allowSpotTraining: true,
    nodeGroups: [
      nodes('system', false, 'system', ['m7i.xlarge'], 'ON_DEMAND', [2, 2, 4], 50),
      nodes('gpu-g6', true, 'training', ['g6.2xlarge', 'g6.4xlarge', 'g5.2xlarge'], 'SPOT', [0, 0, 4], 200),
    ],
    teams: [
      team('credit-risk', { cpu: 32, memoryGiB: 128, gpus: 2 }, ['curated/credit/']),
      team('fraud', { cpu: 32, memoryGiB: 128, gpus: 2 }, ['curated/transactions/']),
    ],
  },
  staging: {
    kubernetesVersion: '1.35',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    access: access('staging', ['credit-risk', 'fraud'], true),
    podHttpsEgressCidrs: ['0.0.0.0/0'],
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
    kubernetesVersion: '1.35',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    // In prod developers read; changes come through the platform's deploys.
    access: access('prod', ['credit-risk', 'fraud'], false),
    podHttpsEgressCidrs: ['0.0.0.0/0'],
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
