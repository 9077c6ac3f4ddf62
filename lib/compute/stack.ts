import { Size } from 'aws-cdk-lib';
import * as aps from 'aws-cdk-lib/aws-aps';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { App as Cdk8sApp } from 'cdk8s';
import { Construct } from 'constructs';
import {
  allowKarpenterNodeVolumeEncryption,
  ClusterAccessHost,
  ClusterMetrics,
  CONTAINER_INSIGHTS_ADDON_VERSIONS,
  MlCluster,
  type MlNodeGroupOptions,
  type PlatformKeys,
  scrapeConfiguration,
  TrainingAddOns,
  TrainingFileSystem,
} from '../../constructs';
import { KueueQueuesChart } from '../../k8s/charts/kueue-queues';
import { TrainingRuntimesChart } from '../../k8s/charts/training-runtimes';
import type { EnvironmentConfig } from '../config';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { namespaceAccessOf } from './access';
import { addKarpenterChart, kueueQueuesProps, trainingRuntimesProps } from './charts';
import type { EfaTrainingConfig } from './config';
import { manifestOwner } from './gitops';

export interface ComputeStackProps extends PlatformStackProps {
  /** The environment's VPC (Network stack). */
  readonly vpc: ec2.IVpc;
  /** The environment's keys (Security stack): compute (secrets, node volumes), logs. */
  readonly keys: PlatformKeys;
  /**
   * The lake's models bucket (Data stack): EFA training file systems import and export the teams'
   * checkpoints under it.
   * @default - EFA environments cannot link training storage (synth fails with the reason)
   */
  readonly modelsBucket?: s3.IBucket;
  /**
   * The lake's features bucket (Data stack): EFA training file systems import the teams' features from it.
   * @default - EFA environments cannot link training storage (synth fails with the reason)
   */
  readonly featuresBucket?: s3.IBucket;
  /**
   * The Metrics stack's Prometheus workspace: KEDA's operator may query this workspace only.
   * @default - no workspace (observability.prometheus off): KEDA may query any workspace of the account
   */
  readonly prometheusWorkspaceArn?: string;
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
  readonly trainingAddOns: TrainingAddOns;
  /** The AMP managed collector of the cluster (where the Metrics stack's workspace exists). */
  readonly prometheusScraper?: aps.CfnScraper;
  /** Container Insights and the Prometheus exporters (per `observability` config). */
  readonly clusterMetrics: ClusterMetrics;
  /** Per team with GPUs in the EFA pool (prod): its FSx for Lustre file system; its Team stack mounts it. */
  readonly trainingFileSystems: Record<string, TrainingFileSystem> = {};

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

    // The compute key encrypts the node volumes that EC2 Auto Scaling (system group) and EC2
    // Fleet/Spot (Karpenter's nodes) launch.
    MlCluster.allowNodeVolumeEncryption(keys.compute);
    allowKarpenterNodeVolumeEncryption(keys.compute);

    this.mlCluster = new MlCluster(this, 'Cluster', {
      clusterName: clusterName(config),
      vpc: props.vpc,
      kubernetesVersion: k.kubernetesVersion,
      publicAccessCidrs: k.endpointAccess === 'publicAndPrivate' ? k.publicAccessCidrs : [],
      secretsEncryptionKey: keys.compute,
      adminRoleArns: k.access.admins,
      namespaceAccess: namespaceAccessOf(config),
      logEncryptionKey: keys.logs,
      logRetention: config.logging.retentionDays as logs.RetentionDays,
      removalPolicy: this.statefulRemovalPolicy,
      nodeGroups,
      karpenter: { volumeEncryptionKey: keys.compute },
    });
    const cluster = this.mlCluster.cluster;
    const karpenter = this.mlCluster.karpenter;
    const efa = k.efaTraining;

    // EFA training nodes launch into one cluster placement group (lowest latency between them).
    const placementGroup = efa ? new ec2.CfnPlacementGroup(this, 'TrainingPlacementGroup', { strategy: 'cluster' }) : undefined;

    // Karpenter's EC2NodeClasses and NodePools name this environment's subnets, key and profile.
    const subnetIdsByZone = Object.fromEntries(
      props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets.map((sn) => [sn.availabilityZone, sn.subnetId]),
    );
    const nodePools = cluster.addCdk8sChart(
      'KarpenterNodePools',
      addKarpenterChart(new Cdk8sApp(), config, {
        subnetIdsByZone,
        securityGroupId: cluster.clusterSecurityGroupId,
        volumeKmsKeyId: keys.compute.keyArn,
        instanceProfile: karpenter.instanceProfileName,
        placementGroupName: placementGroup?.ref,
      }),
    );
    nodePools.node.addDependency(karpenter.chart);

    // Kueue and KEDA everywhere; the EFA device plugin and the FSx CSI driver where EFA training runs.
    this.trainingAddOns = new TrainingAddOns(this, 'TrainingAddOns', {
      cluster,
      install: { efaDevicePlugin: efa !== undefined, fsxCsiDriver: efa !== undefined },
      after: [karpenter.chart],
      prometheusWorkspaceArn: props.prometheusWorkspaceArn,
    });

