import * as path from 'node:path';
import { ArnFormat, Duration, type RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { TrainJobSpecTrainerResourcesPerNodeLimits as Qty, TrainJob } from '../../k8s/imports/trainer.kubeflow.org';
import { auditedStateMachine, executionLog } from './private/audited-state-machine';
import {
  assertPattern,
  assertRange,
  COLUMN,
  COLUMN_ALLOWED,
  KEY_PREFIX,
  KEY_PREFIX_ALLOWED,
  MODEL_NAME,
  MODEL_NAME_ALLOWED,
} from './private/checks';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards, BUCKET_ARN, GRANT_WILDCARDS } from './private/nag';
import { grantPrefix } from './private/s3-access';

/** Risk tier of a model (model-risk management): tier 1 is the most material (e.g. credit decisions). */
export type ModelTier = 1 | 2 | 3;

/** How the candidate is trained: a SageMaker training job. */
export interface TrainingJobOptions {
  /** The training container image (ECR URI). */
  readonly imageUri: string;
  /**
   * Instance type.
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;
  /**
   * Number of instances.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Size of each instance's (KMS-encrypted) volume.
   * @default 50
   */
  readonly volumeSizeGb?: number;
  /**
   * Longest a training job may run.
   * @default Duration.hours(4)
   */
  readonly maxRuntime?: Duration;
  /**
   * Hyperparameters, recorded in the model package and its model card (their JSON must fit 256 characters).
   * @default {}
   */
  readonly hyperparameters?: Record<string, string>;
}

/** How the candidate is trained on EKS: a Kubeflow Trainer v2 TrainJob (trainer.kubeflow.org/v1alpha1) in a team's namespace. */
export interface EksTrainJobOptions {
  /** The cluster (name, endpoint, certificate authority; a kubectl provider to apply the namespace's Role). */
  readonly cluster: eks.ICluster;
  /** The team namespace the TrainJob runs in: the only namespace the pipeline may reach. */
  readonly namespace: string;
  /** The ClusterTrainingRuntime the TrainJob references (the platform's distributed PyTorch runtime). */
  readonly runtimeName: string;
  /** Training image, pinned by digest or from the platform's ECR. */
  readonly imageUri: string;
  /** Nodes (pods) of the job. */
  readonly numNodes: number;
  /** GPUs per node. */
  readonly gpusPerNode: number;
  /**
   * CPU cores and memory (GiB) per node.
   * @default { cpu: 8, memoryGiB: 32 }
   */
  readonly nodeSize?: { readonly cpu: number; readonly memoryGiB: number };
  /**
   * EFA interfaces each node requests (with the EFA runtime; p5.48xlarge: 32).
   * @default - none (NCCL over TCP)
   */
  readonly efaInterfacesPerNode?: number;
  /** The team's Kueue LocalQueue (label `kueue.x-k8s.io/queue-name`): all nodes are admitted together, within the team's quota. */
  readonly queueName: string;
  /**
   * Kueue WorkloadPriorityClass of the job.
   * @default - Kueue's default priority
   */
  readonly priorityClass?: string;
  /**
   * Service account the node pods run as (patched into the runtime's pod template).
   * @default - the runtime's
   */
  readonly serviceAccountName?: string;
  /**
   * The IAM role of that service account (EKS Pod Identity): granted reading this model's training
   * sets and writing the run's model directory, nothing else.
   * @default - no grant (the role must already reach both)
   */
  readonly workloadRole?: iam.IRole;
  /**
   * Command of each node (torchrun is started by the runtime's Torch policy). The job reads
   * TRAINING_SET_URI (the `train/` channel) and writes `model.tar.gz` to MODEL_OUTPUT_URI.
   * @default ['python', '/workspace/train.py']
   */
  readonly command?: readonly string[];
  /**
   * Hyperparameters (env HYPERPARAMETERS as JSON), recorded like the SageMaker trainer's.
   * @default {}
   */
  readonly hyperparameters?: Record<string, string>;
  /**
   * Longest the TrainJob may take, queueing included; then it is deleted and the run fails.
   * @default Duration.hours(8)
   */
  readonly maxRuntime?: Duration;
  /**
   * Time between status polls.
   * @default Duration.minutes(5)
   */
  readonly pollInterval?: Duration;
}

/** Kueue's label naming a workload's LocalQueue. */
const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
/** Kueue's label naming a workload's WorkloadPriorityClass. */
const KUEUE_PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';
/** The replicated job (and container) Kubeflow Trainer's Torch plugin configures. */
const TRAINER_NODE = 'node';

