import type { AirflowEnvironmentClass, ModelTier } from '../../constructs/lifecycle';
import { ACCOUNTS } from '../config/accounts';
import type { EnvironmentName } from '../config/types';

/** How a model is trained: a SageMaker training job, or a distributed Kubeflow TrainJob on the EKS cluster. */
export interface SageMakerTrainerConfig {
  readonly kind: 'sagemaker';
  /** Training image: an ECR URI in the environment's account and region. */
  readonly imageUri: string;
  /** `ml.*` instance type. */
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly volumeSizeGb: number;
  /** Longest a training job may run, 1 to 72 hours. */
  readonly maxRuntimeHours: number;
  /** Recorded with every version (JSON at most 256 characters). */
  readonly hyperparameters: Readonly<Record<string, string>>;
}

/**
 * A Kubeflow Trainer TrainJob of the platform's distributed PyTorch ClusterTrainingRuntime in the
 * team's namespace, queued through the team's Kueue LocalQueue (gang admission: all nodes or none).
 */
export interface EksTrainerConfig {
  readonly kind: 'eksTrainJob';
  /** The team (of `cluster.teams`) whose namespace, queue and workload role run the job. */
  readonly team: string;
  /**
   * Training image: the environment's ECR, tagged (`<repo>:<tag>`, optionally `@sha256:<digest>`);
   * the tag names the serving image's tag too.
   */
  readonly imageUri: string;
  /** Nodes (pods) of the job, 1 to 64. */
  readonly numNodes: number;
  /** GPUs per node, 1 to the GPUs of the largest instance of the team's GPU training pools. */
  readonly gpusPerNode: number;
  /** CPU cores and memory (GiB) each node requests. */
  readonly nodeSize: { readonly cpu: number; readonly memoryGiB: number };
  /** Run on the EFA runtime (`cluster.efaTraining`: EFA interfaces, placement group, training file system). */
  readonly efa: boolean;
  /** Longest the job may take, queueing included, 1 to 10 hours; then it is deleted and the run fails. */
  readonly maxRuntimeHours: number;
  /** Recorded with every version (JSON at most 256 characters); the job reads them as HYPERPARAMETERS. */
  readonly hyperparameters: Readonly<Record<string, string>>;
}

/** The evaluation gate (holdout metrics, comparison with the production version). */
export interface LifecycleThresholdsConfig {
  /** Lowest holdout AUC, 0.5 to 1. */
  readonly minAuc: number;
  /** Lowest holdout Kolmogorov-Smirnov statistic, 0 to 1. */
  readonly minKs: number;
  /** Largest AUC drop below production that is tolerated, 0 to 0.5. */
  readonly maxAucDropVsProduction: number;
}

/** The bias gate: adverse impact ratio of the model's decisions on a declared attribute. */
export interface LifecycleBiasConfig {
  /** The attribute column of the holdout set. */
  readonly attribute: string;
  /** Its values forming the group whose outcomes are compared. */
  readonly disadvantagedValues: readonly string[];
  /** Lowest adverse impact ratio, 0.5 to 1 (0.8: the four-fifths rule). */
  readonly minAdverseImpactRatio: number;
}

/** The training declaration of one model of `serving.models`. */
export interface LifecycleModelConfig {
  /** A `serving.models` name. */
  readonly model: string;
  /** Risk tier: tier-1 versions never skip human approval. */
  readonly tier: ModelTier;
  readonly trainer: SageMakerTrainerConfig | EksTrainerConfig;
  /** The feature view (`features.views`) whose point-in-time training sets the model trains on. */
  readonly trainingSetView: string;
  /** The label column (1 = the positive class) of the training set. */
  readonly labelColumn: string;
  readonly thresholds: LifecycleThresholdsConfig;
  readonly bias: LifecycleBiasConfig;
  /** At most one drift-triggered retraining per this many hours, 1 to 720. */
  readonly retrainMinIntervalHours: number;
}

/** Amazon MWAA for team workflows, or off. */
export type LifecycleAirflowConfig =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly environmentClass: AirflowEnvironmentClass; readonly maxWorkers: number };

/** Where approved versions go next: the next environment, whose account receives the promotion event. */
export interface LifecyclePromotionConfig {
  /** The next environment (dev → staging → prod), or none for the last. */
  readonly next?: EnvironmentName;
  /**
   * How a version promoted INTO this environment is registered: `Approved` (the approval given in
   * the previous environment carries over; the endpoint is rolled at once) or
   * `PendingManualApproval` (a second human approval here rolls it out).
   */
  readonly importAs: 'Approved' | 'PendingManualApproval';
}

export interface LifecycleConfig {
  /** Training declarations, one per trained model of `serving.models`. */
  readonly models: readonly LifecycleModelConfig[];
  /**
   * Who may assume the approver role (the model-risk reviewers): an IAM role ARN in this account,
   * e.g. the IAM Identity Center permission-set role.
   */
  readonly approverPrincipalArn: string;
  readonly promotion: LifecyclePromotionConfig;
  readonly airflow: LifecycleAirflowConfig;
}

