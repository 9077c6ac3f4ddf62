import type { App } from 'cdk8s';
import { GpuObservabilityChart } from '../../k8s/charts/gpu-observability';
import {
  type KarpenterNodeClassOptions,
  type KarpenterNodePoolOptions,
  KarpenterNodePoolsChart,
  type KarpenterNodePoolsProps,
} from '../../k8s/charts/karpenter-node-pools';
import { KueueQueuesChart, type KueueQueuesProps } from '../../k8s/charts/kueue-queues';
import { platformLabels } from '../../k8s/charts/labels';
import { ModelServingChart, type ModelServingProps } from '../../k8s/charts/model-serving';
import { type AwsApiDestinations, TeamTenancyChart, type TeamTenancyProps } from '../../k8s/charts/team-tenancy';
import { RayClusterTemplateChart } from '../../k8s/charts/templates/ray-cluster';
import { RayJobTemplateChart } from '../../k8s/charts/templates/ray-job';
import { RayServiceTemplateChart } from '../../k8s/charts/templates/ray-service';
import { TorchTrainJobTemplateChart } from '../../k8s/charts/templates/train-job';
import { replicasForZoneLoss, VllmServerChart } from '../../k8s/charts/templates/vllm-server';
import { TrainingRuntimesChart, type TrainingRuntimesProps } from '../../k8s/charts/training-runtimes';
import type { EnvironmentConfig, ModelServerConfig } from '../config';
import type { NodePoolConfig } from './config';

/**
 * Config -> chart props, in one place: the cdk8s app (bin/k8s.ts) and the Compute and Team stacks use
 * these, so the manifests GitOps users get are the ones CDK applies.
 */
export function tenancyProps(config: EnvironmentConfig): TeamTenancyProps[] {
  const awsApis = podAwsApis(config);
  return config.cluster.teams.map((t) => ({ team: t.name, environment: config.name, quota: t.quota, awsApis }));
}

/**
 * Where team pods reach AWS APIs on 443, for every NetworkPolicy of a team namespace (tenancy,
 * model servers, LLM servers: policies add up, so each names the same destinations): the VPC CIDR
 * (the interface endpoints) and `cluster.podHttpsEgressCidrs` (what leaves through NAT).
 */
export function podAwsApis(config: EnvironmentConfig): AwsApiDestinations {
  return { vpcCidr: config.network.vpcCidr, outside: config.cluster.podHttpsEgressCidrs };
}

/** The charts the cluster runs (the Compute stack applies the runtimes and the cluster's queues, each Team stack its tenancy and local queue). */
export interface PlatformCharts {
  readonly runtimes: TrainingRuntimesChart;
  /** Kueue's flavors, cohort, priorities and each team's ClusterQueue and LocalQueue. */
  readonly queues: KueueQueuesChart;
  /** Each team's tenancy chart, by team name. */
  readonly tenancy: Readonly<Record<string, TeamTenancyChart>>;
  /**
   * The exporters' namespace and the managed collector's RBAC (the Compute stack applies it with
   * the DCGM exporter and kube-state-metrics releases); where `observability.prometheus` is enabled.
   */
  readonly gpuObservability?: GpuObservabilityChart;
}

/** Adds the cluster's charts of one environment to a cdk8s app. */
export function addPlatformCharts(app: App, config: EnvironmentConfig): PlatformCharts {
  return {
    runtimes: new TrainingRuntimesChart(app, 'training-runtimes', trainingRuntimesProps(config)),
    queues: new KueueQueuesChart(app, 'kueue-queues', kueueQueuesProps(config)),
    tenancy: Object.fromEntries(tenancyProps(config).map((props) => [props.team, new TeamTenancyChart(app, `team-${props.team}`, props)])),
    gpuObservability: config.observability.prometheus.enabled
      ? new GpuObservabilityChart(app, 'gpu-observability', { environment: config.name })
      : undefined,
  };
}

