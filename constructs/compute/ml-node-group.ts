import { Size, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge, managedPolicyFinding } from '../private/acknowledge';
import { GPU_FAMILIES_UNKNOWN_TO_EKS_L2, GPU_INSTANCE_FAMILIES, GPU_TAINT, instanceFamily, isGpuInstanceType } from './gpu';

/** What a node group is for; selects labels, defaults and the Spot rules. */
export type NodeWorkload = 'system' | 'training' | 'inference';

/** EC2 purchase option of a node group. */
export type NodeCapacityType = 'ON_DEMAND' | 'SPOT';

/** Node label keys the platform sets on every node (workloads select on them). */
export const NODE_LABELS = {
  kind: 'platform/node-kind',
  workload: 'platform/workload',
  group: 'platform/node-group',
} as const;

/** Values of the `platform/node-kind` label. */
export type NodeKind = 'cpu' | 'gpu';

/** The node selector of the nodes of one kind (and, if given, one workload) that MlNodeGroup labels. */
export function nodeSelector(kind: NodeKind, workload?: NodeWorkload): Record<string, string> {
  return workload ? { [NODE_LABELS.kind]: kind, [NODE_LABELS.workload]: workload } : { [NODE_LABELS.kind]: kind };
}

export interface MlNodeGroupOptions {
  /**
   * GPU nodes (NVIDIA AMI, `nvidia.com/gpu=true:NoSchedule` taint) or CPU nodes.
   */
  readonly gpu: boolean;
  /**
   * EC2 instance types, e.g. `['g6.2xlarge', 'g5.2xlarge']`. All GPU types for a GPU group, no GPU
   * type for a CPU group. More than one type gives Spot more pools to choose from.
   */
  readonly instanceTypes: readonly string[];
  /**
   * What the group runs.
   * @default - 'training' for GPU groups, 'system' for CPU groups
   */
  readonly workload?: NodeWorkload;
  /**
   * EC2 purchase option.
   * @default 'ON_DEMAND'
   */
  readonly capacityType?: NodeCapacityType;
  /**
   * Allow Spot capacity for a training group. Interrupted Spot nodes kill distributed training
   * steps, so this must be asked for explicitly (checkpointing jobs, cheap environments).
   * @default false
   */
  readonly allowSpotTraining?: boolean;
  /** Fewest nodes (0 lets an idle GPU group scale to zero). */
  readonly minSize: number;
  /**
   * Nodes at creation. The Cluster Autoscaler moves it between min and max afterwards.
   * @default - minSize
   */
  readonly desiredSize?: number;
  /** Most nodes. */
  readonly maxSize: number;
  /**
   * Root volume size; GPU nodes pull large model and CUDA images.
   * @default - 200 GiB for GPU groups, 50 GiB for CPU groups
   */
  readonly diskSize?: Size;
  /**
   * Customer-managed key of the root volumes. Its key policy must let the EC2 Auto Scaling
   * service-linked role use it (see `MlCluster.allowNodeVolumeEncryption`).
   * @default - the account's AWS-managed EBS key (aws/ebs)
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * Extra Kubernetes labels on the nodes (the platform labels are always set).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Subnets of the nodes.
   * @default - the cluster VPC's private subnets with egress
   */
  readonly subnets?: ec2.SubnetSelection;
}

export interface MlNodeGroupProps extends MlNodeGroupOptions {
  /** The cluster the nodes join. */
  readonly cluster: eks.ICluster;
  /** Name of the group (a DNS label); becomes the `platform/node-group` label and part of the node group name. */
  readonly name: string;
}

const NAME = /^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$/;

/**
 * An EKS managed node group for ML workloads: AL2023 (NVIDIA variant for GPU groups), a launch
 * template that requires IMDSv2 (hop limit 1: pods get AWS credentials through EKS Pod Identity,
 * never from the node) and encrypts the gp3 root volume, the GPU taint and platform labels.
 *
 * @example
 * new MlNodeGroup(this, 'Gpu', {
 *   cluster, name: 'gpu-g6', gpu: true, instanceTypes: ['g6.2xlarge'],
 *   minSize: 0, maxSize: 4, capacityType: 'SPOT', allowSpotTraining: true,
 * });
 */
export class MlNodeGroup extends Construct {
  readonly nodegroup: eks.Nodegroup;
  readonly launchTemplate: ec2.LaunchTemplate;
  /** Kubernetes labels of the nodes. */
  readonly labels: Record<string, string>;
  readonly gpu: boolean;

