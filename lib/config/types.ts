/**
 * The typed configuration of one environment. Every way in which dev, staging and prod differ is a
 * field here; stacks translate these fields into construct props. Defaults live in
 * `defaults.ts`, next to these types, once.
 */

/** The environments this platform knows. Construct ids of the stages are these names. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export interface NetworkConfig {
  /** IPv4 CIDR of the VPC, /16 to /20. Must not overlap another environment's VPC. */
  readonly vpcCidr: string;
  /** NAT gateways: 1 (cheap, single-AZ egress) up to one per AZ (resilient egress). */
  readonly natGateways: number;
  /** Netmask of the private-with-egress subnets (the bulk of addresses: EKS pods, EMR, SageMaker). */
  readonly privateSubnetMask: number;
}

export interface LoggingConfig {
  /** Retention of CloudWatch log groups, in days; must be a value CloudWatch Logs accepts. */
  readonly retentionDays: number;
}

export interface AuditConfig {
  /** Days after which audit/access-log objects move to Glacier Flexible Retrieval. */
  readonly transitionToGlacierDays: number;
  /** Days after which audit/access-log objects expire (PCI DSS 10.7 asks for at least 365). */
  readonly expirationDays: number;
}

/** The zones of the data lake (mirrors `LAKE_ZONES` of constructs/lake). */
export const LAKE_ZONE_NAMES = ['raw', 'curated', 'features', 'models'] as const;
export type LakeZoneName = (typeof LAKE_ZONE_NAMES)[number];

/** Lifecycle of one lake zone, in days from object creation; 0 means never. */
export interface LakeZoneLifecycleConfig {
  /** Move to S3 Standard-IA after this many days (0 or at least 30). */
  readonly infrequentAccessAfterDays: number;
  /** Move to S3 Glacier Instant Retrieval after this many days (0, or at least 30 after IA). */
  readonly archiveAfterDays: number;
  /** Expire current objects after this many days (0 = keep; else after every transition). */
  readonly expireAfterDays: number;
  /** Delete noncurrent versions after this many days (1 to 3650). */
  readonly noncurrentVersionExpirationDays: number;
}

export interface LakeConfig {
  /** Lifecycle per zone. */
  readonly lifecycle: Readonly<Record<LakeZoneName, LakeZoneLifecycleConfig>>;
  /** Encrypt the account's Glue Data Catalog with the data key (an account/region-wide setting). */
  readonly encryptCatalog: boolean;
}

/** Enhanced monitoring levels of MSK provisioned clusters. */
export const MSK_MONITORING_LEVELS = ['DEFAULT', 'PER_BROKER', 'PER_TOPIC_PER_BROKER', 'PER_TOPIC_PER_PARTITION'] as const;

/** MSK Serverless: no brokers to size (dev only). */
export interface ServerlessStreamingConfig {
  readonly mode: 'serverless';
}

/** An MSK provisioned cluster. */
export interface ProvisionedStreamingConfig {
  readonly mode: 'provisioned';
  /** Apache Kafka version, e.g. `3.8.x`. */
  readonly kafkaVersion: string;
  /** Broker instance type: kafka.t3.small (not prod), kafka.m5.*, kafka.m7g.*, express.m7g.*. */
  readonly brokerInstanceType: string;
  /** Number of brokers: a multiple of the AZ count; prod at least 3. */
  readonly brokerCount: number;
  /** EBS volume per broker in GiB (1 to 16384; ignored by express brokers). */
  readonly volumeSizeGiB: number;
  /** Enhanced monitoring level. */
  readonly monitoring: (typeof MSK_MONITORING_LEVELS)[number];
  /** Default topic retention (`log.retention.hours`), 1 to 8760; prod at least 168. */
  readonly logRetentionHours: number;
}

export type StreamingConfig = ServerlessStreamingConfig | ProvisionedStreamingConfig;

export interface SparkConfig {
  /** EMR release label, `emr-<major>.<minor>.<patch>`. */
  readonly releaseLabel: string;
  readonly architecture: 'ARM64' | 'X86_64';
  /** Size of each pre-initialized worker. */
  readonly worker: { readonly cpu: number; readonly memoryGiB: number; readonly diskGiB: number };
  /** Pre-initialized (warm) drivers and executors; 0 and 0 for scale-to-zero. */
  readonly initialDrivers: number;
  readonly initialExecutors: number;
  /** Upper bound of the application's capacity (vCPU, GiB, GiB). */
  readonly maximumCapacity: { readonly cpu: number; readonly memoryGiB: number; readonly diskGiB: number };
  /** Minutes idle before the application stops (1 to 10080). */
  readonly idleTimeoutMinutes: number;
  /** Topics the Spark jobs may consume (kafka topic pattern, `*` wildcard). */
  readonly consumeTopicPattern: string;
  /** Consumer groups the Spark jobs may use. */
  readonly consumerGroupPattern: string;
}

