import { Annotations, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { App as Cdk8sApp } from 'cdk8s';
import { Construct } from 'constructs';
import {
  allowKarpenterNodeVolumeEncryption,
  ClusterAccessHost,
  MlCluster,
  type MlNodeGroupOptions,
  ModelServerIdentity,
  type PlatformKeys,
  type TeamLakeAccess,
  TeamWorkloadIdentity,
  TrainingAddOns,
  TrainingFileSystem,
} from '../../constructs';
import { teamServiceAccountName } from '../../k8s/charts/team-tenancy';
import { type EnvironmentConfig, LAKE_ZONE_NAMES, type LakeZoneName, type TeamConfig } from '../config';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { addKarpenterChart, addPlatformCharts, addServingCharts, servingConfigMap, trainingDataVolume } from './charts';
import type { EfaTrainingConfig } from './config';

export interface ComputeStackProps extends PlatformStackProps {
  /** The environment's VPC (Network stack). */
  readonly vpc: ec2.IVpc;
  /** The environment's keys (Security stack): compute (secrets, node volumes), logs, data (lake). */
  readonly keys: PlatformKeys;
  /**
   * ARNs of the lake's zone buckets (the Data stack's). A team prefix `<zone>/<key prefix>` from
   * config applies to that zone's bucket.
   */
  readonly lakeBucketArns: Readonly<Record<LakeZoneName, string>>;
  /**
   * The lake's models bucket (Data stack): model servers read their model's prefix of it, and
   * learn its name from the `ml-platform-serving` ConfigMap of their namespace.
   * @default - model servers get no model access and no ConfigMap (their pods wait for it)
   */
  readonly modelsBucket?: s3.IBucket;
  /**
   * The lake's features bucket (Data stack): EFA training file systems import the teams' features from it.
   * @default - EFA environments cannot link training storage (synth fails with the reason)
   */
  readonly featuresBucket?: s3.IBucket;
  /**
   * The online feature store: model servers connect to it as its reader (IAM authentication);
   * given its `connections`, the cluster's security group is admitted on its port; given its
   * endpoint and reader user, servers find them in the `ml-platform-serving` ConfigMap.
   * @default - no feature store access
   */
  readonly featureStore?: FeatureStoreAccess;
}

/** What the Compute stack needs of the online feature store (OnlineFeatureStore satisfies it). */
export interface FeatureStoreAccess {
  /** Lets a principal connect as the store's reader or writer user (IAM authentication). */
  grantConnect(grantee: iam.IGrantable, access: 'reader' | 'writer'): iam.Grant;
  /** The store's security group(s) and port; the cluster's pods are admitted on that port. */
  readonly connections?: ec2.Connections;
  /** The store's configuration endpoint (host), for the servers' ConfigMap. */
  readonly configurationEndpoint?: string;
  /** The store's port: the servers' NetworkPolicy admits it and their ConfigMap names it. */
  readonly port?: number;
  /** User id of the store's reader (IAM authentication), for the servers' ConfigMap. */
  readonly readerUserId?: string;
}

/** Name of an environment's EKS cluster. */
export function clusterName(config: EnvironmentConfig): string {
  return `${config.name}-ml-platform`;
}

/**
 * A team's lake access per zone bucket: config prefixes are `<zone>/<key prefix>`
 * (`curated/credit/` is `credit/` in the curated bucket).
 */
export function teamLakeAccess(lake: TeamConfig['lake'], bucketArns: Readonly<Record<LakeZoneName, string>>): TeamLakeAccess[] {
  const split = (prefix: string) => {
    const [zone, ...rest] = prefix.split('/');
    return { zone: zone as LakeZoneName, key: `${rest.join('/')}` };
  };
  return LAKE_ZONE_NAMES.map((zone) => ({
    bucketArn: bucketArns[zone],
    readPrefixes: lake.readPrefixes
      .map(split)
      .filter((p) => p.zone === zone)
      .map((p) => p.key),
    writePrefixes: lake.writePrefixes
      .map(split)
      .filter((p) => p.zone === zone)
      .map((p) => p.key),
  })).filter((a) => a.readPrefixes.length + a.writePrefixes.length > 0);
}

/**
 * The EKS cluster of one environment (MlCluster: private endpoint in prod, encrypted secrets,
 * CPU and GPU node groups, pinned add-ons) and what runs on it from day one: the distributed
 * PyTorch training runtime and, per team, the tenancy chart (namespace, quota, limits, network
 * policies, service account) and the IAM role bound to that service account by EKS Pod Identity.
 */
export class ComputeStack extends PlatformStack {
  readonly mlCluster: MlCluster;
  readonly accessHost: ClusterAccessHost;
  readonly trainingAddOns: TrainingAddOns;
  readonly teamIdentities: Record<string, TeamWorkloadIdentity> = {};
  readonly modelServerIdentities: Record<string, ModelServerIdentity> = {};

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
      namespaceAccess: k.access.namespaces,
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
    });

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

    // The same charts `npm run synth:k8s` writes to dist/k8s/<env>/platform.
    const charts = addPlatformCharts(new Cdk8sApp(), config);
    const runtimes = cluster.addCdk8sChart('TrainingRuntimes', charts.runtimes);
    runtimes.node.addDependency(this.mlCluster.helmAddOns.charts.kubeflowTrainer!);

    const teams = new Construct(this, 'Teams');
    const tenancy: Record<string, Construct> = {};
    for (const t of k.teams) {
      const team = new Construct(teams, t.name);
      tenancy[t.name] = cluster.addCdk8sChart(`Tenancy-${t.name}`, charts.tenancy[t.name]);
      this.teamIdentities[t.name] = new TeamWorkloadIdentity(team, 'Identity', {
        cluster,
        namespace: t.name,
        serviceAccountName: teamServiceAccountName(t.name),
        lakeKey: keys.data,
        lake: teamLakeAccess(t.lake, props.lakeBucketArns),
      });
    }

    const queues = cluster.addCdk8sChart('KueueQueues', charts.queues);
    queues.node.addDependency(this.trainingAddOns.charts.kueue!, ...Object.values(tenancy));

    if (efa) this.addTrainingStorage(props, efa, tenancy);
    this.addModelServers(props, tenancy);
  }

  /**
   * Per team with GPUs in the EFA pool: an FSx for Lustre file system in the EFA zone, linked to the
   * team's prefixes only (its features imported at /features, its checkpoints under the models
   * bucket imported and exported at /checkpoints), and a static PersistentVolume with the claim
   * `training-data` in the team's namespace that the EFA runtime mounts. One file system per team:
   * a Lustre mount exposes the whole file system, so sharing one would bypass the teams' separate
   * lake permissions.
   */
  private addTrainingStorage(props: ComputeStackProps, efa: EfaTrainingConfig, tenancy: Record<string, Construct>): void {
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
      const fs = new TrainingFileSystem(scope, t.name, {
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
      const manifest = cluster.addManifest(`TrainingData-${t.name}`, ...trainingDataVolume(config, t.name, fs));
      manifest.node.addDependency(tenancy[t.name], this.trainingAddOns.charts.fsxCsiDriver!);
    }
  }

  /**
   * The model servers of `serving.modelServers`: per server, the chart `npm run synth:k8s` writes to
   * dist/k8s/<env>/serving (applied after its team's namespace) and the IAM role its service account
   * is bound to; per namespace with servers, the ConfigMap naming the models bucket.
   */
  private addModelServers(props: ComputeStackProps, tenancy: Record<string, Construct>): void {
    const { config, modelsBucket, featureStore } = props;
    const servers = config.serving.modelServers;
    if (servers.length === 0) return;
    const cluster = this.mlCluster.cluster;
    // The servers reach the store on the port the store itself listens on.
    const storePort = featureStore?.port ?? featureStore?.connections?.defaultPort?.toRuleJson().fromPort;
    const charts = addServingCharts(new Cdk8sApp(), config, { featureStorePort: storePort });
    const scope = new Construct(this, 'ModelServers');
    const store =
      featureStore?.configurationEndpoint !== undefined && featureStore.readerUserId !== undefined && storePort !== undefined
        ? { endpoint: featureStore.configurationEndpoint, port: storePort, user: featureStore.readerUserId }
        : undefined;
    if (modelsBucket || store) {
      // Every team namespace: RayJobs and LLM servers of any team find the models bucket there too.
      for (const namespace of [...new Set([...servers.map((s) => s.team), ...config.cluster.teams.map((t) => t.name)])]) {
        const configMap = cluster.addManifest(
          `ServingConfig-${namespace}`,
          servingConfigMap(config, namespace, { modelsBucket: modelsBucket?.bucketName, featureStore: store }),
        );
        configMap.node.addDependency(tenancy[namespace]);
      }
    }
    if (!modelsBucket) {
      Annotations.of(scope).addWarningV2(
        'ml-platform:modelServersWithoutBucket',
        'No modelsBucket given: model servers get no model access and their pods wait for the models-bucket key of the ml-platform-serving ConfigMap.',
      );
    }

    for (const s of servers) {
      const server = new Construct(scope, s.name);
      const chart = charts[s.name];
      const manifest = cluster.addCdk8sChart(`ModelServer-${s.name}`, chart);
      manifest.node.addDependency(tenancy[s.team]);
      const identity = new ModelServerIdentity(server, 'Identity', {
        cluster,
        namespace: s.team,
        serviceAccountName: chart.serviceAccount.name,
        modelsBucket,
        modelPrefix: modelsBucket ? s.modelPath : undefined,
      });
      featureStore?.grantConnect(identity, 'reader');
      this.modelServerIdentities[s.name] = identity;
    }

    // The consumer holds the wiring: the store's security group admits the cluster's pods (on
    // the cluster security group, which the nodes and their pods use) on the store's port.
    for (const [i, sg] of (featureStore?.connections?.securityGroups ?? []).entries()) {
      const port = featureStore!.connections!.defaultPort;
      if (!port) throw new Error('ComputeStack: featureStore.connections has no defaultPort; the cluster cannot be admitted to it');
      new ec2.CfnSecurityGroupIngress(scope, `FeatureStoreFromCluster${i}`, {
        groupId: sg.securityGroupId,
        sourceSecurityGroupId: cluster.clusterSecurityGroupId,
        ...port.toRuleJson(),
        description: `Model servers of ${cluster.clusterName} to the online feature store`,
      });
    }
  }
}