  constructor(scope: Construct, id: string, props: MlNodeGroupProps) {
    super(scope, id);
    validateNodeGroup(props);
    const workload = props.workload ?? (props.gpu ? 'training' : 'system');
    const diskSize = props.diskSize ?? Size.gibibytes(props.gpu ? 200 : 50);
    this.gpu = props.gpu;
    const unknownToL2 = props.instanceTypes.some((t) => GPU_FAMILIES_UNKNOWN_TO_EKS_L2.includes(instanceFamily(t) ?? ''));

    this.labels = {
      ...props.labels,
      ...nodeSelector(props.gpu ? 'gpu' : 'cpu', workload),
      [NODE_LABELS.group]: props.name,
      // The NVIDIA device plugin chart schedules its daemon set on nodes with this label.
      ...(props.gpu ? { 'nvidia.com/gpu.present': 'true' } : {}),
    };

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpEndpoint: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(diskSize.toGibibytes(), {
            encrypted: true,
            kmsKey: props.volumeEncryptionKey,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    this.nodegroup = new eks.Nodegroup(this, 'Resource', {
      cluster: props.cluster,
      amiType: props.gpu
        ? unknownToL2
          ? undefined
          : eks.NodegroupAmiType.AL2023_X86_64_NVIDIA
        : eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      instanceTypes: props.instanceTypes.map((t) => new ec2.InstanceType(t)),
      capacityType: props.capacityType === 'SPOT' ? eks.CapacityType.SPOT : eks.CapacityType.ON_DEMAND,
      minSize: props.minSize,
      desiredSize: props.desiredSize ?? props.minSize,
      maxSize: props.maxSize,
      subnets: props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplateSpec: { id: this.launchTemplate.launchTemplateId!, version: this.launchTemplate.latestVersionNumber },
      labels: this.labels,
      taints: props.gpu ? [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: eks.TaintEffect.NO_SCHEDULE }] : undefined,
      enableNodeAutoRepair: true,
      maxUnavailablePercentage: 33,
      tags: { 'platform/node-group': props.name },
    });
    if (props.gpu && unknownToL2) {
      // aws-eks-v2 2.276 does not know p5/p6 as GPU types and would reject the NVIDIA AMI for them.
      (this.nodegroup.node.defaultChild as eks.CfnNodegroup).amiType = eks.NodegroupAmiType.AL2023_X86_64_NVIDIA;
    }
    for (const policy of ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy']) {
      acknowledge(
        this.nodegroup.role,
        `Managed node groups need ${policy} on the node role (join the cluster, pull images, assign pod IPs through the VPC CNI); AWS maintains these policies as the documented minimum. Pods do not inherit it: IMDSv2 with hop limit 1 keeps node credentials from pods, which use EKS Pod Identity.`,
        managedPolicyFinding(policy),
      );
    }
  }

  /** The node role (the nodes' instance profile). */
  get role(): iam.IRole {
    return this.nodegroup.role;
  }
}

/** Throws on the first invalid option, saying what was got and what is allowed. */
export function validateNodeGroup(props: MlNodeGroupProps): void {
  const where = `MlNodeGroup '${props.name}'`;
  if (!NAME.test(props.name)) {
    throw new Error(`${where}: name must be a lower-case DNS label of 1 to 30 characters (a-z, 0-9, '-'), got '${props.name}'`);
  }
  if (props.instanceTypes.length === 0) throw new Error(`${where}: instanceTypes must list at least one instance type, got none`);
  for (const type of props.instanceTypes) {
    if (Token.isUnresolved(type)) continue;
    if (instanceFamily(type) === undefined) {
      throw new Error(`${where}: instance type '${type}' is not an EC2 instance type like 'g6.2xlarge'`);
    }
    if (props.gpu && !isGpuInstanceType(type)) {
      throw new Error(
        `${where}: instance type '${type}' is not a GPU instance type; GPU groups use the families ${GPU_INSTANCE_FAMILIES.join(', ')}`,
      );
    }
    if (!props.gpu && isGpuInstanceType(type)) {
      throw new Error(`${where}: instance type '${type}' is a GPU instance type; set gpu: true or use a CPU instance type`);
    }
  }
  const unknown = props.instanceTypes.filter((t) => GPU_FAMILIES_UNKNOWN_TO_EKS_L2.includes(instanceFamily(t) ?? ''));
  if (props.gpu && unknown.length > 0 && unknown.length < props.instanceTypes.length) {
    throw new Error(
      `${where}: instance types ${unknown.join(', ')} (families ${GPU_FAMILIES_UNKNOWN_TO_EKS_L2.join(', ')}) cannot share a group with other GPU families; give them their own node group`,
    );
  }
  const desired = props.desiredSize ?? props.minSize;
  const sizes = { minSize: props.minSize, desiredSize: desired, maxSize: props.maxSize };
  for (const [field, value] of Object.entries(sizes)) {
    if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0 || value > 1000)) {
      throw new Error(`${where}: ${field} must be a whole number from 0 to 1000, got ${value}`);
    }
  }
  if (props.maxSize < 1) throw new Error(`${where}: maxSize must be at least 1, got ${props.maxSize}`);
  if (!(props.minSize <= desired && desired <= props.maxSize)) {
    throw new Error(
      `${where}: sizes must satisfy minSize <= desiredSize <= maxSize, got ${props.minSize} <= ${desired} <= ${props.maxSize}`,
    );
  }
  const workload = props.workload ?? (props.gpu ? 'training' : 'system');
  if (workload === 'system' && props.gpu) {
    throw new Error(`${where}: workload 'system' runs cluster add-ons on CPU nodes; a GPU group's workload is 'training' or 'inference'`);
  }
  if (workload === 'system' && props.capacityType === 'SPOT') {
    throw new Error(
      `${where}: capacityType 'SPOT' is not allowed for the system group (cluster add-ons must not be interrupted); use 'ON_DEMAND'`,
    );
  }
  if (workload === 'training' && props.capacityType === 'SPOT' && !props.allowSpotTraining) {
    throw new Error(
      `${where}: capacityType 'SPOT' for a training group needs allowSpotTraining: true (Spot interruptions kill distributed training steps)`,
    );
  }
  if (props.diskSize !== undefined) {
    const gib = props.diskSize.toGibibytes();
    if (!Number.isInteger(gib) || gib < 20 || gib > 16384) {
      throw new Error(`${where}: diskSize must be a whole number of GiB from 20 to 16384, got ${gib}`);
    }
  }
}