/**
 * Accounts of the SageMaker Clarify processing image per region (the SageMaker Python SDK's
 * `image_uri_config/clarify.json`); repository `sagemaker-clarify-processing:1.0`.
 */
export const CLARIFY_IMAGE_ACCOUNTS: Readonly<Record<string, string>> = {
  'eu-west-1': '141502667606',
  'eu-central-1': '017069133835',
  'us-east-1': '205585389593',
  'us-west-2': '306415355426',
};

/** The feature view every example model trains on (lib/features/views.ts). */
const VIEW = 'applicant_txn_aggregates';

/**
 * The fraud model's GPU trainer where the cluster has GPU training capacity for it: staging 2 × 2
 * GPUs on g6e; prod 2 × 8 H100 (p5.48xlarge) on the EFA runtime. Dev trains on SageMaker.
 */
const FRAUD_GPU_TRAINER: Readonly<
  Partial<Record<EnvironmentName, Omit<EksTrainerConfig, 'kind' | 'team' | 'imageUri' | 'hyperparameters'>>>
> = {
  staging: { numNodes: 2, gpusPerNode: 2, nodeSize: { cpu: 16, memoryGiB: 96 }, efa: false, maxRuntimeHours: 6 },
  prod: { numNodes: 2, gpusPerNode: 8, nodeSize: { cpu: 176, memoryGiB: 1800 }, efa: true, maxRuntimeHours: 8 },
};

function models(env: EnvironmentName, instanceType: string): LifecycleModelConfig[] {
  const { account, region } = ACCOUNTS[env];
  const image = (repo: string) => `${account}.dkr.ecr.${region}.amazonaws.com/${env}/${repo}:1.0.0`;
  return [
    {
      model: 'credit-risk',
      tier: 1,
      trainer: {
        kind: 'sagemaker',
        imageUri: image('credit-risk-train'),
        instanceType,
        instanceCount: 1,
        volumeSizeGb: 50,
        maxRuntimeHours: 4,
        hyperparameters: { max_depth: '6', eta: '0.1', num_round: '300' },
      },
      trainingSetView: VIEW,
      labelColumn: 'defaulted',
      thresholds: { minAuc: 0.72, minKs: 0.3, maxAucDropVsProduction: 0.01 },
      bias: { attribute: 'age_band', disadvantagedValues: ['18-25'], minAdverseImpactRatio: 0.8 },
      retrainMinIntervalHours: 24,
    },
    {
      model: 'fraud',
      tier: 2,
      trainer: FRAUD_GPU_TRAINER[env]
        ? {
            kind: 'eksTrainJob',
            team: 'fraud',
            imageUri: image('fraud-train-gpu'),
            ...FRAUD_GPU_TRAINER[env]!,
            hyperparameters: { epochs: '20', batch_size: '4096', lr: '0.001' },
          }
        : {
            kind: 'sagemaker',
            imageUri: image('fraud-train'),
            instanceType,
            instanceCount: 1,
            volumeSizeGb: 50,
            maxRuntimeHours: 2,
            hyperparameters: { max_depth: '8', eta: '0.2', num_round: '200' },
          },
      trainingSetView: VIEW,
      labelColumn: 'fraudulent',
      thresholds: { minAuc: 0.8, minKs: 0.4, maxAucDropVsProduction: 0.02 },
      bias: { attribute: 'age_band', disadvantagedValues: ['18-25'], minAdverseImpactRatio: 0.8 },
      retrainMinIntervalHours: 12,
    },
  ];
}

const reviewers = (env: EnvironmentName) => `arn:aws:iam::${ACCOUNTS[env].account}:role/${env}-model-risk-reviewers`;

/** Training, approval, promotion and Airflow of each environment. */
export const LIFECYCLE: Readonly<Record<EnvironmentName, LifecycleConfig>> = {
  dev: {
    models: models('dev', 'ml.m5.xlarge'),
    approverPrincipalArn: reviewers('dev'),
    promotion: { next: 'staging', importAs: 'PendingManualApproval' },
    // MWAA bills ~$0.49/hour while it exists: off in dev (budget $500/month idle, issue 17).
    airflow: { enabled: false },
  },
  staging: {
    models: models('staging', 'ml.m5.xlarge'),
    approverPrincipalArn: reviewers('staging'),
    // The dev approval carries over: staging rolls the version out at once (blue/green, guardrails).
    promotion: { next: 'prod', importAs: 'Approved' },
    airflow: { enabled: true, environmentClass: 'mw1.small', maxWorkers: 2 },
  },
  prod: {
    models: models('prod', 'ml.m5.2xlarge'),
    approverPrincipalArn: reviewers('prod'),
    // The second approval: a prod reviewer approves the version registered from staging.
    promotion: { importAs: 'PendingManualApproval' },
    airflow: { enabled: true, environmentClass: 'mw1.medium', maxWorkers: 5 },
  },
};
