import type { App } from 'cdk8s';
import type { EnvironmentConfig, ModelServerConfig } from '../lib/config';
import { platformLabels } from './charts/labels';
import { ModelServingChart, type ModelServingProps } from './charts/model-serving';
import { TeamTenancyChart, type TeamTenancyProps } from './charts/team-tenancy';
import { RayClusterTemplateChart } from './charts/templates/ray-cluster';
import { TorchTrainJobTemplateChart } from './charts/templates/train-job';
import { TrainingRuntimesChart } from './charts/training-runtimes';

/**
 * Config -> chart props, in one place: the cdk8s app (k8s/main.ts) and the Compute stack both use
 * these, so the manifests GitOps users get are the ones CDK applies.
 */
export function tenancyProps(config: EnvironmentConfig): TeamTenancyProps[] {
  return config.cluster.teams.map((t) => ({ team: t.name, environment: config.name, quota: t.quota }));
}

/** The charts the cluster runs (applied by the Compute stack): runtimes and team tenancy. */
export interface PlatformCharts {
  readonly runtimes: TrainingRuntimesChart;
  readonly tenancy: TeamTenancyChart[];
}

/** Adds the cluster's charts of one environment to a cdk8s app. */
export function addPlatformCharts(app: App, config: EnvironmentConfig): PlatformCharts {
  return {
    runtimes: new TrainingRuntimesChart(app, 'training-runtimes', { environment: config.name }),
    tenancy: tenancyProps(config).map((props) => new TeamTenancyChart(app, `team-${props.team}`, props)),
  };
}

/** Adds the workload templates (for teams to copy, not applied by the platform) for every team. */
export function addTemplateCharts(app: App, config: EnvironmentConfig): Array<RayClusterTemplateChart | TorchTrainJobTemplateChart> {
  return config.cluster.teams.flatMap((t) => [
    new RayClusterTemplateChart(app, `ray-cluster-${t.name}`, { team: t.name, environment: config.name }),
    new TorchTrainJobTemplateChart(app, `torch-trainjob-${t.name}`, { team: t.name, environment: config.name }),
  ]);
}

/**
 * The ConfigMap (in each namespace that runs a model server) through which the platform tells
 * model servers where the lake's models bucket is. The Compute stack creates it with the real
 * bucket name; servers read it as MODELS_BUCKET, so their manifests hold no generated name and the
 * GitOps copies are the same as what CDK applies.
 */
export const MODELS_BUCKET_CONFIG_MAP = { name: 'ml-platform-models', key: 'bucket' } as const;

/**
 * Port of the online feature store (OnlineFeatureStore's default, 6380); model servers may reach
 * it inside the VPC.
 */
export const ONLINE_FEATURE_STORE_PORT = 6380;

/** The chart props of one configured model server (same for the cdk8s app and the Compute stack). */
export function modelServingProps(config: EnvironmentConfig, server: ModelServerConfig): ModelServingProps {
  return {
    name: server.name,
    team: server.team,
    environment: config.name,
    image: server.image,
    port: server.port,
    args: server.args ? [...server.args] : undefined,
    configMapEnv: { MODELS_BUCKET: { configMap: MODELS_BUCKET_CONFIG_MAP.name, key: MODELS_BUCKET_CONFIG_MAP.key } },
    modelUri: `s3://$(MODELS_BUCKET)/${server.modelPath}`,
    replicas: { min: server.minReplicas, max: server.maxReplicas },
    cpu: server.cpu,
    memoryMiB: server.memoryMiB,
    targetCpuPercent: server.targetCpuPercent,
    gpu: server.gpu ? { count: server.gpu.count } : undefined,
    callers: server.callers.map((c) => ({ namespace: c.namespace, podLabels: c.podLabels })),
    featureStore: { port: ONLINE_FEATURE_STORE_PORT, cidr: config.network.vpcCidr },
  };
}

/** Adds one chart per configured model server (`serving.modelServers`) to a cdk8s app. */
export function addServingCharts(app: App, config: EnvironmentConfig): ModelServingChart[] {
  return config.serving.modelServers.map((server) => new ModelServingChart(app, server.name, modelServingProps(config, server)));
}

/** The platform ConfigMap naming the models bucket, in a namespace that runs model servers. */
export function modelsBucketConfigMap(config: EnvironmentConfig, namespace: string, bucketName: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: MODELS_BUCKET_CONFIG_MAP.name,
      namespace,
      labels: platformLabels({ environment: config.name, component: 'model-serving', team: namespace }),
    },
    data: { [MODELS_BUCKET_CONFIG_MAP.key]: bucketName },
  };
}
