import { FEATURE_GROUPS } from '../feature-store/feature-groups';
import { ACCOUNTS } from './accounts';
import type { EnvironmentConfig, EnvironmentName, ModelServerConfig, ServingEndpointConfig, ServingModelConfig, TeamConfig } from './types';

/** Models every environment registers (one model package group each). */
const MODELS: readonly ServingModelConfig[] = [
  { name: 'credit-risk', description: 'Probability of default of a consumer loan application, scored in real time' },
  { name: 'fraud', description: 'Likelihood that a loan application is fraudulent' },
];

/**
 * The example endpoint: credit-risk scoring. The image and artifact are placeholders in the
 * environment's own account and models bucket; the model-ops CLI rolls new versions from the
 * registry onto the endpoint `<env>-credit-risk`.
 */
function creditRiskEndpoint(
  env: EnvironmentName,
  sizing: Pick<
    ServingEndpointConfig,
    'instanceType' | 'initialInstanceCount' | 'minInstances' | 'maxInstances' | 'dataCaptureSamplingPercent' | 'rollout' | 'monitoring'
  >,
): ServingEndpointConfig {
  const { account, region } = ACCOUNTS[env];
  return {
    name: 'credit-risk',
    model: 'credit-risk',
    imageUri: `${account}.dkr.ecr.${region}.amazonaws.com/credit-risk-inference:1.0.0`,
    modelDataKey: 'credit-risk/1.0.0/model.tar.gz',
    targetInvocationsPerInstance: 300,
    alarms: { latencyP99Ms: 250, errors5xxPerMinute: 5 },
    ...sizing,
  };
}

/** Who calls the example model servers: the loan-origination scoring API. */
const SCORING_API = { namespace: 'loan-origination', podLabels: { 'app.kubernetes.io/name': 'scoring-api' } } as const;

/**
 * A model server on the EKS cluster, image in the environment's own ECR; the artifact is the model
 * version's prefix in the lake's models bucket.
 */
function modelServer(
  env: EnvironmentName,
  server: Pick<ModelServerConfig, 'name' | 'team' | 'modelPath' | 'minReplicas' | 'maxReplicas' | 'cpu' | 'memoryMiB' | 'gpu'>,
): ModelServerConfig {
  const { account, region } = ACCOUNTS[env];
  return {
    image: `${account}.dkr.ecr.${region}.amazonaws.com/${server.name}:1.0.0`,
    port: 8080,
    targetCpuPercent: 70,
    callers: [SCORING_API],
    ...server,
  };
}

const CREDIT_RISK_FEATURES = ['annual_income', 'loan_amount', 'debt_to_income', 'credit_history_months', 'open_accounts'];

/** Admin role of an account (created by the account baseline, outside this repository). */
const adminRole = (env: EnvironmentName): string => `arn:aws:iam::${ACCOUNTS[env].account}:role/MlPlatformAdmin`;

/**
 * A team with the lake convention: prefixes are `<zone>/<key prefix>`; a team reads the curated
 * data it names and writes only under `teams/<name>/` of the features and models zones.
 */
const team = (name: string, quota: TeamConfig['quota'], readPrefixes: readonly string[]): TeamConfig => ({
  name,
  quota,
  lake: { readPrefixes, writePrefixes: [`features/teams/${name}/`, `models/teams/${name}/`] },
});