export interface TagsConfig {
  readonly costCenter: string;
  readonly owner: string;
}

/** A model the platform registers: one SageMaker model package group `<env>-<name>`. */
export interface ServingModelConfig {
  /** SageMaker name: letters, digits and hyphens, starting and ending with a letter or digit. */
  readonly name: string;
  /** What the model decides; shown in the registry. */
  readonly description: string;
}

/** The SageMaker managed MLflow tracking server of the environment. */
export interface MlflowConfig {
  /** Server size: Small (up to 25 users), Medium (50) or Large (100). */
  readonly size: 'Small' | 'Medium' | 'Large';
  /** Weekly maintenance window start, UTC, `Ddd:HH:MM` (e.g. `Sun:02:00`). */
  readonly weeklyMaintenanceWindowStart: string;
}

/** Serverless capacity (dev only): no instances, no autoscaling, no VPC, no data capture. */
export interface ServingServerlessConfig {
  /** Memory per concurrent invocation: 1024 to 6144 MB in steps of 1024. */
  readonly memorySizeMb: number;
  /** Concurrent invocations, 1 to 200. */
  readonly maxConcurrency: number;
}

/** Blue/green rollout with canary traffic shifting and automatic rollback. */
export interface ServingRolloutConfig {
  /** Deployment guardrails on the endpoint; staging and prod must have them. */
  readonly guardrails: boolean;
  /** Share of the capacity (and traffic) the canary fleet gets first, 1 to 50 %. */
  readonly canaryPercent: number;
  /** Baking time of the canary before the rest of the traffic shifts, 1 to 60 minutes. */
  readonly canaryWaitMinutes: number;
  /** Baking time after all traffic shifted before the old fleet is terminated, 0 to 60 minutes. */
  readonly terminationWaitMinutes: number;
}

/** Alarm thresholds; in staging and prod they also roll a deployment back. */
export interface ServingAlarmsConfig {
  /** p99 ModelLatency above this (milliseconds) over 3 minutes alarms. */
  readonly latencyP99Ms: number;
  /** Invocation5XXErrors per minute at or above this, in 2 of 3 minutes, alarms. */
  readonly errors5xxPerMinute: number;
}

/** Model Monitor data-quality schedule over the captured requests. */
export interface ServingMonitoringConfig {
  /** How often the data-quality job runs. */
  readonly schedule: 'hourly' | 'daily';
  /** Instance type of the monitoring job (`ml.*`). */
  readonly instanceType: string;
  /** Features whose `feature_baseline_drift_<feature>` metric is alarmed (1 to 10). */
  readonly driftFeatures: readonly string[];
  /** Drift distance (0 to 1) above which a feature counts as drifted. */
  readonly driftThreshold: number;
}

/** One SageMaker real-time endpoint `<env>-<name>`. */
export interface ServingEndpointConfig {
  /** Endpoint name suffix: the endpoint is `<env>-<name>` (the model-ops CLI uses that name). */
  readonly name: string;
  /** The registered model (a `serving.models` name) the endpoint serves. */
  readonly model: string;
  /** Inference image: an ECR URI in the environment's region, tagged or by digest. */
  readonly imageUri: string;
  /** Key of the model artifact (`.tar.gz`) in the models bucket. */
  readonly modelDataKey: string;
  /** Instance type (`ml.*`); ignored when serverless. */
  readonly instanceType: string;
  /** Instances at creation; between min and max. */
  readonly initialInstanceCount: number;
  /** Autoscaling floor; prod needs at least 2 (no single instance). */
  readonly minInstances: number;
  /** Autoscaling ceiling. */
  readonly maxInstances: number;
  /** Target-tracking value of SageMakerVariantInvocationsPerInstance (per minute). */
  readonly targetInvocationsPerInstance: number;
  /** Serverless capacity instead of instances; dev only. */
  readonly serverless?: ServingServerlessConfig;
  /** Percentage of requests captured for monitoring, 0 to 100 (at least 1 when monitored). */
  readonly dataCaptureSamplingPercent: number;
  readonly rollout: ServingRolloutConfig;
  readonly alarms: ServingAlarmsConfig;
  readonly monitoring: ServingMonitoringConfig;
}