/** The distributed PyTorch runtimes: always the plain one; the EFA one where `cluster.efaTraining` is set. */
export function trainingRuntimesProps(config: EnvironmentConfig): TrainingRuntimesProps {
  const efa = config.cluster.efaTraining;
  return {
    environment: config.name,
    image: config.cluster.images.training,
    efa: efa ? { interfacesPerNode: efa.efaInterfacesPerNode, nodePool: efa.nodePool, trainingDataClaim: TRAINING_DATA_CLAIM } : undefined,
  };
}

/** The PersistentVolumeClaim of the training file system in each team namespace (EFA environments). */
export const TRAINING_DATA_CLAIM = 'training-data';

/** GPU NodePools whose nodes Kueue hands out (training pools); each a ResourceFlavor of the same name. */
export function trainingPools(config: EnvironmentConfig): NodePoolConfig[] {
  return config.cluster.karpenter.nodePools.filter((p) => p.gpu && p.workload === 'training');
}

/** Kueue's queues: a flavor per training pool, a ClusterQueue and LocalQueue per team. */
export function kueueQueuesProps(config: EnvironmentConfig): KueueQueuesProps {
  return {
    environment: config.name,
    gpuFlavors: trainingPools(config).map((p) => ({ name: p.name, nodePool: p.name })),
    teams: config.cluster.teams.map((t) => ({
      team: t.name,
      gpus: t.queue.gpus,
      borrowGpus: t.queue.borrowGpus,
      cpu: t.quota.cpu,
      memoryGiB: t.quota.memoryGiB,
    })),
  };
}

/** What only the deployed environment knows, for the EC2NodeClasses (the Compute stack passes tokens). */
export interface KarpenterResolved {
  /** Private subnet ids by AZ. */
  readonly subnetIdsByZone: Readonly<Record<string, string>>;
  /** The cluster security group. */
  readonly securityGroupId: string;
  /** Key of the node volumes. */
  readonly volumeKmsKeyId: string;
  /** The nodes' instance profile. */
  readonly instanceProfile: string;
  /** Name of the EFA training nodes' cluster placement group. */
  readonly placementGroupName?: string;
}

/**
 * The EC2NodeClasses (one per NodePool: its disk, and for the EFA pool its one zone, placement
 * group, reservations and instance-store RAID) and NodePools of an environment.
 */
export function karpenterNodePoolsProps(config: EnvironmentConfig, r: KarpenterResolved): KarpenterNodePoolsProps {
  const k = config.cluster;
  const efa = k.efaTraining;
  const nodeClasses: KarpenterNodeClassOptions[] = k.karpenter.nodePools.map((p) => {
    const isEfa = efa?.nodePool === p.name;
    const zones = isEfa ? [efa.zone] : config.availabilityZones;
    return {
      name: p.name,
      instanceProfile: r.instanceProfile,
      amiAlias: k.karpenter.amiAlias,
      subnetIds: zones.map((z) => r.subnetIdsByZone[z] ?? `missing-subnet-${z}`),
      securityGroupIds: [r.securityGroupId],
      volumeSizeGiB: p.diskSizeGiB,
      volumeKmsKeyId: r.volumeKmsKeyId,
      placementGroupName: isEfa ? r.placementGroupName : undefined,
      capacityReservationIds: isEfa && efa.capacityReservationIds.length > 0 ? efa.capacityReservationIds : undefined,
      instanceStoreRaid0: isEfa || undefined,
    };
  });
  const nodePools: KarpenterNodePoolOptions[] = k.karpenter.nodePools.map((p) => ({
    name: p.name,
    nodeClass: p.name,
    workload: p.workload,
    gpu: p.gpu,
    instanceFamilies: p.instanceFamilies,
    instanceTypes: p.instanceTypes,
    capacityTypes: p.capacityTypes,
    zones: efa?.nodePool === p.name ? [efa.zone] : undefined,
    limits: p.limits,
  }));
  return { environment: config.name, clusterName: `${config.name}-ml-platform`, nodeClasses, nodePools };
}