const dev: EnvironmentConfig = {
  name: 'dev',
  ...ACCOUNTS.dev,
  availabilityZones: [`${ACCOUNTS.dev.region}a`, `${ACCOUNTS.dev.region}b`],
  retainStatefulResources: false,
  terminationProtection: false,
  network: { vpcCidr: '10.10.0.0/16', natGateways: 1, privateSubnetMask: 20 },
  logging: { retentionDays: 30 },
  audit: { transitionToGlacierDays: 30, expirationDays: 365 },
  serving: {
    models: MODELS,
    mlflow: { size: 'Small', weeklyMaintenanceWindowStart: 'Sun:02:00' },
    endpoints: [
      creditRiskEndpoint('dev', {
        instanceType: 'ml.m5.large',
        initialInstanceCount: 1,
        minInstances: 1,
        maxInstances: 2,
        dataCaptureSamplingPercent: 100,
        // Dev updates all at once: no canary, no baking, nothing to roll back to.
        rollout: { guardrails: false, canaryPercent: 50, canaryWaitMinutes: 5, terminationWaitMinutes: 0 },
        monitoring: { schedule: 'daily', instanceType: 'ml.m5.large', driftFeatures: CREDIT_RISK_FEATURES, driftThreshold: 0.2 },
      }),
    ],
    modelServers: [
      modelServer('dev', {
        name: 'credit-risk-server',
        team: 'credit-risk',
        modelPath: 'credit-risk/1.0.0/',
        minReplicas: 1,
        maxReplicas: 2,
        cpu: 1,
        memoryMiB: 2048,
      }),
    ],
  },
  lake: {
    // Dev data is disposable: short-lived objects and versions, no archive.
    lifecycle: {
      raw: { infrequentAccessAfterDays: 0, archiveAfterDays: 0, expireAfterDays: 90, noncurrentVersionExpirationDays: 7 },
      curated: { infrequentAccessAfterDays: 0, archiveAfterDays: 0, expireAfterDays: 180, noncurrentVersionExpirationDays: 7 },
      features: { infrequentAccessAfterDays: 0, archiveAfterDays: 0, expireAfterDays: 180, noncurrentVersionExpirationDays: 7 },
      models: { infrequentAccessAfterDays: 0, archiveAfterDays: 0, expireAfterDays: 0, noncurrentVersionExpirationDays: 30 },
    },
    encryptCatalog: true,
  },
  // Two small brokers (one per AZ) cost less than MSK Serverless and behave like prod (broker
  // logs, configuration, customer-managed key). `{ mode: 'serverless' }` is the alternative.
  streaming: {
    mode: 'provisioned',
    kafkaVersion: '3.8.x',
    brokerInstanceType: 'kafka.t3.small',
    brokerCount: 2,
    volumeSizeGiB: 20,
    monitoring: 'DEFAULT',
    logRetentionHours: 24,
  },
  spark: {
    releaseLabel: 'emr-7.9.0',
    architecture: 'ARM64',
    worker: { cpu: 4, memoryGiB: 16, diskGiB: 20 },
    initialDrivers: 0,
    initialExecutors: 0,
    maximumCapacity: { cpu: 32, memoryGiB: 128, diskGiB: 400 },
    idleTimeoutMinutes: 5,
    consumeTopicPattern: 'events.*',
    consumerGroupPattern: 'spark-*',
  },
  tags: { costCenter: 'ml-platform-dev', owner: 'ml-platform-team' },
  cluster: {
    kubernetesVersion: '1.34',
    // Developers reach the API from the office egress range; nodes use the private endpoint.
    endpointAccess: 'publicAndPrivate',
    publicAccessCidrs: ['203.0.113.0/24'],
    adminRoleArns: [adminRole('dev')],
    allowSpotTraining: true,
    nodeGroups: [
      {
        name: 'system',
        gpu: false,
        workload: 'system',
        instanceTypes: ['m7i.xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 2,
        desiredSize: 2,
        maxSize: 4,
        diskSizeGiB: 50,
      },
      {
        name: 'gpu-g6',
        gpu: true,
        workload: 'training',
        instanceTypes: ['g6.2xlarge', 'g6.4xlarge', 'g5.2xlarge'],
        capacityType: 'SPOT',
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
        diskSizeGiB: 200,
      },
    ],
    teams: [
      team('credit-risk', { cpu: 32, memoryGiB: 128, gpus: 2 }, ['curated/credit/']),
      team('fraud', { cpu: 32, memoryGiB: 128, gpus: 2 }, ['curated/transactions/']),
    ],
  },
  featureStore: {
    engine: 'valkey',
    nodeType: 'cache.t4g.small',
    shards: 1,
    replicasPerShard: 0,
    multiAz: false,
    snapshotRetentionDays: 1,
    featureGroups: FEATURE_GROUPS,
  },
};

const staging: EnvironmentConfig = {
  name: 'staging',
  ...ACCOUNTS.staging,
  availabilityZones: ['a', 'b', 'c'].map((s) => `${ACCOUNTS.staging.region}${s}`),
  retainStatefulResources: true,
  terminationProtection: false,
  network: { vpcCidr: '10.20.0.0/16', natGateways: 3, privateSubnetMask: 19 },
  logging: { retentionDays: 90 },
  audit: { transitionToGlacierDays: 90, expirationDays: 400 },
  serving: {
    models: MODELS,
    mlflow: { size: 'Small', weeklyMaintenanceWindowStart: 'Sun:02:00' },
    endpoints: [
      creditRiskEndpoint('staging', {
        instanceType: 'ml.m5.xlarge',
        initialInstanceCount: 2,
        minInstances: 2,
        maxInstances: 4,
        dataCaptureSamplingPercent: 50,
        rollout: { guardrails: true, canaryPercent: 25, canaryWaitMinutes: 10, terminationWaitMinutes: 10 },
        monitoring: { schedule: 'hourly', instanceType: 'ml.m5.large', driftFeatures: CREDIT_RISK_FEATURES, driftThreshold: 0.1 },
      }),
    ],
    modelServers: [
      modelServer('staging', {
        name: 'credit-risk-server',
        team: 'credit-risk',
        modelPath: 'credit-risk/1.0.0/',
        minReplicas: 2,
        maxReplicas: 4,
        cpu: 2,
        memoryMiB: 4096,
      }),
      // GPU variant: a transformer over application free text, on the GPU inference group (Spot, from 0).
      modelServer('staging', {
        name: 'fraud-text-server',
        team: 'fraud',
        modelPath: 'fraud-text/1.0.0/',
        minReplicas: 1,
        maxReplicas: 2,
        cpu: 4,
        memoryMiB: 16384,
        gpu: { count: 1 },
      }),
    ],
  },
  lake: {
    lifecycle: {
      raw: { infrequentAccessAfterDays: 30, archiveAfterDays: 90, expireAfterDays: 365, noncurrentVersionExpirationDays: 30 },
      curated: { infrequentAccessAfterDays: 60, archiveAfterDays: 180, expireAfterDays: 0, noncurrentVersionExpirationDays: 30 },
      features: { infrequentAccessAfterDays: 60, archiveAfterDays: 0, expireAfterDays: 0, noncurrentVersionExpirationDays: 30 },
      models: { infrequentAccessAfterDays: 90, archiveAfterDays: 0, expireAfterDays: 0, noncurrentVersionExpirationDays: 90 },
    },
    encryptCatalog: true,
  },
  streaming: {
    mode: 'provisioned',
    kafkaVersion: '3.8.x',
    brokerInstanceType: 'kafka.m7g.large',
    brokerCount: 3,
    volumeSizeGiB: 500,
    monitoring: 'PER_BROKER',
    logRetentionHours: 168,
  },
  spark: {
    releaseLabel: 'emr-7.9.0',
    architecture: 'ARM64',
    worker: { cpu: 4, memoryGiB: 16, diskGiB: 20 },
    initialDrivers: 0,
    initialExecutors: 0,
    maximumCapacity: { cpu: 128, memoryGiB: 512, diskGiB: 2000 },
    idleTimeoutMinutes: 15,
    consumeTopicPattern: 'events.*',
    consumerGroupPattern: 'spark-*',
  },
  tags: { costCenter: 'ml-platform-staging', owner: 'ml-platform-team' },
  cluster: {
    kubernetesVersion: '1.34',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    adminRoleArns: [adminRole('staging')],
    allowSpotTraining: false,
    nodeGroups: [
      {
        name: 'system',
        gpu: false,
        workload: 'system',
        instanceTypes: ['m7i.xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 3,
        desiredSize: 3,
        maxSize: 6,
        diskSizeGiB: 50,
      },
      {
        name: 'gpu-g6e',
        gpu: true,
        workload: 'training',
        instanceTypes: ['g6e.12xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
        diskSizeGiB: 500,
      },
      {
        name: 'gpu-inference',
        gpu: true,
        workload: 'inference',
        instanceTypes: ['g6.2xlarge', 'g5.2xlarge'],
        capacityType: 'SPOT',
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
        diskSizeGiB: 200,
      },
    ],
    teams: [
      team('credit-risk', { cpu: 64, memoryGiB: 256, gpus: 8 }, ['curated/credit/']),
      team('fraud', { cpu: 64, memoryGiB: 256, gpus: 4 }, ['curated/transactions/']),
    ],
  },
  featureStore: {
    engine: 'valkey',
    nodeType: 'cache.r7g.large',
    shards: 2,
    replicasPerShard: 1,
    multiAz: true,
    snapshotRetentionDays: 15,
    featureGroups: FEATURE_GROUPS,
  },
};

const prod: EnvironmentConfig = {
  name: 'prod',
  ...ACCOUNTS.prod,
  availabilityZones: ['a', 'b', 'c'].map((s) => `${ACCOUNTS.prod.region}${s}`),
  retainStatefulResources: true,
  terminationProtection: true,
  network: { vpcCidr: '10.30.0.0/16', natGateways: 3, privateSubnetMask: 19 },
  logging: { retentionDays: 365 },
  audit: { transitionToGlacierDays: 90, expirationDays: 2557 },
  serving: {
    models: MODELS,
    mlflow: { size: 'Medium', weeklyMaintenanceWindowStart: 'Sun:02:00' },
    endpoints: [
      creditRiskEndpoint('prod', {
        instanceType: 'ml.c5.2xlarge',
        initialInstanceCount: 3,
        minInstances: 3,
        maxInstances: 12,
        dataCaptureSamplingPercent: 20,
        rollout: { guardrails: true, canaryPercent: 10, canaryWaitMinutes: 15, terminationWaitMinutes: 15 },
        monitoring: { schedule: 'hourly', instanceType: 'ml.m5.xlarge', driftFeatures: CREDIT_RISK_FEATURES, driftThreshold: 0.1 },
      }),
    ],
    modelServers: [
      modelServer('prod', {
        name: 'credit-risk-server',
        team: 'credit-risk',
        modelPath: 'credit-risk/1.0.0/',
        minReplicas: 3,
        maxReplicas: 12,
        cpu: 2,
        memoryMiB: 4096,
      }),
      modelServer('prod', {
        name: 'fraud-text-server',
        team: 'fraud',
        modelPath: 'fraud-text/1.0.0/',
        minReplicas: 2,
        maxReplicas: 4,
        cpu: 4,
        memoryMiB: 16384,
        gpu: { count: 1 },
      }),
    ],
  },
  lake: {
    // Raw events are kept 7 years (credit decisions must be reproducible), archived after 6 months.
    lifecycle: {
      raw: { infrequentAccessAfterDays: 30, archiveAfterDays: 180, expireAfterDays: 2557, noncurrentVersionExpirationDays: 90 },
      curated: { infrequentAccessAfterDays: 90, archiveAfterDays: 365, expireAfterDays: 0, noncurrentVersionExpirationDays: 90 },
      features: { infrequentAccessAfterDays: 90, archiveAfterDays: 0, expireAfterDays: 0, noncurrentVersionExpirationDays: 90 },
      models: { infrequentAccessAfterDays: 180, archiveAfterDays: 0, expireAfterDays: 0, noncurrentVersionExpirationDays: 365 },
    },
    encryptCatalog: true,
  },
  streaming: {
    mode: 'provisioned',
    kafkaVersion: '3.8.x',
    brokerInstanceType: 'kafka.m7g.large',
    brokerCount: 6,
    volumeSizeGiB: 1000,
    monitoring: 'PER_TOPIC_PER_BROKER',
    logRetentionHours: 168,
  },
  spark: {
    releaseLabel: 'emr-7.9.0',
    architecture: 'ARM64',
    worker: { cpu: 4, memoryGiB: 16, diskGiB: 20 },
    initialDrivers: 1,
    initialExecutors: 4,
    maximumCapacity: { cpu: 400, memoryGiB: 1600, diskGiB: 8000 },
    idleTimeoutMinutes: 15,
    consumeTopicPattern: 'events.*',
    consumerGroupPattern: 'spark-*',
  },
  tags: { costCenter: 'ml-platform-prod', owner: 'ml-platform-team' },
  cluster: {
    kubernetesVersion: '1.34',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    adminRoleArns: [adminRole('prod')],
    allowSpotTraining: false,
    nodeGroups: [
      {
        name: 'system',
        gpu: false,
        workload: 'system',
        instanceTypes: ['m7i.2xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 3,
        desiredSize: 3,
        maxSize: 9,
        diskSizeGiB: 100,
      },
      {
        name: 'gpu-p5',
        gpu: true,
        workload: 'training',
        instanceTypes: ['p5.48xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
        diskSizeGiB: 1000,
      },
      {
        name: 'gpu-inference',
        gpu: true,
        workload: 'inference',
        instanceTypes: ['g6.4xlarge', 'g6e.4xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 2,
        desiredSize: 2,
        maxSize: 8,
        diskSizeGiB: 200,
      },
    ],
    teams: [
      team('credit-risk', { cpu: 256, memoryGiB: 2048, gpus: 32 }, ['curated/credit/']),
      team('fraud', { cpu: 128, memoryGiB: 1024, gpus: 16 }, ['curated/transactions/']),
    ],
  },
  featureStore: {
    engine: 'valkey',
    nodeType: 'cache.r7g.xlarge',
    shards: 3,
    replicasPerShard: 2,
    multiAz: true,
    snapshotRetentionDays: 15,
    featureGroups: FEATURE_GROUPS,
  },
};

/** Every environment's configuration, by name. Validated as a whole by `validate()`. */
export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentConfig> = { dev, staging, prod };
