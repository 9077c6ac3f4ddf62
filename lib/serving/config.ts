import type { ServerlessCapacity } from '../../constructs/serving';
import type { ModelServerCaller } from '../../k8s/charts/model-serving';
import { ACCOUNTS } from '../config/accounts';
import type { EnvironmentName } from '../config/types';

/** A model the platform registers: one SageMaker model package group `<env>-<name>`. */
export interface ServingModelConfig {
  /** SageMaker name: letters, digits and hyphens, starting and ending with a letter or digit. */
  readonly name: string;
  /** What the model decides; shown in the registry. */
  readonly description: string;
}

/**
 * SageMaker managed MLflow of the environment: the serverless MLflow app (no charge while idle) or
 * a tracking server (billed per hour by size, always on).
 */
export interface MlflowConfig {
  /** `app`: AWS::SageMaker::MlflowApp (serverless); `trackingServer`: AWS::SageMaker::MlflowTrackingServer. */
  readonly kind: 'app' | 'trackingServer';
  /** Tracking server size: Small (up to 25 users), Medium (50) or Large (100); ignored by the app. */
  readonly size: 'Small' | 'Medium' | 'Large';
  /** Weekly maintenance window start, UTC, `Ddd:HH:MM` (e.g. `Sun:02:00`). */
  readonly weeklyMaintenanceWindowStart: string;
}

/** Serverless capacity (dev only): the ModelEndpoint construct's; no instances, autoscaling, VPC or data capture. */
export type ServingServerlessConfig = ServerlessCapacity;

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

/**
 * One SageMaker real-time endpoint `<env>-<name>`, as a spec: CloudFormation creates what surrounds
 * it (role, security group, log group, alarms, the SSM spec `/mlp/<env>/endpoints/<name>/spec`) in
 * its model's stack; `mlp endpoints rollout` creates the endpoint itself from the model's approved
 * versions (images in the model's ECR repository, artifacts under `<model>/` in the models bucket).
 */
export interface ServingEndpointConfig {
  /** Endpoint name suffix: the endpoint is `<env>-<name>` (the model-ops CLI uses that name). */
  readonly name: string;
  /** The registered model (a `serving.models` name) the endpoint serves. */
  readonly model: string;
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

/** A workload allowed to call a Kubernetes model server (the ModelServingChart's caller). */
export type ModelServerCallerConfig = ModelServerCaller;

/** A model server on the EKS cluster (k8s/charts/model-serving.ts), in its team's namespace. */
export interface ModelServerConfig {
  /** Deployment/Service/ServiceAccount name (a DNS-1035 label, unique in the environment). */
  readonly name: string;
  /** Owning team (one of `cluster.teams`): the namespace, quota and labels. */
  readonly team: string;
  /** Model-server image: an ECR URI in the environment's region, tagged or by digest. */
  readonly image: string;
  /**
   * HTTP port the server listens on (1024 to 65535: it runs non-root without capabilities).
   * @default - the ModelServingChart's default (8080)
   */
  readonly port?: number;
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

/** Models every environment registers (one model package group each). */
const MODELS: readonly ServingModelConfig[] = [
  { name: 'credit-risk', description: 'Probability of default of a consumer loan application, scored in real time' },
  { name: 'fraud', description: 'Likelihood that a loan application is fraudulent' },
];

/**
 * The example endpoint: credit-risk scoring. Nothing serves until `mlp endpoints rollout` rolls the
 * first approved version of the registry onto the endpoint `<env>-credit-risk` (it creates it).
 */
function creditRiskEndpoint(
  sizing: Pick<
    ServingEndpointConfig,
    'instanceType' | 'initialInstanceCount' | 'minInstances' | 'maxInstances' | 'dataCaptureSamplingPercent' | 'rollout' | 'monitoring'
  >,
): ServingEndpointConfig {
  return {
    name: 'credit-risk',
    model: 'credit-risk',
    targetInvocationsPerInstance: 300,
    alarms: { latencyP99Ms: 250, errors5xxPerMinute: 5 },
    ...sizing,
  };
}

/** Who calls the example model servers: the loan-origination scoring API. */
const SCORING_API = { namespace: 'loan-origination', podLabels: { 'app.kubernetes.io/name': 'scoring-api' } } as const;

/**
 * A model server on the EKS cluster, image in the environment's own ECR, on the chart's default
 * port; the artifact is the model version's prefix in the lake's models bucket.
 */
function modelServer(
  env: EnvironmentName,
  server: Pick<ModelServerConfig, 'name' | 'team' | 'modelPath' | 'minReplicas' | 'maxReplicas' | 'cpu' | 'memoryMiB' | 'gpu'>,
): ModelServerConfig {
  const { account, region } = ACCOUNTS[env];
  return {
    image: `${account}.dkr.ecr.${region}.amazonaws.com/${server.name}:1.0.0`,
    targetCpuPercent: 70,
    callers: [SCORING_API],
    ...server,
  };
}

const CREDIT_RISK_FEATURES = ['annual_income', 'loan_amount', 'debt_to_income', 'credit_history_months', 'open_accounts'];

/** Registry, MLflow, endpoints and model servers of each environment. */
export const SERVING: Readonly<Record<EnvironmentName, ServingConfig>> = {
  dev: {
    models: MODELS,
    // Serverless MLflow: nothing billed while idle (dev's budget, issue 17).
    mlflow: { kind: 'app', size: 'Small', weeklyMaintenanceWindowStart: 'Sun:02:00' },
    endpoints: [
      creditRiskEndpoint({
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
  staging: {
    models: MODELS,
    mlflow: { kind: 'trackingServer', size: 'Small', weeklyMaintenanceWindowStart: 'Sun:02:00' },
    endpoints: [
      creditRiskEndpoint({
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
  prod: {
    models: MODELS,
    mlflow: { kind: 'trackingServer', size: 'Medium', weeklyMaintenanceWindowStart: 'Sun:02:00' },
    endpoints: [
      creditRiskEndpoint({
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
};