/** Placeholders for what only the deployed environment knows (config checks, tests). */
export function placeholderResolution(config: EnvironmentConfig): KarpenterResolved {
  return {
    subnetIdsByZone: Object.fromEntries(config.availabilityZones.map((z) => [z, `subnet-${z}`])),
    securityGroupId: 'sg-cluster',
    volumeKmsKeyId: `alias/mlp/${config.name}/compute`,
    instanceProfile: `${config.name}-ml-platform-karpenter-nodes`,
    placementGroupName: config.cluster.efaTraining ? `${config.name}-training` : undefined,
  };
}

/** Adds the Karpenter chart of an environment (only the Compute stack can: it names AWS ids). */
export function addKarpenterChart(app: App, config: EnvironmentConfig, resolved: KarpenterResolved): KarpenterNodePoolsChart {
  return new KarpenterNodePoolsChart(app, 'karpenter-node-pools', karpenterNodePoolsProps(config, resolved));
}

/**
 * Where the vLLM template's KEDA trigger queries Prometheus: the environment's workspace (Metrics
 * stack) by its query URL. Its id is generated at deploy, so offline synth cannot know it: the
 * Metrics stack publishes it (SSM `/mlp/<env>/prometheus/query-url`, output `PrometheusQueryUrl`)
 * and `npm run synth:k8s` takes it from `MLP_<ENV>_PROMETHEUS_URL` (bin/k8s.ts). Without it the
 * template names where to find it in the URL itself (no such workspace exists), rather than
 * pointing at a made-up one.
 */
export function prometheusQueryUrl(config: EnvironmentConfig, known?: string): string {
  return (
    known ?? `https://aps-workspaces.${config.region}.amazonaws.com/workspaces/ws-unknown-see-ssm-mlp-${config.name}-prometheus-query-url`
  );
}

/** The workload templates teams copy (not applied by the platform), for every team. */
export type TemplateChart =
  | RayClusterTemplateChart
  | TorchTrainJobTemplateChart
  | RayJobTemplateChart
  | RayServiceTemplateChart
  | VllmServerChart;

/** Adds the workload templates (for teams to copy, not applied by the platform) for every team. */
export function addTemplateCharts(
  app: App,
  config: EnvironmentConfig,
  options: {
    /** The Metrics stack's Prometheus query URL (output PrometheusQueryUrl). @default - a URL naming the variable to set */
    readonly prometheusQueryUrl?: string;
  } = {},
): TemplateChart[] {
  const k = config.cluster;
  const efa = k.efaTraining;
  return k.teams.flatMap((t) => {
    const env = { team: t.name, environment: config.name };
    const charts: TemplateChart[] = [
      new RayClusterTemplateChart(app, `ray-cluster-${t.name}`, { ...env, image: k.images.ray }),
      new TorchTrainJobTemplateChart(app, `torch-trainjob-${t.name}`, {
        ...env,
        // The 2-node x 8-GPU job: EFA where the environment has it.
        numNodes: 2,
        gpusPerNode: efa ? 8 : 1,
        nodeSize: efa ? { cpu: 176, memoryGiB: 1800 } : { cpu: 8, memoryGiB: 32 },
        efaInterfacesPerNode: efa?.efaInterfacesPerNode,
      }),
      new RayJobTemplateChart(app, `rllib-ppo-${t.name}`, {
        ...env,
        image: k.images.ray,
        // The team's write prefix of the models bucket, whose name the platform ConfigMap gives.
        checkpointUri: `s3://$(MODELS_BUCKET)/teams/${t.name}/rl/`,
        bucketFromConfigMap: { configMap: SERVING_CONFIG_MAP.name, key: SERVING_CONFIG_MAP.keys.modelsBucket },
      }),
      new RayServiceTemplateChart(app, `ray-serve-${t.name}`, {
        ...env,
        image: k.images.ray,
        application: {
          name: 'policy',
          importPath: 'serve_app:app',
          // Replace with the models bucket's name (Ray reads it; Kubernetes does not expand it).
          workingDir: `s3://models-bucket/teams/${t.name}/serve/app.zip`,
          deployment: 'Policy',
          replicas: { min: 1, max: 4 },
        },
      }),
      new VllmServerChart(app, `vllm-${t.name}`, {
        ...env,
        name: `${t.name}-llm`,
        image: k.images.vllm,
        downloaderImage: k.images.awsCli,
        modelsBucket: { configMap: SERVING_CONFIG_MAP.name, key: SERVING_CONFIG_MAP.keys.modelsBucket },
        modelPath: `teams/${t.name}/llm/1/`,
        gpus: 1,
        cpu: 8,
        memoryGiB: 48,
        replicas: { min: zoneLossMinReplicas(config, 2), max: 8 },
        autoscaling: { prometheusUrl: prometheusQueryUrl(config, options.prometheusQueryUrl), region: config.region },
        callers: [{ namespace: t.name }],
        awsApis: podAwsApis(config),
      }),
    ];
    return charts;
  });
}