/** The evaluation gate: holdout metrics of the candidate and the comparison with production. */
export interface EvaluationGateOptions {
  /** Lowest holdout AUC a candidate may have (0.5 to 1). */
  readonly minAuc: number;
  /** Lowest holdout Kolmogorov-Smirnov statistic a candidate may have (0 to 1). */
  readonly minKs: number;
  /**
   * Largest AUC drop below the current production version (the newest Approved package) that is tolerated.
   * @default 0 - a candidate must be at least as good as production
   */
  readonly maxAucDropVsProduction?: number;
  /** Name of the label column (1 = bad / positive class) in the holdout CSV. */
  readonly labelColumn: string;
  /**
   * Score above which the model decides "positive": the predicted label the bias check uses.
   * @default 0.5
   */
  readonly decisionThreshold?: number;
  /**
   * Image of the evaluation job: Python 3 with the model's own `model_scoring` module (see
   * jobs/lifecycle/README.md), plus `mlflow` and `sagemaker-mlflow` if an MLflow server is given.
   * @default - the training image
   */
  readonly imageUri?: string;
  /**
   * Instance type of the evaluation job.
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;
}

/** The bias gate: adverse impact ratio of the model's decisions on a declared attribute (SageMaker Clarify). */
export interface BiasGateOptions {
  /** The SageMaker Clarify processing image of the region (`sagemaker.image_uris.retrieve('clarify', region)`). */
  readonly clarifyImageUri: string;
  /** The declared (protected or proxy) attribute column in the holdout set. */
  readonly attribute: string;
  /** Values of the attribute that form the group whose outcome is compared (Clarify's facet values). */
  readonly disadvantagedValues: readonly (string | number)[];
  /**
   * The label value that counts as the favourable outcome for the applicant.
   * @default 0 - the model predicts default (1); approval is the favourable outcome
   */
  readonly favourableLabel?: number;
  /**
   * Lowest adverse impact ratio (Clarify's disparate impact, DI) a candidate may have.
   * @default 0.8 - the four-fifths rule
   */
  readonly minAdverseImpactRatio?: number;
  /**
   * Instance type of the Clarify job.
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;
}

/** The Model Monitor baselining step. */
export interface MonitorBaselineOptions {
  /** The region's `sagemaker-model-monitor-analyzer` image. */
  readonly analyzerImageUri: string;
  /**
   * Instance type of the baselining job.
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;
}

export interface TrainingPipelineProps {
  /** The model (also the prefix of its job names): 1 to 20 lower-case letters, digits, hyphens. */
  readonly modelName: string;
  /**
   * What the model does (model card, package description).
   * @default - the model name
   */
  readonly description?: string;
  /**
   * Risk tier; recorded on every version. Every version waits for human approval whatever the tier.
   * @default 1
   */
  readonly tier?: ModelTier;
  /**
   * Physical name of the state machine (so that others, e.g. MWAA in another stack, can start it by name).
   * @default - generated
   */
  readonly stateMachineName?: string;
  /** The model package group the pipeline registers into (`<env>-<model>` of the ModelRegistry). */
  readonly modelPackageGroupName: string;
  /** Bucket of the point-in-time training sets (the features zone). */
  readonly trainingSetBucket: s3.IBucket;
  /**
   * Prefix under which this model's training sets live; an execution's `trainingSetUri` must be
   * `s3://<bucket>/<prefix><version>/` with `train/` and `holdout/` below it.
   * @default 'training-sets/<modelName>/'
   */
  readonly trainingSetPrefix?: string;
  /** Bucket of model artifacts, evaluation reports and bias reports. */
  readonly artifactBucket: s3.IBucket;
  /**
   * Prefix of this model's pipeline runs in the artifact bucket.
   * @default 'pipelines/<modelName>/'
   */
  readonly artifactPrefix?: string;
  /** Key of job volumes, job outputs, the state machine and its logs. */
  readonly encryptionKey: kms.IKey;
  /**
   * Key of the execution log, when it is not `encryptionKey`: a key whose policy already lets
   * CloudWatch Logs use it for log groups (the platform's logs key). Without it, `encryptionKey`
   * encrypts the log too and gets a key-policy statement for CloudWatch Logs.
   * @default - encryptionKey
   */
  readonly logEncryptionKey?: kms.IKey;
  /** Network of the jobs (private subnets; training runs with network isolation). */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the jobs.
   * @default - the VPC's private subnets with egress
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * Training as a SageMaker training job.
   * @default - none; exactly one of `training` and `eksTraining` is required
   */
  readonly training?: TrainingJobOptions;
  /**
   * Training as a distributed Kubeflow Trainer TrainJob on the EKS cluster (GPU models).
   * @default - none; exactly one of `training` and `eksTraining` is required
   */
  readonly eksTraining?: EksTrainJobOptions;
  readonly evaluation: EvaluationGateOptions;
  readonly bias: BiasGateOptions;
  /** Serving image of the registered model package. */
  readonly inferenceImageUri: string;
  /**
   * ARN of the SageMaker managed MLflow tracking server the evaluation job logs the run to.
   * @default - no MLflow logging
   */
  readonly mlflowTrackingServerArn?: string;
  /**
   * Baselining of the model's data-quality monitor: after both gates, a Model Monitor analyzer job
   * over the training channel (`train/`, CSV with a header) writes `statistics.json` and
   * `constraints.json` under the run (`<artifactPrefix>runs/<id>/baseline/`); the version records it
   * (`DriftCheckBaselines`, metadata `baselineKey`) and the rollout copies it to the endpoint's schedule.
   * @default - no baseline
   */
  readonly baseline?: MonitorBaselineOptions;
  /**
   * Retention of the state machine's execution log.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the execution log when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A string as a literal inside a regular expression. */
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where the evaluation job's script is shipped from. */
const JOBS_DIR = path.join(__dirname, '..', '..', 'jobs', 'lifecycle');
const CODE_DIR = '/opt/ml/processing/input/code';

/** Names of the states a test or an operator may look for (a failed gate ends in one of the Fail states). */
export const TRAINING_PIPELINE_STATES = {
  train: 'Train',
  evaluate: 'Evaluate',
  readEvaluation: 'ReadEvaluation',
  writeBiasConfig: 'WriteBiasConfig',
  checkBias: 'CheckBias',
  readBias: 'ReadBias',
  baseline: 'BaselineMonitor',
  findProduction: 'FindProductionVersion',
  describeProduction: 'DescribeProductionVersion',
  register: 'RegisterModelPackage',
  invalidInput: 'InvalidInput',
  trainingFailed: 'TrainingFailed',
  evaluationFailed: 'EvaluationFailed',
  biasFailed: 'BiasCheckFailed',
  jobFailed: 'PipelineStepFailed',
  registrationFailed: 'RegistrationFailed',
} as const;

/** States of the EKS trainer (`eksTraining`), in place of `Train`. */
export const EKS_TRAINER_STATES = {
  name: 'TrainJobName',
  create: 'CreateTrainJob',
  wait: 'WaitForTrainJob',
  get: 'GetTrainJob',
  status: 'TrainJobStatus',
  done: 'TrainJobDone',
  trained: 'TrainedOnEks',
  failed: 'TrainJobFailed',
  stop: 'StopTrainJob',
  timedOut: 'TrainJobTimedOut',
} as const;

/**
 * One model's training pipeline, a Step Functions state machine:
 *
 * validate input → train (SageMaker training job, or with `eksTraining` a Kubeflow TrainJob on EKS
 * created and polled through `eks:call`) → find the production version → evaluate
 * (processing job: holdout AUC/KS, comparison with production, MLflow logging) → evaluation gate →
 * bias check (SageMaker Clarify: adverse impact ratio on the declared attribute) → bias gate →
 * register a model package as PendingManualApproval with metrics, lineage and a model card.
 *
 * A failing step or gate ends the execution in a Fail state whose Error names the gate and whose
 * Cause holds the measured values; nothing is registered. Execution input:
 * `{ "trainingSetUri": "s3://…/<version>/", "trainingSetVersion": "…", "codeVersion": "<git sha>" }`.
 *
 * @example
 * declare const features: s3.IBucket;
 * new TrainingPipeline(this, 'CreditRisk', {
 *   modelName: 'credit-risk',
 *   modelPackageGroupName: 'prod-credit-risk',
 *   tier: 1,
 *   trainingSetBucket: features,
 *   artifactBucket: models,
 *   encryptionKey,
 *   vpc,
 *   training: { imageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/credit-risk-train:1.4.0' },
 *   evaluation: { minAuc: 0.75, minKs: 0.3, labelColumn: 'defaulted' },
 *   bias: { clarifyImageUri: imageUri, attribute: 'age_band', disadvantagedValues: ['18-25'] },
 *   inferenceImageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/credit-risk-inference:1.4.0',
 * });
 */
export class TrainingPipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The role of the training, evaluation and Clarify jobs. */
  readonly jobRole: iam.Role;
  /** Security group of the jobs (egress only). */
  readonly jobSecurityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const C = 'TrainingPipeline';
    const model = props.modelName;
    assertPattern(C, 'modelName', model, MODEL_NAME, MODEL_NAME_ALLOWED);
    const tier = props.tier ?? 1;
    if (![1, 2, 3].includes(tier)) throw new Error(`${C} tier of '${model}' must be 1, 2 or 3, got ${tier}`);
    const trainingSetPrefix = props.trainingSetPrefix ?? `training-sets/${model}/`;
    const artifactPrefix = props.artifactPrefix ?? `pipelines/${model}/`;
    assertPattern(C, 'trainingSetPrefix', trainingSetPrefix, KEY_PREFIX, KEY_PREFIX_ALLOWED);
    assertPattern(C, 'artifactPrefix', artifactPrefix, KEY_PREFIX, KEY_PREFIX_ALLOWED);
    const ev = props.evaluation;
    assertRange(C, 'evaluation.minAuc', ev.minAuc, 0.5, 1);
    assertRange(C, 'evaluation.minKs', ev.minKs, 0, 1);
    const maxDrop = ev.maxAucDropVsProduction ?? 0;
    assertRange(C, 'evaluation.maxAucDropVsProduction', maxDrop, 0, 0.5);
    const threshold = ev.decisionThreshold ?? 0.5;
    assertRange(C, 'evaluation.decisionThreshold', threshold, 0, 1);
    assertPattern(C, 'evaluation.labelColumn', ev.labelColumn, COLUMN, COLUMN_ALLOWED);
    const bias = props.bias;
    assertPattern(C, 'bias.attribute', bias.attribute, COLUMN, COLUMN_ALLOWED);
    if (bias.disadvantagedValues.length === 0)
      throw new Error(`${C} bias.disadvantagedValues of '${model}' must list at least one value, got none`);
    const minAir = bias.minAdverseImpactRatio ?? 0.8;
    assertRange(C, 'bias.minAdverseImpactRatio', minAir, 0.5, 1);
    const favourable = bias.favourableLabel ?? 0;
    if ((props.training === undefined) === (props.eksTraining === undefined))
      throw new Error(`${C} of '${model}' needs exactly one trainer: training (SageMaker) or eksTraining (TrainJob on EKS)`);
    const tr = props.training ?? { imageUri: '' };
    const instanceType = (field: string, value: string) =>
      assertPattern(C, field, value, /^ml\.[a-z0-9-]+\.[a-z0-9]+$/, "a SageMaker instance type 'ml.<family>.<size>'");
    const trainingInstance = tr.instanceType ?? 'ml.m5.xlarge';
    instanceType('training.instanceType', trainingInstance);
    const evalInstance = ev.instanceType ?? 'ml.m5.large';
    instanceType('evaluation.instanceType', evalInstance);
    const biasInstance = bias.instanceType ?? 'ml.m5.large';
    instanceType('bias.instanceType', biasInstance);
    const instanceCount = tr.instanceCount ?? 1;
    assertRange(C, 'training.instanceCount', instanceCount, 1, 100);
    const volumeSizeGb = tr.volumeSizeGb ?? 50;
    assertRange(C, 'training.volumeSizeGb', volumeSizeGb, 1, 16384);
    const hyperparameters = tr.hyperparameters ?? props.eksTraining?.hyperparameters ?? {};
    const hyperparametersJson = JSON.stringify(hyperparameters);
    if (hyperparametersJson.length > 256) {
      throw new Error(
        `${C} training.hyperparameters of '${model}' must serialize to at most 256 characters of JSON (a model package metadata value), got ${hyperparametersJson.length}`,
      );
    }
    if (props.mlflowTrackingServerArn !== undefined && !Token.isUnresolved(props.mlflowTrackingServerArn)) {
      assertPattern(
        C,
        'mlflowTrackingServerArn',
        props.mlflowTrackingServerArn,
        /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:mlflow-tracking-server\/.+$/,
        'an MLflow tracking server ARN',
      );
    }
    const description = props.description ?? model;