/** A workload allowed to call a Kubernetes model server. */
export interface ModelServerCallerConfig {
  /** Namespace of the callers (a DNS label). */
  readonly namespace: string;
  /** Labels the calling pods carry; leave out to admit every pod of the namespace. */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** A model server on the EKS cluster (k8s/charts/model-serving.ts), in its team's namespace. */
export interface ModelServerConfig {
  /** Deployment/Service/ServiceAccount name (a DNS-1035 label, unique in the environment). */
  readonly name: string;
  /** Owning team (one of `cluster.teams`): the namespace, quota and labels. */
  readonly team: string;
  /** Model-server image: an ECR URI in the environment's region, tagged or by digest. */
  readonly image: string;
  /** HTTP port the server listens on (1024 to 65535: it runs non-root without capabilities). */
  readonly port: number;
  /** Arguments of the server (may reference `$(MODEL_URI)` and `$(PORT)`); the image's defaults when left out. */
  readonly args?: readonly string[];
  /**
   * Key prefix of the model in the lake's models bucket, ending in '/' (e.g. `credit-risk/1.0.0/`).
   * The server gets `MODEL_URI=s3://<models bucket>/<modelPath>`; its IAM role reads only this prefix.
   */
  readonly modelPath: string;
  /** Pods: the HorizontalPodAutoscaler scales between these (prod: at least 2). */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** CPU cores per pod (request = limit). */
  readonly cpu: number;
  /** Memory per pod in MiB (request = limit). */
  readonly memoryMiB: number;
  /** The HPA's target average CPU utilization, 1 to 100 %. */
  readonly targetCpuPercent: number;
  /** GPUs per pod: runs on GPU inference nodes (needs a GPU `inference` node group). */
  readonly gpu?: { readonly count: number };
  /** Who may call the server on its port (NetworkPolicy); at least one. */
  readonly callers: readonly ModelServerCallerConfig[];
}

export interface ServingConfig {
  /** Models registered in the SageMaker model registry. */
  readonly models: readonly ServingModelConfig[];
  readonly mlflow: MlflowConfig;
  /** SageMaker real-time endpoints of the environment. */
  readonly endpoints: readonly ServingEndpointConfig[];
  /** Model servers on the EKS cluster (applied by the Compute stack). */
  readonly modelServers: readonly ModelServerConfig[];
}

/** EC2 purchase option of a node group. */
export type CapacityTypeConfig = 'ON_DEMAND' | 'SPOT';

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

/** A feature's value type, as stored offline (Glue/Parquet) and online (hash field). */
export type FeatureType = 'string' | 'bigint' | 'int' | 'double' | 'float' | 'boolean' | 'timestamp';

export interface FeatureGroupConfig {
  /** snake_case, 3-63 characters: the Glue table, the online key prefix and the job names derive from it. */
  readonly name: string;
  readonly description: string;
  /** Columns that identify the entity (e.g. applicant_id); 1 to 3. */
  readonly entityKeys: readonly { readonly name: string; readonly type: 'string' | 'bigint' }[];
  readonly features: readonly { readonly name: string; readonly type: FeatureType; readonly description?: string }[];
  /** Time a feature vector stays in the online store, in seconds (60 to 30 days). */
  readonly onlineTtlSeconds: number;
  /** Offline partitioning of the features-zone table. */
  readonly offlinePartitioning: 'date' | 'date-hour';
  /** Where values come from: an MSK topic (streaming) or a lake table (batch). */
  readonly source:
    | { readonly kind: 'stream'; readonly topic: string }
    | { readonly kind: 'batch'; readonly zone: 'raw' | 'curated'; readonly table: string };
}

export interface FeatureStoreConfig {
  /** Online store engine: Valkey (default) or Redis OSS. */
  readonly engine: 'valkey' | 'redis';
  readonly nodeType: string;
  readonly shards: number;
  readonly replicasPerShard: number;
  readonly multiAz: boolean;
  readonly snapshotRetentionDays: number;
  /** The feature groups of this environment. */
  readonly featureGroups: readonly FeatureGroupConfig[];
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
  /** Model registry, MLflow and SageMaker endpoints. */
  readonly serving: ServingConfig;
  readonly lake: LakeConfig;
  readonly streaming: StreamingConfig;
  readonly spark: SparkConfig;
  readonly tags: TagsConfig;
  /** The EKS cluster for training and Ray workloads. */
  readonly cluster: ClusterConfig;
  readonly featureStore: FeatureStoreConfig;
}