/**
 * The fewest replicas a server runs: in prod, enough that losing one AZ still leaves `needed`
 * (ceil(needed * AZs / (AZs - 1))); elsewhere `needed`.
 */
export function zoneLossMinReplicas(config: EnvironmentConfig, needed: number): number {
  return config.name === 'prod' ? replicasForZoneLoss(needed, config.availabilityZones.length) : needed;
}

/**
 * The ConfigMap (in each namespace that runs a model server) through which the platform tells
 * model servers where the lake's models bucket and the online feature store are. Each Team stack
 * creates it with the real (generated) names; servers read them as environment variables, so their
 * manifests hold no generated name and the GitOps copies are the same as what CDK applies.
 */
export const SERVING_CONFIG_MAP = {
  name: 'ml-platform-serving',
  keys: {
    modelsBucket: 'models-bucket',
    featureStoreEndpoint: 'feature-store-endpoint',
    featureStorePort: 'feature-store-port',
    featureStoreUser: 'feature-store-user',
  },
} as const;

/** What the platform ConfigMap of a namespace holds (values may be CDK tokens). */
export interface ServingConfigMapValues {
  /** Name of the lake's models bucket. */
  readonly modelsBucket?: string;
  /** The online feature store: configuration endpoint, port and the reader user (IAM auth). */
  readonly featureStore?: { readonly endpoint: string; readonly port: number; readonly user: string };
}

/** What the model servers' charts learn of the online feature store. */
export interface ServingChartsOptions {
  /**
   * Port of the online feature store (the store's own `port`); the servers' NetworkPolicy admits
   * egress to it inside the VPC.
   * @default - no egress to a feature store
   */
  readonly featureStorePort?: number;
}