    const stack = Stack.of(this);
    const key = props.encryptionKey;
    const artifacts = props.artifactBucket;
    const artifactsUri = (suffix: string) => `s3://${artifacts.bucketName}/${artifactPrefix}${suffix}`;

    // --- The jobs' role and network ------------------------------------------------------------
    this.jobSecurityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: props.vpc,
      description: `Training, evaluation and bias jobs of ${model} (egress only)`,
      allowAllOutbound: true,
    });
    const subnetIds = props.vpc.selectSubnets(props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
    this.jobRole = new ManagedPolicyRole(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker jobs of the ${model} training pipeline`,
    });
    grantPrefix(this.jobRole, props.trainingSetBucket, trainingSetPrefix);
    grantPrefix(this.jobRole, artifacts, artifactPrefix, true);
    key.grantEncryptDecrypt(this.jobRole);
    key.grant(this.jobRole, 'kms:CreateGrant', 'kms:DescribeKey');
    this.jobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'JobLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:CreateLogGroup', 'logs:DescribeLogStreams'],
        resources: ['TrainingJobs', 'ProcessingJobs'].map((kind) =>
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `/aws/sagemaker/${kind}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    this.jobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'JobMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
      }),
    );
    this.jobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'PullImagesToken', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    this.jobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PullImages',
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })],
      }),
    );
    this.jobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'JobNetworkDescribe',
        actions: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeVpcs',
          'ec2:DescribeDhcpOptions',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }),
    );
    this.jobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'JobNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:CreateNetworkInterfacePermission',
          'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission',
        ],
        resources: [stack.formatArn({ service: 'ec2', resource: 'network-interface', resourceName: '*' })],
        conditions: { ArnEquals: { 'ec2:Vpc': stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: props.vpc.vpcId }) } },
      }),
    );
    const attach = new iam.PolicyStatement({
      sid: 'JobNetworkAttach',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        ...subnetIds.map((s) => stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: s })),
        stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: this.jobSecurityGroup.securityGroupId }),
      ],
    });
    this.jobRole.addToPrincipalPolicy(attach);
    if (props.mlflowTrackingServerArn !== undefined) {
      this.jobRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'LogRunsToMlflow',
          actions: [
            'sagemaker-mlflow:CreateExperiment',
            'sagemaker-mlflow:GetExperimentByName',
            'sagemaker-mlflow:CreateRun',
            'sagemaker-mlflow:UpdateRun',
            'sagemaker-mlflow:LogBatch',
            'sagemaker-mlflow:LogMetric',
            'sagemaker-mlflow:LogParam',
            'sagemaker-mlflow:SetTag',
            'sagemaker-mlflow:GetRun',
          ],
          resources: [props.mlflowTrackingServerArn],
        }),
      );
    }
    const script = new s3assets.Asset(this, 'EvaluateScript', { path: path.join(JOBS_DIR, 'evaluate.py') });
    this.jobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadEvaluationScript',
        actions: ['s3:GetObject'],
        resources: [script.bucket.arnForObjects(script.s3ObjectKey)],
      }),
    );
    script.bucket.encryptionKey?.grantDecrypt(this.jobRole);

    // --- States ----------------------------------------------------------------------------------
    const S = TRAINING_PIPELINE_STATES;
    const invalidInput = new sfn.Fail(this, S.invalidInput, {
      error: 'InvalidInput',
      cause: `input must have trainingSetUri 's3://${props.trainingSetBucket.bucketName}/${trainingSetPrefix}<version>/', trainingSetVersion and codeVersion (strings)`,
    });
    const stepFailed = (name: string, error: string) => new sfn.Fail(this, name, { error, causePath: '$.error.Cause' });
    const trainingFailed = stepFailed(S.trainingFailed, 'TrainingFailed');
    const jobFailed = stepFailed(S.jobFailed, 'PipelineStepFailed');
    const registrationFailed = stepFailed(S.registrationFailed, 'RegistrationFailed');
    const evaluationFailed = new sfn.Fail(this, S.evaluationFailed, { error: 'EvaluationGateFailed', causePath: '$.failure.cause' });
    const biasFailed = new sfn.Fail(this, S.biasFailed, { error: 'BiasGateFailed', causePath: '$.failure.cause' });
    const catchTo = (state: sfn.TaskStateBase | sfn.CustomState, target: sfn.IChainable) =>
      state.addCatch(target, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const validate = new sfn.Choice(this, 'ValidateInput');
    const inputOk = sfn.Condition.and(
      sfn.Condition.isPresent('$.trainingSetUri'),
      sfn.Condition.isString('$.trainingSetUri'),
      sfn.Condition.stringMatches('$.trainingSetUri', `s3://${props.trainingSetBucket.bucketName}/${trainingSetPrefix}*/`),
      sfn.Condition.isPresent('$.trainingSetVersion'),
      sfn.Condition.isString('$.trainingSetVersion'),
      sfn.Condition.isPresent('$.codeVersion'),
      sfn.Condition.isString('$.codeVersion'),
    );
    const prepare = new sfn.Pass(this, 'Prepare', {
      parameters: {
        'trainingSetUri.$': '$.trainingSetUri',
        'trainingSetVersion.$': '$.trainingSetVersion',
        'codeVersion.$': '$.codeVersion',
      },
    });
    const newRun = new sfn.Pass(this, 'NewRun', { resultPath: '$.run', parameters: { 'id.$': 'States.UUID()' } });
    const runPaths = new sfn.Pass(this, 'RunPaths', {
      resultPath: '$.paths',
      parameters: {
        'trainUri.$': "States.Format('{}train/', $.trainingSetUri)",
        'holdoutUri.$': "States.Format('{}holdout/', $.trainingSetUri)",
        'evaluationUri.$': `States.Format('${artifactsUri('runs/{}/evaluation/')}', $.run.id)`,
        'evaluationKey.$': `States.Format('${artifactPrefix}runs/{}/evaluation/evaluation.json', $.run.id)`,
        'biasConfigUri.$': `States.Format('${artifactsUri('runs/{}/bias-config/')}', $.run.id)`,
        'biasConfigKey.$': `States.Format('${artifactPrefix}runs/{}/bias-config/analysis_config.json', $.run.id)`,
        'biasUri.$': `States.Format('${artifactsUri('runs/{}/bias/')}', $.run.id)`,
        'biasKey.$': `States.Format('${artifactPrefix}runs/{}/bias/analysis.json', $.run.id)`,
        'baselineUri.$': `States.Format('${artifactsUri('runs/{}/baseline/')}', $.run.id)`,
        'baselineKey.$': `States.Format('${artifactPrefix}runs/{}/baseline/', $.run.id)`,
        'baselineJobName.$': `States.Format('${model}-base-{}', $.run.id)`,
        'trainJobName.$': `States.Format('${model}-train-{}', $.run.id)`,
        'evalJobName.$': `States.Format('${model}-eval-{}', $.run.id)`,
        'biasJobName.$': `States.Format('${model}-bias-{}', $.run.id)`,
      },
    });

    // The SageMaker trainer (`training`); the EKS trainer (`eksTraining`) is the TrainJob chain below.
    const train = props.training
      ? new tasks.SageMakerCreateTrainingJob(this, S.train, {
          integrationPattern: sfn.IntegrationPattern.RUN_JOB,
          trainingJobName: sfn.JsonPath.stringAt('$.paths.trainJobName'),
          role: this.jobRole,
          algorithmSpecification: {
            trainingImage: tasks.DockerImage.fromRegistry(tr.imageUri),
            trainingInputMode: tasks.InputMode.FILE,
          },
          inputDataConfig: [
            { channelName: 'train', dataSource: { s3DataSource: { s3Location: tasks.S3Location.fromJsonExpression('$.paths.trainUri') } } },
          ],
          outputDataConfig: { s3OutputLocation: tasks.S3Location.fromBucket(artifacts, `${artifactPrefix}training/`), encryptionKey: key },
          resourceConfig: {
            instanceCount,
            instanceType: new ec2.InstanceType(trainingInstance.replace(/^ml\./, '')),
            volumeSize: Size.gibibytes(volumeSizeGb),
            volumeEncryptionKey: key,
          },
          stoppingCondition: { maxRuntime: tr.maxRuntime ?? Duration.hours(4) },
          hyperparameters,
          enableNetworkIsolation: true,
          vpcConfig: { vpc: props.vpc, subnets: props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } },
          resultSelector: {
            'modelDataUrl.$': '$.ModelArtifacts.S3ModelArtifacts',
            'trainingJobArn.$': '$.TrainingJobArn',
          },
          resultPath: '$.training',
        })
      : undefined;
    if (train) {
      catchTo(train, trainingFailed);
      // The training task brings its own security group (aws-stepfunctions-tasks creates one per VPC task).
      attach.addResources(
        ...train.connections.securityGroups.map((sg) =>
          stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: sg.securityGroupId }),
        ),
      );
    }
    const eksTrain = props.eksTraining
      ? this.eksTrainJob(props.eksTraining, {
          model,
          modelUri: artifactsUri('runs/{}/model/'),
          hyperparametersJson,
          trainingFailed,
          catchTo,
        })
      : undefined;

    const groupArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: props.modelPackageGroupName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const packagesArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package',
      resourceName: `${props.modelPackageGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const findProduction = new tasks.CallAwsService(this, S.findProduction, {
      service: 'sagemaker',
      action: 'listModelPackages',
      // ListModelPackages has no resource type: it can only be granted on '*' (read-only listing).
      iamResources: ['*'],
      parameters: {
        ModelPackageGroupName: props.modelPackageGroupName,
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      },
      resultSelector: { 'list.$': '$.ModelPackageSummaryList' },
      resultPath: '$.production',
    });
    catchTo(findProduction, jobFailed);
    const describeProduction = new tasks.CallAwsService(this, S.describeProduction, {
      service: 'sagemaker',
      action: 'describeModelPackage',
      iamResources: [packagesArn],
      parameters: { 'ModelPackageName.$': '$.production.list[0].ModelPackageArn' },
      resultSelector: {
        present: true,
        'modelPackageArn.$': '$.ModelPackageArn',
        'modelDataUrl.$': '$.InferenceSpecification.Containers[0].ModelDataUrl',
      },
      resultPath: '$.champion',
    });
    catchTo(describeProduction, jobFailed);
    const noProduction = new sfn.Pass(this, 'NoProductionVersion', {
      // The candidate stands in as its own champion; the job is told there is none.
      parameters: { present: false, modelPackageArn: 'none', 'modelDataUrl.$': '$.training.modelDataUrl' },
      resultPath: '$.champion',
    });

    const processingInput = (name: string, uri: Record<string, string>, local: string) => ({
      InputName: name,
      S3Input: { ...uri, LocalPath: local, S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' },
    });
    const networkConfig = {
      EnableNetworkIsolation: props.mlflowTrackingServerArn === undefined,
      EnableInterContainerTrafficEncryption: true,
      VpcConfig: { SecurityGroupIds: [this.jobSecurityGroup.securityGroupId], Subnets: subnetIds },
    };
    const cluster = (type: string) => ({ InstanceCount: 1, InstanceType: type, VolumeSizeInGB: 30, VolumeKmsKeyId: key.keyArn });
    const evaluate = new sfn.CustomState(this, S.evaluate, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::sagemaker:createProcessingJob.sync`,
        Parameters: {
          'ProcessingJobName.$': '$.paths.evalJobName',
          RoleArn: this.jobRole.roleArn,
          AppSpecification: {
            ImageUri: ev.imageUri ?? props.training?.imageUri ?? props.eksTraining!.imageUri,
            ContainerEntrypoint: ['python3', `${CODE_DIR}/evaluate.py`],
          },
          ProcessingResources: { ClusterConfig: cluster(evalInstance) },
          ProcessingInputs: [
            processingInput('code', { S3Uri: script.s3ObjectUrl }, CODE_DIR),
            processingInput('holdout', { 'S3Uri.$': '$.paths.holdoutUri' }, '/opt/ml/processing/input/holdout'),
            processingInput('candidate', { 'S3Uri.$': '$.training.modelDataUrl' }, '/opt/ml/processing/input/candidate'),
            processingInput('champion', { 'S3Uri.$': '$.champion.modelDataUrl' }, '/opt/ml/processing/input/champion'),
          ],
          ProcessingOutputConfig: {
            KmsKeyId: key.keyArn,
            Outputs: [
              {
                OutputName: 'evaluation',
                S3Output: {
                  'S3Uri.$': '$.paths.evaluationUri',
                  LocalPath: '/opt/ml/processing/output/evaluation',
                  S3UploadMode: 'EndOfJob',
                },
              },
            ],
          },
          Environment: {
            MODEL_NAME: model,
            LABEL_COLUMN: ev.labelColumn,
            ATTRIBUTE_COLUMN: bias.attribute,
            DECISION_THRESHOLD: String(threshold),
            HYPERPARAMETERS: hyperparametersJson,
            MLFLOW_TRACKING_ARN: props.mlflowTrackingServerArn ?? '',
            'CHAMPION_PRESENT.$': "States.Format('{}', $.champion.present)",
            'CHAMPION_MODEL_PACKAGE_ARN.$': '$.champion.modelPackageArn',
            'TRAINING_JOB_ARN.$': '$.training.trainingJobArn',
            'TRAINING_SET_URI.$': '$.trainingSetUri',
            'TRAINING_SET_VERSION.$': '$.trainingSetVersion',
            'CODE_VERSION.$': '$.codeVersion',
            'RUN_ID.$': '$.run.id',
          },
          NetworkConfig: networkConfig,
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        },
        ResultSelector: { 'processingJobArn.$': '$.ProcessingJobArn' },
        ResultPath: '$.evaluationJob',
      },
    });
    catchTo(evaluate, jobFailed);
    const readEvaluation = new tasks.CallAwsService(this, S.readEvaluation, {
      service: 's3',
      action: 'getObject',
      iamResources: [artifacts.arnForObjects(`${artifactPrefix}runs/*`)],
      parameters: { Bucket: artifacts.bucketName, 'Key.$': '$.paths.evaluationKey' },
      resultSelector: { 'metrics.$': 'States.StringToJson($.Body)' },
      resultPath: '$.evaluation',
    });
    catchTo(readEvaluation, jobFailed);
    const m = '$.evaluation.metrics';
    const evaluationGate = new sfn.Choice(this, 'EvaluationGate');
    const evaluationBad = sfn.Condition.or(
      sfn.Condition.not(sfn.Condition.isPresent(`${m}.auc`)),
      sfn.Condition.not(sfn.Condition.isNumeric(`${m}.auc`)),
      sfn.Condition.not(sfn.Condition.isPresent(`${m}.ks`)),
      sfn.Condition.not(sfn.Condition.isNumeric(`${m}.ks`)),
      sfn.Condition.numberLessThan(`${m}.auc`, ev.minAuc),
      sfn.Condition.numberLessThan(`${m}.ks`, ev.minKs),
      sfn.Condition.and(
        sfn.Condition.isPresent(`${m}.aucDeltaVsProduction`),
        sfn.Condition.isNumeric(`${m}.aucDeltaVsProduction`),
        sfn.Condition.numberLessThan(`${m}.aucDeltaVsProduction`, -maxDrop),
      ),
    );
    const evaluationRejected = new sfn.Pass(this, 'EvaluationRejected', {
      resultPath: '$.failure',
      parameters: {
        'cause.$': `States.Format('{}; required: AUC >= ${ev.minAuc}, KS >= ${ev.minKs}, AUC change vs production >= -${maxDrop}; nothing registered', ${m}.summary)`,
      },
    });

    const analysisConfig = {
      dataset_type: 'text/csv',
      headers: [bias.attribute, ev.labelColumn, 'predicted_label'],
      label: ev.labelColumn,
      predicted_label: 'predicted_label',
      label_values_or_threshold: [favourable],
      facet: [{ name_or_index: bias.attribute, value_or_threshold: [...bias.disadvantagedValues] }],
      methods: { post_training_bias: { methods: ['DI'] }, report: { name: 'report', title: `Bias report of ${model}` } },
    };
    const writeBiasConfig = new tasks.CallAwsService(this, S.writeBiasConfig, {
      service: 's3',
      action: 'putObject',
      iamResources: [artifacts.arnForObjects(`${artifactPrefix}runs/*`)],
      parameters: { Bucket: artifacts.bucketName, 'Key.$': '$.paths.biasConfigKey', Body: JSON.stringify(analysisConfig) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    catchTo(writeBiasConfig, jobFailed);
    const checkBias = new sfn.CustomState(this, S.checkBias, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::sagemaker:createProcessingJob.sync`,
        Parameters: {
          'ProcessingJobName.$': '$.paths.biasJobName',
          RoleArn: this.jobRole.roleArn,
          AppSpecification: { ImageUri: bias.clarifyImageUri },
          ProcessingResources: { ClusterConfig: cluster(biasInstance) },
          ProcessingInputs: [
            processingInput('analysis_config', { 'S3Uri.$': '$.paths.biasConfigUri' }, '/opt/ml/processing/input/config'),
            processingInput(
              'dataset',
              { 'S3Uri.$': "States.Format('{}predictions.csv', $.paths.evaluationUri)" },
              '/opt/ml/processing/input/data',
            ),
          ],
          ProcessingOutputConfig: {
            KmsKeyId: key.keyArn,
            Outputs: [
              {
                OutputName: 'analysis_result',
                S3Output: { 'S3Uri.$': '$.paths.biasUri', LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' },
              },
            ],
          },
          NetworkConfig: { ...networkConfig, EnableNetworkIsolation: true },
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        },
        ResultSelector: { 'processingJobArn.$': '$.ProcessingJobArn' },
        ResultPath: '$.biasJob',
      },
    });
    catchTo(checkBias, jobFailed);
    const readBias = new tasks.CallAwsService(this, S.readBias, {
      service: 's3',
      action: 'getObject',
      iamResources: [artifacts.arnForObjects(`${artifactPrefix}runs/*`)],
      parameters: { Bucket: artifacts.bucketName, 'Key.$': '$.paths.biasKey' },
      resultSelector: { 'report.$': 'States.StringToJson($.Body)' },
      resultPath: '$.biasReport',
    });
    catchTo(readBias, jobFailed);
    const air = '$.bias.adverseImpactRatio';
    const summarizeBias = new sfn.Pass(this, 'SummarizeBias', {
      resultPath: '$.bias',
      parameters: {
        attribute: bias.attribute,
        'facets.$': `$.biasReport.report.post_training_bias_metrics.facets.${bias.attribute}`,
      },
    });
    const pickRatio = new sfn.Pass(this, 'PickAdverseImpactRatio', {
      resultPath: '$.bias',
      parameters: { attribute: bias.attribute, 'adverseImpactRatio.$': '$.bias.facets[0].metrics[0].value' },
    });
    const biasGate = new sfn.Choice(this, 'BiasGate');
    const biasBad = sfn.Condition.or(sfn.Condition.not(sfn.Condition.isNumeric(air)), sfn.Condition.numberLessThan(air, minAir));
    const biasRejected = new sfn.Pass(this, 'BiasRejected', {
      resultPath: '$.failure',
      parameters: {
        'cause.$': `States.Format('adverse impact ratio on ${bias.attribute} is {}; required >= ${minAir}; nothing registered', ${air})`,
      },
    });

    let baselineStep: sfn.CustomState | undefined;
    if (props.baseline) {
      const baselineInstance = props.baseline.instanceType ?? 'ml.m5.large';
      instanceType('baseline.instanceType', baselineInstance);
      const input = '/opt/ml/processing/input/baseline_dataset_input';
      baselineStep = new sfn.CustomState(this, S.baseline, {
        stateJson: {
          Type: 'Task',
          Resource: `arn:${stack.partition}:states:::sagemaker:createProcessingJob.sync`,
          Parameters: {
            'ProcessingJobName.$': '$.paths.baselineJobName',
            RoleArn: this.jobRole.roleArn,
            AppSpecification: { ImageUri: props.baseline.analyzerImageUri },
            ProcessingResources: { ClusterConfig: cluster(baselineInstance) },
            ProcessingInputs: [processingInput('baseline_dataset_input', { 'S3Uri.$': '$.paths.trainUri' }, input)],
            ProcessingOutputConfig: {
              KmsKeyId: key.keyArn,
              Outputs: [
                {
                  OutputName: 'monitoring_output',
                  S3Output: { 'S3Uri.$': '$.paths.baselineUri', LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' },
                },
              ],
            },
            Environment: {
              dataset_format: JSON.stringify({ csv: { header: true, output_columns_position: 'START' } }),
              dataset_source: input,
              output_path: '/opt/ml/processing/output',
              publish_cloudwatch_metrics: 'Disabled',
            },
            NetworkConfig: { ...networkConfig, EnableNetworkIsolation: true },
            StoppingCondition: { MaxRuntimeInSeconds: 3600 },
          },
          ResultSelector: { 'processingJobArn.$': '$.ProcessingJobArn' },
          ResultPath: '$.baselineJob',
        },
      });
      catchTo(baselineStep, jobFailed);
    }

    const num = (p: string) => `States.Format('{}', ${p})`;
    const buildModelCard = new sfn.Pass(this, 'BuildModelCard', {
      resultPath: '$.modelCard',
      parameters: {
        model_overview: {
          model_description: description,
          model_creator: 'ml-platform training pipeline',
          'model_artifact.$': 'States.Array($.training.modelDataUrl)',
        },
        intended_uses: { purpose_of_model: description, risk_rating: tier === 1 ? 'High' : tier === 2 ? 'Medium' : 'Low' },
        training_details: {
          training_job_details: {
            'training_arn.$': '$.training.trainingJobArn',
            'training_datasets.$': 'States.Array($.trainingSetUri)',
            hyper_parameters: Object.entries(hyperparameters).map(([name, value]) => ({ name, value })),
          },
        },
        evaluation_details: [
          {
            name: 'holdout',
            'datasets.$': 'States.Array($.paths.holdoutUri)',
            metric_groups: [
              {
                name: 'gates',
                metric_data: [
                  { name: 'auc', type: 'number', 'value.$': `${m}.auc` },
                  { name: 'ks', type: 'number', 'value.$': `${m}.ks` },
                  { name: `adverse_impact_ratio_${bias.attribute}`, type: 'number', 'value.$': air },
                ],
              },
            ],
          },
        ],
      },
    });
    const register = new tasks.CallAwsService(this, S.register, {
      service: 'sagemaker',
      action: 'createModelPackage',
      iamResources: [groupArn, packagesArn],
      parameters: {
        ModelPackageGroupName: props.modelPackageGroupName,
        'ModelPackageDescription.$': `States.Format('${model} trained on training set {} at code {}', $.trainingSetVersion, $.codeVersion)`,
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: props.inferenceImageUri, 'ModelDataUrl.$': '$.training.modelDataUrl' }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
        ModelMetrics: {
          ModelQuality: {
            Statistics: { ContentType: 'application/json', 'S3Uri.$': `States.Format('{}evaluation.json', $.paths.evaluationUri)` },
          },
          Bias: { PostTrainingReport: { ContentType: 'application/json', 'S3Uri.$': `States.Format('{}analysis.json', $.paths.biasUri)` } },
        },
        ...(props.baseline
          ? {
              DriftCheckBaselines: {
                ModelDataQuality: {
                  Statistics: { ContentType: 'application/json', 'S3Uri.$': "States.Format('{}statistics.json', $.paths.baselineUri)" },
                  Constraints: { ContentType: 'application/json', 'S3Uri.$': "States.Format('{}constraints.json', $.paths.baselineUri)" },
                },
              },
            }
          : {}),
        MetadataProperties: { 'CommitId.$': '$.codeVersion', 'GeneratedBy.$': '$$.Execution.Id', ProjectId: model },
        CustomerMetadataProperties: {
          'trainingSetUri.$': '$.trainingSetUri',
          'trainingSetVersion.$': '$.trainingSetVersion',
          'codeVersion.$': '$.codeVersion',
          'trainingJobArn.$': '$.training.trainingJobArn',
          hyperparameters: hyperparametersJson,
          'mlflowRunId.$': `${m}.mlflowRunId`,
          'auc.$': num(`${m}.auc`),
          'ks.$': num(`${m}.ks`),
          'adverseImpactRatio.$': num(air),
          tier: String(tier),
          'pipelineExecution.$': '$$.Execution.Id',
          ...(props.baseline ? { 'baselineKey.$': '$.paths.baselineKey' } : {}),
        },
        ModelCard: { ModelCardStatus: 'Draft', 'ModelCardContent.$': 'States.JsonToString($.modelCard)' },
      },
      resultSelector: { 'modelPackageArn.$': '$.ModelPackageArn' },
      resultPath: '$.registered',
    });
    catchTo(register, registrationFailed);
    const done = new sfn.Succeed(this, 'Registered', { outputPath: '$.registered' });

    const hasProduction = new sfn.Choice(this, 'HasProductionVersion')
      .when(sfn.Condition.isPresent('$.production.list[0]'), describeProduction)
      .otherwise(noProduction);
    describeProduction.next(evaluate);
    noProduction.next(evaluate);
    evaluate.next(readEvaluation).next(evaluationGate);
    evaluationGate.when(evaluationBad, evaluationRejected.next(evaluationFailed)).otherwise(writeBiasConfig);
    writeBiasConfig.next(checkBias).next(readBias).next(summarizeBias).next(pickRatio).next(biasGate);
    const afterGates = baselineStep ? baselineStep.next(buildModelCard) : buildModelCard;
    biasGate.when(biasBad, biasRejected.next(biasFailed)).otherwise(afterGates);
    buildModelCard.next(register).next(done);
    const trainStart: sfn.IChainable = train ?? eksTrain!.start;
    (train ?? eksTrain!.end).next(findProduction);
    findProduction.next(hasProduction);
    const definition = validate.when(inputOk, prepare.next(newRun).next(runPaths).next(trainStart)).otherwise(invalidInput);

    // --- The state machine ---------------------------------------------------------------------
    this.logGroup = executionLog(this, {
      encryptionKey: key,
      logEncryptionKey: props.logEncryptionKey,
      removalPolicy: props.removalPolicy,
      retention: props.logRetention,
    });
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Runs the ${model} training pipeline`,
    });
    this.stateMachine = auditedStateMachine(this, {
      role,
      stateMachineName: props.stateMachineName,
      definition: definition,
      comment: `Training pipeline of ${model}: train, evaluate, bias check, register (PendingManualApproval)`,
      timeout: Duration.hours(12),
      logGroup: this.logGroup,
      encryptionKey: key,
    });
    // CreateModelPackage only as PendingManualApproval: the pipeline can never approve its own output.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverApprove',
        effect: iam.Effect.DENY,
        actions: ['sagemaker:CreateModelPackage'],
        resources: [groupArn, packagesArn],
        conditions: { StringNotEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverUpdatePackages',
        effect: iam.Effect.DENY,
        actions: ['sagemaker:UpdateModelPackage'],
        resources: ['*'],
      }),
    );
    const processingJobs = stack.formatArn({ service: 'sagemaker', resource: 'processing-job', resourceName: `${model}-*` });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunProcessingJobs',
        actions: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
        resources: [processingJobs],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WatchProcessingJobs',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerProcessingJobsRule' }),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassJobRole',
        actions: ['iam:PassRole'],
        resources: [this.jobRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    key.grantEncryptDecrypt(role);
    if (props.eksTraining) this.allowTrainJobs(props.eksTraining, role, { model, trainingSetPrefix, artifactPrefix, props });

    acknowledgeWildcards(this, [
      ...GRANT_WILDCARDS,
      {
        finding: new RegExp(
          `^Resource::${BUCKET_ARN}/(${escapeRegExp(trainingSetPrefix)}|${escapeRegExp(artifactPrefix)}(training/|runs/)?)\\*$`,
        ),
        reason: "Objects of this model's training sets and of its pipeline runs (one prefix each; run keys carry a per-run UUID)",
      },
      {
        finding: /^Resource::arn:aws:s3:::cdk-[a-z0-9]+-assets-\d{12}-[a-z0-9-]+\/\*$/,
        reason: 'Reading the evaluation script asset from the CDK bootstrap bucket (grant of s3-assets)',
      },
      {
        finding: /^Resource::arn:[^:]+:logs:[^:]*:[^:]*:log-group:\/aws\/sagemaker\/(TrainingJobs|ProcessingJobs):\*$/,
        reason: 'The log streams of SageMaker training and processing jobs (named by SageMaker per job)',
      },
      {
        finding: new RegExp(
          `^Resource::arn:[^:]+:sagemaker:[^:]*:[^:]*:(training-job/\\*|processing-job/${model}-\\*|model-package/${escapeRegExp(props.modelPackageGroupName)}/\\*)$`,
        ),
        reason:
          "Job names carry a per-run UUID (aws-stepfunctions-tasks scopes a JSONPath-named training job to training-job/*); versions of this model's package group",
      },
      {
        finding: /^Resource::arn:[^:]+:(ecr:[^:]*:[^:]*:repository|ec2:[^:]*:[^:]*:network-interface)\/\*$/,
        reason:
          'Image layers of the job images (ECR, any repository of the account); ENIs SageMaker creates for the jobs, limited by condition to the pipeline VPC',
      },
      {
        finding: /^Resource::\*$/,
        reason:
          'Actions without a resource type: sagemaker:ListModelPackages, sagemaker:ListTags (aws-stepfunctions-tasks), ecr:GetAuthorizationToken, ec2:Describe*, cloudwatch:PutMetricData (conditioned on the SageMaker namespace), KMS key policy statements',
      },
    ]);
  }

  /**
   * The EKS trainer: name the run's TrainJob, create it through the Step Functions EKS integration
   * (`eks:call` POST), then poll it (Wait → GET → status) until its `Complete` or `Failed`
   * condition, or until `maxRuntime` (then DELETE it, freeing the GPUs). Complete: the run's model
   * (`<run>/model/model.tar.gz`) goes on to evaluation like a SageMaker job's; Failed, timed out or
   * refused: `TrainingFailed` with the reason as cause.
   */
  private eksTrainJob(
    o: EksTrainJobOptions,
    ctx: {
      model: string;
      modelUri: string;
      hyperparametersJson: string;
      trainingFailed: sfn.Fail;
      catchTo: (state: sfn.CustomState, target: sfn.IChainable) => void;
    },
  ): { start: sfn.State; end: sfn.Pass } {
    const C = 'TrainingPipeline';
    const E = EKS_TRAINER_STATES;
    assertPattern(C, 'eksTraining.namespace', o.namespace, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a Kubernetes namespace (DNS label)');
    assertRange(C, 'eksTraining.numNodes', o.numNodes, 1, 64);
    assertRange(C, 'eksTraining.gpusPerNode', o.gpusPerNode, 1, 8);
    if (o.efaInterfacesPerNode !== undefined) assertRange(C, 'eksTraining.efaInterfacesPerNode', o.efaInterfacesPerNode, 1, 32);
    for (const [field, v] of [
      ['numNodes', o.numNodes],
      ['gpusPerNode', o.gpusPerNode],
    ] as const) {
      if (!Number.isInteger(v)) throw new Error(`${C} eksTraining.${field} of '${ctx.model}' must be a whole number, got ${v}`);
    }
    const size = o.nodeSize ?? { cpu: 8, memoryGiB: 32 };
    const maxRuntime = o.maxRuntime ?? Duration.hours(8);
    const poll = o.pollInterval ?? Duration.minutes(5);
    assertRange(C, 'eksTraining.maxRuntime (hours)', maxRuntime.toHours({ integral: false }), 0.25, 10);
    assertRange(C, 'eksTraining.pollInterval (seconds)', poll.toSeconds(), 10, 3600);
    const maxPolls = Math.ceil(maxRuntime.toSeconds() / poll.toSeconds());
    const stack = Stack.of(this);
    const collection = `/apis/trainer.kubeflow.org/v1alpha1/namespaces/${o.namespace}/trainjobs`;
    const cluster = {
      ClusterName: o.cluster.clusterName,
      CertificateAuthority: o.cluster.clusterCertificateAuthorityData,
      Endpoint: o.cluster.clusterEndpoint,
    };
    const eksCall = (id: string, parameters: Record<string, unknown>, rest: Record<string, unknown>) =>
      new sfn.CustomState(this, id, {
        stateJson: {
          Type: 'Task',
          Resource: `arn:${stack.partition}:states:::eks:call`,
          Parameters: { ...cluster, ...parameters },
          ...rest,
        },
      });
    const resources = {
      cpu: Qty.fromString(`${size.cpu}`),
      memory: Qty.fromString(`${size.memoryGiB}Gi`),
      'nvidia.com/gpu': Qty.fromNumber(o.gpusPerNode),
      // resourcesPerNode replaces the runtime container's resources: the EFA request goes here too.
      ...(o.efaInterfacesPerNode ? { 'vpc.amazonaws.com/efa': Qty.fromNumber(o.efaInterfacesPerNode) } : {}),
    };
    // The typed TrainJob (k8s/imports); the run's name and locations are filled in by the execution.
    const typed = TrainJob.manifest({
      metadata: {
        namespace: o.namespace,
        labels: {
          [KUEUE_QUEUE_LABEL]: o.queueName,
          ...(o.priorityClass ? { [KUEUE_PRIORITY_LABEL]: o.priorityClass } : {}),
          'platform/model': ctx.model,
          'platform/component': 'training-pipeline',
        },
      },
      spec: {
        runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: o.runtimeName },
        trainer: {
          image: o.imageUri,
          command: [...(o.command ?? ['python', '/workspace/train.py'])],
          numNodes: o.numNodes,
          resourcesPerNode: { requests: resources, limits: resources },
        },
        runtimePatches: o.serviceAccountName
          ? [
              {
                manager: 'ml-platform',
                trainingRuntimeSpec: {
                  template: {
                    spec: {
                      replicatedJobs: [
                        { name: TRAINER_NODE, template: { spec: { template: { spec: { serviceAccountName: o.serviceAccountName } } } } },
                      ],
                    },
                  },
                },
              },
            ]
          : undefined,
      },
    });
    const env = (name: string, path: string) => ({ name, 'value.$': path });
    const body = {
      ...typed,
      metadata: { ...typed.metadata, 'name.$': '$.trainJobPaths.name' },
      spec: {
        ...typed.spec,
        trainer: {
          ...typed.spec.trainer,
          env: [
            env('TRAINING_SET_URI', '$.paths.trainUri'),
            env('TRAINING_SET_VERSION', '$.trainingSetVersion'),
            env('CODE_VERSION', '$.codeVersion'),
            env('MODEL_OUTPUT_URI', '$.trainJobPaths.modelUri'),
            env('PIPELINE_RUN_ID', '$.run.id'),
            { name: 'HYPERPARAMETERS', value: ctx.hyperparametersJson },
          ],
        },
      },
    };

    // A DNS-1035 name within Kubernetes' limits: the model and the first group of the run's UUID.
    const name = new sfn.Pass(this, E.name, {
      resultPath: '$.trainJobPaths',
      parameters: {
        'name.$': `States.Format('${ctx.model}-{}', States.ArrayGetItem(States.StringSplit($.run.id, '-'), 0))`,
        'modelUri.$': `States.Format('${ctx.modelUri}', $.run.id)`,
      },
    });
    const create = eksCall(
      E.create,
      { Method: 'POST', Path: collection, RequestBody: body },
      { ResultSelector: { 'name.$': '$.ResponseBody.metadata.name' }, ResultPath: '$.trainJob' },
    );
    // A poll or delete that fails (API server busy, throttled) is tried again before the run fails.
    const transient = [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2 }];
    const wait = new sfn.Wait(this, E.wait, { time: sfn.WaitTime.duration(poll) });
    const get = eksCall(
      E.get,
      { Method: 'GET', 'Path.$': `States.Format('${collection}/{}', $.trainJob.name)` },
      { ResultSelector: { 'body.$': '$.ResponseBody' }, ResultPath: '$.trainJob.observed', Retry: transient },
    );
    // JSONata: the conditions are an array whose entries JSONPath's Choice cannot select by type.
    const status = sfn.Pass.jsonata(this, E.status, {
      outputs: [
        '{% (',
        '$c := $states.input.trainJob.observed.body.status.conditions;',
        "$failed := $c[type = 'Failed' and status = 'True'];",
        '$polls := ($exists($states.input.trainJobState.polls) ? $states.input.trainJobState.polls : 0) + 1;',
        "$merge([$states.input, {'trainJobState': $exists($c[type = 'Complete' and status = 'True'])",
        "? {'phase': 'Complete', 'polls': $polls}",
        ': $exists($failed)',
        "? {'phase': 'Failed', 'polls': $polls, 'reason': ($failed[0].reason ? $failed[0].reason : 'Failed') & ': ' & ($failed[0].message ? $failed[0].message : 'no message')}",
        ": {'phase': 'Running', 'polls': $polls}}])",
        ') %}',
      ].join(' '),
    });
    const trained = new sfn.Pass(this, E.trained, {
      resultPath: '$.training',
      parameters: {
        'modelDataUrl.$': "States.Format('{}model.tar.gz', $.trainJobPaths.modelUri)",
        'trainingJobArn.$': `States.Format('arn:${stack.partition}:eks:${stack.region}:${stack.account}:trainjob/{}/${o.namespace}/{}', '${o.cluster.clusterName}', $.trainJob.name)`,
      },
    });
    const failed = new sfn.Pass(this, E.failed, {
      resultPath: '$.error',
      parameters: { 'Cause.$': "States.Format('TrainJob {} failed: {}; nothing registered', $.trainJob.name, $.trainJobState.reason)" },
    });
    const stop = eksCall(
      E.stop,
      { Method: 'DELETE', 'Path.$': `States.Format('${collection}/{}', $.trainJob.name)` },
      { ResultPath: sfn.JsonPath.DISCARD, Retry: transient },
    );
    const timedOut = new sfn.Pass(this, E.timedOut, {
      resultPath: '$.error',
      parameters: {
        'Cause.$': `States.Format('TrainJob {} did not complete within ${maxRuntime.toHumanString()} (queueing included); deleted, nothing registered', $.trainJob.name)`,
      },
    });
    ctx.catchTo(create, ctx.trainingFailed);
    ctx.catchTo(get, ctx.trainingFailed);
    // A job that cannot be deleted still fails the run as timed out (the cause names it).
    stop.addCatch(timedOut, { errors: [sfn.Errors.ALL], resultPath: '$.stopError' });
    const done = new sfn.Choice(this, E.done)
      .when(sfn.Condition.stringEquals('$.trainJobState.phase', 'Complete'), trained)
      .when(sfn.Condition.stringEquals('$.trainJobState.phase', 'Failed'), failed.next(ctx.trainingFailed))
      .when(sfn.Condition.numberGreaterThanEquals('$.trainJobState.polls', maxPolls), stop.next(timedOut).next(ctx.trainingFailed))
      .otherwise(wait);
    name.next(create).next(wait).next(get).next(status).next(done);
    return { start: name, end: trained };
  }

  /**
   * What the EKS trainer's state machine role may do: describe the cluster, and in Kubernetes
   * create, read and delete TrainJobs of the one namespace (an access entry in a group bound to a
   * namespaced Role; EKS access policies such as AmazonEKSEditPolicy name no custom resources).
   * The job's workload role reads this model's training sets and writes the run's model only.
   */
  private allowTrainJobs(
    o: EksTrainJobOptions,
    role: iam.IRole,
    ctx: { model: string; trainingSetPrefix: string; artifactPrefix: string; props: TrainingPipelineProps },
  ): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeTrainingCluster',
        actions: ['eks:DescribeCluster'],
        resources: [stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: o.cluster.clusterName })],
      }),
    );
    const group = `ml-platform:training-pipeline:${ctx.model}`;
    const roleName = `${ctx.model}-training-pipeline`;
    new eks.CfnAccessEntry(this, 'TrainJobAccessEntry', {
      clusterName: o.cluster.clusterName,
      principalArn: role.roleArn,
      type: 'STANDARD',
      kubernetesGroups: [group],
    });
    new eks.KubernetesManifest(this, 'TrainJobAccess', {
      cluster: o.cluster,
      overwrite: true,
      manifest: [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: roleName, namespace: o.namespace },
          rules: [{ apiGroups: ['trainer.kubeflow.org'], resources: ['trainjobs'], verbs: ['create', 'get', 'delete'] }],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: roleName, namespace: o.namespace },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
        },
      ],
    });
    if (o.workloadRole) {
      const p = ctx.props;
      new iam.ManagedPolicy(this, 'TrainJobWorkloadAccess', {
        description: `The ${ctx.model} TrainJob's pods: this model's training sets, the run's model`,
        roles: [o.workloadRole],
        statements: [
          new iam.PolicyStatement({
            actions: ['s3:GetObject'],
            resources: [p.trainingSetBucket.arnForObjects(`${ctx.trainingSetPrefix}*`)],
          }),
          new iam.PolicyStatement({
            actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
            resources: [p.artifactBucket.arnForObjects(`${ctx.artifactPrefix}runs/*`)],
          }),
          new iam.PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [p.trainingSetBucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': [`${ctx.trainingSetPrefix}*`] } },
          }),
          new iam.PolicyStatement({
            actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
            resources: [p.encryptionKey.keyArn],
          }),
        ],
      });
    }
  }

  /** Lets a principal start (and read) executions of this pipeline: the retraining trigger, MWAA, operators. */
  grantStart(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }
}
