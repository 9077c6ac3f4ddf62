/**
 * The typed configuration of one environment, assembled from the capabilities' sections: every
 * way in which dev, staging and prod differ is a field of a section. Each section's type and its
 * values for the three environments live in its capability's `config.ts` (`lib/<capability>/`);
 * stacks translate these fields into construct props.
 */
import type { ClusterConfig } from '../compute/config';
import type { LakeConfig, SparkConfig } from '../data/config';
import type { FeatureStoreConfig } from '../feature-store/config';
import type { FeaturesConfig } from '../features/config';
import type { LifecycleConfig } from '../lifecycle/config';
import type { NetworkConfig } from '../network/config';
import type { NotebooksConfig } from '../notebooks/config';
import type { ObservabilityConfig } from '../observability/config';
import type { AuditConfig, LoggingConfig, OnCallConfig } from '../security/config';
import type { ServingConfig } from '../serving/config';
import type { StreamingConfig } from '../streaming/config';

export type { CapacityTypeConfig, ClusterConfig, NodeGroupConfig, TeamConfig } from '../compute/config';
export { LAKE_ZONE_NAMES, type LakeConfig, type LakeZoneLifecycleConfig, type LakeZoneName, type SparkConfig } from '../data/config';
export type { FeatureGroupConfig, FeatureStoreConfig, FeatureType } from '../feature-store/config';
export type { FeatureConsumerConfig, FeaturesConfig, TopicConfig } from '../features/config';
export type { NetworkConfig } from '../network/config';
export type { NotebooksConfig } from '../notebooks/config';
export type { ObservabilityConfig } from '../observability/config';
export type { AuditConfig, LoggingConfig } from '../security/config';
export type {
  MlflowConfig,
  ModelServerCallerConfig,
  ModelServerConfig,
  ServingAlarmsConfig,
  ServingConfig,
  ServingEndpointConfig,
  ServingModelConfig,
  ServingMonitoringConfig,
  ServingRolloutConfig,
  ServingServerlessConfig,
} from '../serving/config';
export {
  MSK_MONITORING_LEVELS,
  type ProvisionedStreamingConfig,
  type ServerlessStreamingConfig,
  type StreamingConfig,
} from '../streaming/config';

/** The environments this platform knows. Construct ids of the stages are these names. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export interface TagsConfig {
  readonly costCenter: string;
  readonly owner: string;
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
  /** Who is told when alarms fire. */
  readonly oncall: OnCallConfig;
  /** Model registry, MLflow and SageMaker endpoints. */
  readonly serving: ServingConfig;
  readonly lake: LakeConfig;
  readonly streaming: StreamingConfig;
  readonly spark: SparkConfig;
  readonly tags: TagsConfig;
  /** The EKS cluster for training and Ray workloads. */
  readonly cluster: ClusterConfig;
  readonly featureStore: FeatureStoreConfig;
  /** Feature views, event topics and the streaming consumers. */
  readonly features: FeaturesConfig;
  /** Dashboards, SLOs, budgets, Prometheus and Container Insights (lib/observability). */
  readonly observability: ObservabilityConfig;
  /** Training pipelines, approval, promotion, drift retraining and Airflow (lib/lifecycle/config.ts). */
  readonly lifecycle: LifecycleConfig;
  /** SageMaker Studio notebooks (the `Notebooks` stack where enabled). @default - no notebooks */
  readonly notebooks?: NotebooksConfig;
}

export type { LifecycleConfig, LifecycleModelConfig } from '../lifecycle/config';