/** The chart props of one configured model server (same for the cdk8s app and the Team stacks). */
export function modelServingProps(
  config: EnvironmentConfig,
  server: ModelServerConfig,
  options: ServingChartsOptions = {},
): ModelServingProps {
  return {
    name: server.name,
    team: server.team,
    environment: config.name,
    region: config.region,
    image: server.image,
    port: server.port,
    args: server.args ? [...server.args] : undefined,
    configMapEnv: {
      MODELS_BUCKET: { configMap: SERVING_CONFIG_MAP.name, key: SERVING_CONFIG_MAP.keys.modelsBucket },
      // Optional: a server starts (and serves what needs no features) before the store exists.
      FEATURE_STORE_ENDPOINT: { configMap: SERVING_CONFIG_MAP.name, key: SERVING_CONFIG_MAP.keys.featureStoreEndpoint, optional: true },
      FEATURE_STORE_PORT: { configMap: SERVING_CONFIG_MAP.name, key: SERVING_CONFIG_MAP.keys.featureStorePort, optional: true },
      FEATURE_STORE_USER: { configMap: SERVING_CONFIG_MAP.name, key: SERVING_CONFIG_MAP.keys.featureStoreUser, optional: true },
    },
    modelUri: `s3://$(MODELS_BUCKET)/${server.modelPath}`,
    // Prod runs extra replicas so that one AZ lost still leaves minReplicas serving.
    replicas: { min: zoneLossMinReplicas(config, server.minReplicas), max: server.maxReplicas },
    cpu: server.cpu,
    memoryMiB: server.memoryMiB,
    targetCpuPercent: server.targetCpuPercent,
    gpu: server.gpu ? { count: server.gpu.count } : undefined,
    callers: server.callers.map((c) => ({ namespace: c.namespace, podLabels: c.podLabels })),
    featureStore: options.featureStorePort === undefined ? undefined : { port: options.featureStorePort, cidr: config.network.vpcCidr },
    awsApis: podAwsApis(config),
  };
}

/** Adds one chart per configured model server (`serving.modelServers`) to a cdk8s app; by server name. */
export function addServingCharts(
  app: App,
  config: EnvironmentConfig,
  options: ServingChartsOptions = {},
): Record<string, ModelServingChart> {
  return Object.fromEntries(
    config.serving.modelServers.map((server) => [
      server.name,
      new ModelServingChart(app, server.name, modelServingProps(config, server, options)),
    ]),
  );
}

/** The platform ConfigMap of a namespace that runs model servers (only the values given). */
export function servingConfigMap(config: EnvironmentConfig, namespace: string, values: ServingConfigMapValues): Record<string, unknown> {
  const k = SERVING_CONFIG_MAP.keys;
  const data: Record<string, string> = {};
  if (values.modelsBucket !== undefined) data[k.modelsBucket] = values.modelsBucket;
  if (values.featureStore) {
    data[k.featureStoreEndpoint] = values.featureStore.endpoint;
    data[k.featureStorePort] = `${values.featureStore.port}`;
    data[k.featureStoreUser] = values.featureStore.user;
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: SERVING_CONFIG_MAP.name,
      namespace,
      labels: platformLabels({ environment: config.name, component: 'model-serving', team: namespace }),
    },
    data,
  };
}

/** What the training-data volume needs of a team's file system. */
export interface TrainingFileSystemRef {
  readonly fileSystem: { readonly fileSystemId: string; readonly dnsName: string; readonly mountName: string };
}

/**
 * The static PersistentVolume of a team's training file system (FSx CSI driver) and its claim
 * `training-data` in the team's namespace (bound to that volume only).
 */
export function trainingDataVolume(config: EnvironmentConfig, team: string, fs: TrainingFileSystemRef): Record<string, unknown>[] {
  const labels = platformLabels({ environment: config.name, component: 'training-storage', team });
  const pv = `training-data-${team}`;
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pv, labels },
      spec: {
        capacity: { storage: `${config.cluster.efaTraining?.storage.storageCapacityGiB ?? 1200}Gi` },
        volumeMode: 'Filesystem',
        accessModes: ['ReadWriteMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        claimRef: { namespace: team, name: TRAINING_DATA_CLAIM },
        csi: {
          driver: 'fsx.csi.aws.com',
          volumeHandle: fs.fileSystem.fileSystemId,
          volumeAttributes: { dnsname: fs.fileSystem.dnsName, mountname: fs.fileSystem.mountName },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: TRAINING_DATA_CLAIM, namespace: team, labels },
      spec: {
        accessModes: ['ReadWriteMany'],
        storageClassName: '',
        volumeName: pv,
        resources: { requests: { storage: `${config.cluster.efaTraining?.storage.storageCapacityGiB ?? 1200}Gi` } },
      },
    },
  ];
}
