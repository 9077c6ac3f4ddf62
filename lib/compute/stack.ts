import { Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { App as Cdk8sApp } from 'cdk8s';
import type { Construct } from 'constructs';
import { ClusterAccessHost, MlCluster, type MlNodeGroupOptions, type PlatformKeys } from '../../constructs';
import { TrainingRuntimesChart } from '../../k8s/charts/training-runtimes';
import type { EnvironmentConfig } from '../config';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface ComputeStackProps extends PlatformStackProps {
  /** The environment's VPC (Network stack). */
  readonly vpc: ec2.IVpc;
  /** The environment's keys (Security stack): compute (secrets, node volumes), logs. */
  readonly keys: PlatformKeys;
}

/** What a Team stack imports of the cluster (values are tokens of the Compute stack). */
export interface TeamClusterAttributes {
  readonly clusterName: string;
  readonly clusterSecurityGroupId: string;
  /** Service token of the cluster's kubectl provider (aws-eks-v2), through which team manifests apply. */
  readonly kubectlServiceToken: string;
  /** The kubectl provider's role (has a cluster access entry). */
  readonly kubectlRoleArn?: string;
}

/** Name of an environment's EKS cluster. */
export function clusterName(config: EnvironmentConfig): string {
  return `${config.name}-ml-platform`;
}

/**
 * The EKS cluster of one environment (MlCluster: private endpoint in prod, encrypted secrets,
 * CPU and GPU node groups, pinned add-ons) and the distributed PyTorch training runtime. It grows
 * with node groups, not with teams: each team's tenancy, identity and model servers live in that
 * team's stack (TeamStack), applied through this cluster's kubectl provider.
 */
export class ComputeStack extends PlatformStack {
  readonly mlCluster: MlCluster;
  readonly accessHost: ClusterAccessHost;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config, keys } = props;
    const k = config.cluster;

    const nodeGroups: Record<string, MlNodeGroupOptions> = {};
    for (const g of k.nodeGroups) {
      nodeGroups[g.name] = {
        gpu: g.gpu,
        workload: g.workload,
        instanceTypes: g.instanceTypes,
        capacityType: g.capacityType,
        allowSpotTraining: k.allowSpotTraining,
        minSize: g.minSize,
        desiredSize: g.desiredSize,
        maxSize: g.maxSize,
        diskSize: Size.gibibytes(g.diskSizeGiB),
        volumeEncryptionKey: keys.compute,
      };
    }

    // The compute key encrypts the node volumes that EC2 Auto Scaling launches.
    MlCluster.allowNodeVolumeEncryption(keys.compute);

    this.mlCluster = new MlCluster(this, 'Cluster', {
      clusterName: clusterName(config),
      vpc: props.vpc,
      kubernetesVersion: k.kubernetesVersion,
      publicAccessCidrs: k.endpointAccess === 'publicAndPrivate' ? k.publicAccessCidrs : [],
      secretsEncryptionKey: keys.compute,
      adminRoleArns: k.access.admins,
      namespaceAccess: k.access.namespaces,
      logEncryptionKey: keys.logs,
      logRetention: config.logging.retentionDays as logs.RetentionDays,
      removalPolicy: this.statefulRemovalPolicy,
      nodeGroups,
    });
    const cluster = this.mlCluster.cluster;

    // The audited way in to the private API endpoint (Session Manager port forwarding).
    this.accessHost = new ClusterAccessHost(this, 'AccessHost', {
      cluster,
      vpc: props.vpc,
      instanceType: new ec2.InstanceType(k.access.sessionHost.instanceType),
      volumeEncryptionKey: keys.compute,
      logEncryptionKey: keys.logs,
      logRetention: config.logging.retentionDays as logs.RetentionDays,
      removalPolicy: this.statefulRemovalPolicy,
    });

    // The same chart `npm run synth:k8s` writes to dist/k8s/<env>/platform (addPlatformCharts).
    const runtimesChart = new TrainingRuntimesChart(new Cdk8sApp(), 'training-runtimes', { environment: config.name });
    const runtimes = cluster.addCdk8sChart('TrainingRuntimes', runtimesChart);
    runtimes.node.addDependency(this.mlCluster.helmAddOns.charts.kubeflowTrainer!);
  }

  /**
   * What a Team stack needs to import this cluster (`eks.Cluster.fromClusterAttributes`): its name,
   * security group and kubectl provider, as weak cross-stack references.
   */
  get clusterAttributes(): TeamClusterAttributes {
    const cluster = this.mlCluster.cluster;
    const provider = cluster.kubectlProvider;
    if (!provider)
      throw new Error(`ComputeStack ${this.stackName}: the cluster has no kubectl provider; team stacks apply their manifests through it`);
    return {
      clusterName: cluster.clusterName,
      clusterSecurityGroupId: cluster.clusterSecurityGroupId,
      kubectlServiceToken: provider.serviceToken,
      kubectlRoleArn: provider.role?.roleArn,
    };
  }
}