    // Metrics of the cluster: Container Insights (add-on) and, with Prometheus, the DCGM exporter,
    // kube-state-metrics and the managed collector's RBAC.
    const o = config.observability;
    this.clusterMetrics = new ClusterMetrics(this, 'ClusterMetrics', {
      cluster,
      environment: config.name,
      containerInsightsVersion: o.containerInsights ? CONTAINER_INSIGHTS_ADDON_VERSIONS[k.kubernetesVersion] : undefined,
      prometheusExporters: o.prometheus.enabled,
      after: [karpenter.chart],
    });
    // The AMP managed collector: it needs only the cluster (not its nodes or add-ons), so it is
    // created beside them, off the stack's critical path (a stack of its own after Compute would
    // add its several-minute create to the cold deploy). It creates its own EKS access entry
    // (user aps-collector-user), which the exporters chart's RBAC authorizes; its network
    // interfaces use the cluster security group, which the nodes admit on every port.
    if (props.prometheusWorkspaceArn) {
      this.prometheusScraper = new aps.CfnScraper(this, 'PrometheusScraper', {
        alias: `${config.name}-eks`,
        source: {
          eksConfiguration: {
            clusterArn: cluster.clusterArn,
            subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
            securityGroupIds: [cluster.clusterSecurityGroupId],
          },
        },
        destination: { ampConfiguration: { workspaceArn: props.prometheusWorkspaceArn } },
        scrapeConfiguration: { configurationBlob: scrapeConfiguration() },
      });
    }

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

    // The same chart `npm run synth:k8s` writes to dist/k8s/<env>/ when GitOps owns it (lib/compute/gitops.ts).
    // Unless GitOps owns it (cluster.manifestOwner(s); then dist/k8s/<env>/ holds it and this stack does not apply it).
    if (manifestOwner(config, 'training-runtimes') === 'cdk') {
      const runtimesChart = new TrainingRuntimesChart(new Cdk8sApp(), 'training-runtimes', trainingRuntimesProps(config));
      const runtimes = cluster.addCdk8sChart('TrainingRuntimes', runtimesChart);
      runtimes.node.addDependency(this.mlCluster.helmAddOns.charts.kubeflowTrainer!);
    }

    // The cluster's side of Kueue (flavors, cohort, priorities, a ClusterQueue per team); each Team
    // stack applies its LocalQueue after its namespace.
    if (manifestOwner(config, 'kueue-queues') === 'cdk') {
      const queues = cluster.addCdk8sChart(
        'KueueQueues',
        new KueueQueuesChart(new Cdk8sApp(), 'kueue-queues', { ...kueueQueuesProps(config), withLocalQueues: false }),
      );
      queues.node.addDependency(this.trainingAddOns.charts.kueue!);
    }

    if (efa) this.addTrainingStorage(props, efa);
  }

  /**
   * Per team with GPUs in the EFA pool: an FSx for Lustre file system in the EFA zone, linked to the
   * team's prefixes only (its features imported at /features, its checkpoints under the models
   * bucket imported and exported at /checkpoints). The team's stack adds the static
   * PersistentVolume and the claim `training-data` in its namespace that the EFA runtime mounts.
   * One file system per team: a Lustre mount exposes the whole file system, so sharing one would
   * bypass the teams' separate lake permissions.
   */
  private addTrainingStorage(props: ComputeStackProps, efa: EfaTrainingConfig): void {
    const { config, keys } = props;
    const cluster = this.mlCluster.cluster;
    const subnet = props.vpc
      .selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
      .subnets.find((sn) => sn.availabilityZone === efa.zone);
    if (!subnet) throw new Error(`ComputeStack: ${config.name}.cluster.efaTraining.zone '${efa.zone}' has no private subnet in the VPC`);
    // FSx's per-file-system roles read and write the SSE-KMS lake through S3.
    TrainingFileSystem.allowDataRepositoryAccess(keys.data);
    const { featuresBucket, modelsBucket } = props;
    if (!featuresBucket || !modelsBucket) {
      throw new Error(
        `ComputeStack: ${config.name}.cluster.efaTraining needs featuresBucket and modelsBucket (the training file systems link the teams' prefixes of them)`,
      );
    }
    const scope = new Construct(this, 'TrainingStorage');
    const clusterSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'ClusterSecurityGroup', cluster.clusterSecurityGroupId);
    for (const t of config.cluster.teams.filter((team) => (team.queue.gpus[efa.nodePool] ?? 0) > 0)) {
      this.trainingFileSystems[t.name] = new TrainingFileSystem(scope, t.name, {
        vpc: props.vpc,
        subnet,
        clientSecurityGroup: clusterSecurityGroup,
        encryptionKey: keys.compute,
        storageCapacityGiB: efa.storage.storageCapacityGiB,
        throughputPerTiB: efa.storage.throughputPerTiB,
        removalPolicy: this.statefulRemovalPolicy,
        links: [
          { fileSystemPath: '/features', s3Uri: `s3://${featuresBucket.bucketName}/teams/${t.name}/`, direction: 'import' },
          {
            fileSystemPath: '/checkpoints',
            s3Uri: `s3://${modelsBucket.bucketName}/teams/${t.name}/checkpoints/`,
            direction: 'importAndExport',
          },
        ],
      });
    }
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
