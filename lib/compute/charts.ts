import type { App } from 'cdk8s';
import { platformLabels } from '../../k8s/charts/labels';
import { ModelServingChart, type ModelServingProps } from '../../k8s/charts/model-serving';
import { TeamTenancyChart, type TeamTenancyProps } from '../../k8s/charts/team-tenancy';
import { RayClusterTemplateChart } from '../../k8s/charts/templates/ray-cluster';
import { TorchTrainJobTemplateChart } from '../../k8s/charts/templates/train-job';
import { TrainingRuntimesChart } from '../../k8s/charts/training-runtimes';
import type { EnvironmentConfig, ModelServerConfig } from '../config';

/**
 * Config -> chart props, in one place: the cdk8s app (bin/k8s.ts) and the Compute stack both use
 * these, so the manifests GitOps users get are the ones CDK applies.
 */
export function tenancyProps(config: EnvironmentConfig): TeamTenancyProps[] {
  // HTTPS to AWS APIs: the interface endpoints in the VPC, and what leaves through NAT or a gateway endpoint.
  const awsApis = { vpcCidr: config.network.vpcCidr, outside: config.cluster.podHttpsEgressCidrs };
  return config.cluster.teams.map((t) => ({ team: t.name, environment: config.name, quota: t.quota, awsApis }));
}

/** The charts the cluster runs (applied by the Compute stack): runtimes and team tenancy. */
export interface PlatformCharts {
  readonly runtimes: TrainingRuntimesChart;
  /** Each team's tenancy chart, by team name. */
  readonly tenancy: Readonly<Record<string, TeamTenancyChart>>;
}

/** Adds the cluster's charts of one environment to a cdk8s app. */
export function addPlatformCharts(app: App, config: EnvironmentConfig): PlatformCharts {
  return {
    runtimes: new TrainingRuntimesChart(app, 'training-runtimes', { environment: config.name }),
    tenancy: Object.fromEntries(tenancyProps(config).map((props) => [props.team, new TeamTenancyChart(app, `team-${props.team}`, props)])),
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
 * model servers where the lake's models bucket and the online feature store are. The Compute stack
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

/** The chart props of one configured model server (same for the cdk8s app and the Compute stack). */
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
    replicas: { min: server.minReplicas, max: server.maxReplicas },
    cpu: server.cpu,
    memoryMiB: server.memoryMiB,
    targetCpuPercent: server.targetCpuPercent,
    gpu: server.gpu ? { count: server.gpu.count } : undefined,
    callers: server.callers.map((c) => ({ namespace: c.namespace, podLabels: c.podLabels })),
    featureStore: options.featureStorePort === undefined ? undefined : { port: options.featureStorePort, cidr: config.network.vpcCidr },
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
