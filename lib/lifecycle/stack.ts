import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  type DataLake,
  EndpointRollout,
  ModelApproval,
  ModelPromotion,
  PromotionTarget,
  RetrainingTrigger,
  TrainingPipeline,
  VersionImport,
} from '../../constructs';
import { describeAlarm } from '../../constructs/observability/alarm-description';
import type { IOnCallTopics } from '../../constructs/observability/on-call-topics';
import { MODEL_MONITOR_ANALYZER_ACCOUNTS } from '../../constructs/serving/data-quality-monitor';
import { TEAM_LOCAL_QUEUE } from '../../k8s/charts/kueue-queues';
import { teamServiceAccountName } from '../../k8s/charts/team-tenancy';
import { TORCH_DISTRIBUTED_RUNTIME, TORCH_EFA_RUNTIME } from '../../k8s/charts/training-runtimes';
import type { TeamClusterAttributes } from '../compute/stack';
import { ACCOUNTS } from '../config/accounts';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../config/types';
import type { ModelStack } from '../serving/model-stack';
import { pascal } from '../serving/model-stack';
import type { ServingStack } from '../serving/stack';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { CLARIFY_IMAGE_ACCOUNTS, type LifecycleModelConfig } from './config';

export interface LifecycleStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  /** The lake: training sets in the features zone, pipeline runs and baselines in the models zone, DAGs in the curated zone. */
  readonly lake: DataLake;
  /** The lake's key (training jobs, pipeline outputs, the state machines, claims table). */
  readonly dataKey: kms.IKey;
  /** The logs key (its policy admits CloudWatch Logs): the execution logs. */
  readonly logsKey: kms.IKey;
  /** The endpoints' key (the rollout creates endpoint configs with it). */
  readonly servingKey: kms.IKey;
  /** MLflow (the pipelines log runs there). */
  readonly serving: ServingStack;
  /** The on-call topics (Security stack) the lifecycle alarms notify. */
  readonly oncall: IOnCallTopics;
  /** One stack per model: registry group, image repository, endpoint specs and their drift alarms. */
  readonly models: Readonly<Record<string, ModelStack>>;
  /** Roles of other stacks that train (team roles, MWAA): the trainer guardrail is attached to them here. */
  readonly trainerRoles?: readonly iam.IRole[];
  /**
   * The EKS cluster (Compute stack), for models trained by a TrainJob (`trainer.kind: 'eksTrainJob'`).
   * @default - none; such a model then fails the synth
   */
  readonly cluster?: LifecycleClusterAttributes;
  /**
   * Each team's workload role (Team stacks, bound to the namespace's service account): a TrainJob's
   * pods read the training sets and write the run's model with it.
   * @default - none
   */
  readonly teamWorkloadRoles?: Readonly<Record<string, iam.IRole>>;
}

/** What the EKS trainer needs of the cluster: the team stacks' attributes, plus the API endpoint and its certificate authority (eks:call). */
export interface LifecycleClusterAttributes extends TeamClusterAttributes {
  readonly endpoint: string;
  readonly certificateAuthorityData: string;
}

/** Name of the Lifecycle stack: `MlPlatform-prod-Lifecycle`. */
export function lifecycleStackName(env: string): string {
  return `MlPlatform-${env}-Lifecycle`;
}

/** Physical name of a model's training pipeline (MWAA and operators start it by name). */
export function trainingPipelineName(env: string, model: string): string {
  return `${env}-${model}-training`;
}

/** Physical name of a model's version-import role: the previous environment's bucket and key policies name it. */
export function versionImportRoleName(env: string, model: string): string {
  return `${env}-${model}-version-import`;
}

/** Where a model's pipeline keeps its runs in the models bucket: under the model's own prefix, which its endpoints read. */
export function pipelinePrefix(model: string): string {
  return `${model}/pipelines/`;
}

/**
 * The model lifecycle of one environment: per model its training pipeline (train, evaluate, bias
 * gate, baseline, register PendingManualApproval), its drift-retraining trigger (at most once per
 * configured interval), per endpoint the rollout state machine (the `mlp endpoints rollout`
 * procedure), the promotion of approved versions (roll out here, then hand over to the next
 * environment's account), the import of versions promoted from the previous environment and the
 * approver role (separation of duties). MWAA is the Airflow stack's (its 30-minute create must not
 * wait for Serving). Nothing here is a data store but the claims tables and the execution logs.
 */
export class LifecycleStack extends PlatformStack {
  readonly pipelines: Readonly<Record<string, TrainingPipeline>>;
  readonly triggers: Readonly<Record<string, RetrainingTrigger>>;
  /** Rollout state machines by endpoint config name. */
  readonly rollouts: Readonly<Record<string, EndpointRollout>>;
  readonly approval: ModelApproval;
  /** Promotion of approved versions, by model (models with neither an endpoint here nor a next environment have none). */
  readonly promotions: Readonly<Record<string, ModelPromotion>>;
  readonly imports: Readonly<Record<string, VersionImport>>;

  constructor(scope: Construct, id: string, props: LifecycleStackProps) {
    const { config } = props;
    super(scope, id, { ...props, stackName: lifecycleStackName(config.name), terminationProtection: config.terminationProtection });
    const removalPolicy = this.statefulRemovalPolicy;
    const l = config.lifecycle;
    const features = props.lake.bucket('features');
    const modelsBucket = props.lake.bucket('models');
    const clarifyImageUri = `${CLARIFY_IMAGE_ACCOUNTS[config.region]}.dkr.ecr.${config.region}.amazonaws.com/sagemaker-clarify-processing:1.0`;
    const groupOf = (model: string) => props.models[model].registry.groupName(model);

    // --- Separation of duties: who approves never trains, who trains never approves -------------
    this.approval = new ModelApproval(this, 'Approval', {
      models: l.models.map((m) => ({ modelPackageGroupName: groupOf(m.model), tier: m.tier })),
      approvers: new iam.ArnPrincipal(l.approverPrincipalArn),
    });

    // --- Per model: training pipeline and drift retraining ---------------------------------------
    const pipelines: Record<string, TrainingPipeline> = {};
    const triggers: Record<string, RetrainingTrigger> = {};
    let cluster: eks.ICluster | undefined;
    // The EKS trainer: the Compute stack's cluster by attributes (eks:call, the namespace's Role applied through its kubectl provider).
    const clusterFor = (model: string): eks.ICluster => {
      const a = props.cluster;
      if (!a)
        throw new Error(
          `lifecycle: model ${model} trains on EKS (trainer.kind 'eksTrainJob') but the Lifecycle stack was given no cluster`,
        );
      cluster ??= eks.Cluster.fromClusterAttributes(this, 'TrainingCluster', {
        clusterName: a.clusterName,
        clusterEndpoint: a.endpoint,
        clusterCertificateAuthorityData: a.certificateAuthorityData,
        clusterSecurityGroupId: a.clusterSecurityGroupId,
        kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(this, 'TrainingClusterKubectl', {
          serviceToken: a.kubectlServiceToken,
          role: a.kubectlRoleArn ? iam.Role.fromRoleArn(this, 'TrainingClusterKubectlRole', a.kubectlRoleArn) : undefined,
        }),
      });
      return cluster;
    };
    for (const m of l.models) {
      const stack = props.models[m.model];
      const t = m.trainer;
      const pipeline = new TrainingPipeline(this, `${pascal(m.model)}Pipeline`, {
        ...pipelineProps(m, `${config.account}.dkr.ecr.${config.region}.amazonaws.com/${config.name}/${m.model}`),
        ...(t.kind === 'eksTrainJob'
          ? {
              eksTraining: {
                cluster: clusterFor(m.model),
                namespace: t.team,
                runtimeName: t.efa ? TORCH_EFA_RUNTIME : TORCH_DISTRIBUTED_RUNTIME,
                efaInterfacesPerNode: t.efa ? config.cluster.efaTraining?.efaInterfacesPerNode : undefined,
                imageUri: t.imageUri,
                numNodes: t.numNodes,
                gpusPerNode: t.gpusPerNode,
                nodeSize: t.nodeSize,
                queueName: TEAM_LOCAL_QUEUE,
                // Pipeline runs produce candidates for production: Kueue's production priority.
                priorityClass: 'production',
                serviceAccountName: teamServiceAccountName(t.team),
                workloadRole: props.teamWorkloadRoles?.[t.team],
                hyperparameters: { ...t.hyperparameters },
                maxRuntime: Duration.hours(t.maxRuntimeHours),
              },
            }
          : {}),
        stateMachineName: trainingPipelineName(config.name, m.model),
        modelPackageGroupName: groupOf(m.model),
        description: config.serving.models.find((s) => s.name === m.model)?.description,
        trainingSetBucket: features,
        trainingSetPrefix: `training-sets/${m.trainingSetView}/`,
        artifactBucket: modelsBucket,
        artifactPrefix: pipelinePrefix(m.model),
        encryptionKey: props.dataKey,
        logEncryptionKey: props.logsKey,
        vpc: props.vpc,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        bias: { clarifyImageUri, ...m.bias },
        mlflowTrackingServerArn: props.serving.mlflowArn,
        baseline: monitorBaseline(config.region),
        removalPolicy,
      });
      this.approval.guardTrainer(pipeline.jobRole);
      this.approval.guardTrainer(pipeline.stateMachine.role);
      pipelines[m.model] = pipeline;

      const driftAlarms = Object.values(stack.endpoints).flatMap((e) => (e.driftAlarm ? [e.driftAlarm] : []));
      if (driftAlarms.length > 0) {
        triggers[m.model] = new RetrainingTrigger(this, `${pascal(m.model)}Retraining`, {
          modelName: m.model,
          pipeline: pipeline.stateMachine,
          driftAlarms,
          trainingSets: { bucket: features, prefix: `training-sets/${m.trainingSetView}/` },
          codeVersion: imageTag(m.trainer.imageUri),
          minInterval: Duration.hours(m.retrainMinIntervalHours),
          encryptionKey: props.dataKey,
          logEncryptionKey: props.logsKey,
          removalPolicy,
        });
      }
    }
    this.pipelines = pipelines;
    this.triggers = triggers;

    // --- Per endpoint: the rollout procedure as a state machine ----------------------------------
    const rollouts: Record<string, EndpointRollout> = {};
    // Endpoints of the trained models only: a served model without a training declaration keeps
    // `mlp endpoints rollout` alone, and this stack grows with trained models, not served ones.
    const trained = new Set(l.models.map((m) => m.model));
    for (const e of config.serving.endpoints.filter((x) => trained.has(x.model))) {
      const spec = props.models[e.model]?.endpoints[e.name];
      if (!spec) continue;
      rollouts[e.name] = new EndpointRollout(this, `${pascal(e.name)}Rollout`, {
        endpointName: spec.endpointName,
        specParameter: spec.parameter,
        modelPackageGroupName: groupOf(e.model),
        executionRole: spec.role,
        endpointKey: props.servingKey,
        serverless: e.serverless !== undefined,
        guardrails: e.rollout.guardrails && e.serverless === undefined,
        baseline:
          e.serverless === undefined
            ? {
                bucket: modelsBucket,
                runsPrefix: `${pipelinePrefix(e.model)}runs/`,
                endpointPrefix: `monitoring/${spec.endpointName}/baseline/`,
              }
            : undefined,
        encryptionKey: props.dataKey,
        logEncryptionKey: props.logsKey,
        removalPolicy,
      });
    }
    this.rollouts = rollouts;

    // --- Promotion: approved here → rolled out here → handed to the next environment ------------
    const next = l.promotion.next;
    const nextBus = next
      ? events.EventBus.fromEventBusArn(
          this,
          'NextEnvironmentBus',
          `arn:${this.partition}:events:${ACCOUNTS[next].region}:${ACCOUNTS[next].account}:event-bus/default`,
        )
      : undefined;
    const promotions: Record<string, ModelPromotion> = {};
    for (const m of l.models) {
      // Each endpoint of the model is rolled by its own rollout; the example has at most one per model.
      const rollout = config.serving.endpoints.filter((e) => e.model === m.model).map((e) => rollouts[e.name])[0];
      const steps = [
        ...(rollout ? [PromotionTarget.stateMachine(rollout.stateMachine)] : []),
        ...(nextBus ? [PromotionTarget.eventBus(nextBus)] : []),
      ];
      if (steps.length === 0) continue;
      promotions[m.model] = new ModelPromotion(this, `${pascal(m.model)}Promotion`, {
        sourceEnvironment: config.name,
        // With no next environment the promotion ends at this environment's endpoints.
        targetEnvironment: next ?? `${config.name}-endpoints`,
        modelPackageGroupNames: [groupOf(m.model)],
        target: steps[0],
        handOver: steps[1],
        encryptionKey: props.dataKey,
        logEncryptionKey: props.logsKey,
        removalPolicy,
      });
    }
    this.promotions = promotions;

    // A failed promotion (rolled back, refused, or not handed over) is a ticket for the platform team.
    const alarmAction = props.oncall.alarmAction('ticket');
    for (const [model, promotion] of Object.entries(promotions)) {
      const alarm = new cloudwatch.Alarm(this, `${pascal(model)}PromotionFailed`, {
        alarmName: `${config.name}-model-promotion-failed-${model}`,
        alarmDescription: describeAlarm(
          `A promotion of an approved ${model} version in ${config.name} failed (rolled back, refused or not handed over); the previous version still serves.`,
          { severity: 'ticket', owner: 'ml-platform', runbook: 'model-promotion-failed' },
        ),
        metric: promotion.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
    }

    // --- Import of versions promoted from the previous environment ------------------------------
    const previous = previousEnvironment(config.name);
    const imports: Record<string, VersionImport> = {};
    if (previous) {
      VersionImport.allowPromotionsFrom(this, 'PromotionsFromPrevious', ACCOUNTS[previous].account);
      for (const m of l.models) {
        imports[m.model] = new VersionImport(this, `${pascal(m.model)}Import`, {
          sourceAccount: ACCOUNTS[previous].account,
          sourceModelPackageGroupName: `${previous}-${m.model}`,
          environment: config.name,
          modelPackageGroupName: groupOf(m.model),
          importAs: l.promotion.importAs,
          // The version is registered on a copy in this environment's bucket, which its endpoint role reads.
          artifacts: { bucket: modelsBucket, prefix: `${m.model}/`, encryptionKey: props.dataKey },
          roleName: versionImportRoleName(config.name, m.model),
          encryptionKey: props.dataKey,
          logEncryptionKey: props.logsKey,
          removalPolicy,
        });
      }
    }
    this.imports = imports;

    // --- What crosses accounts with a promoted version --------------------------------------------
    // Artifacts: the next environment's import copies `<model>/…/model.tar.gz` from this models
    // bucket, so this bucket (Data stack) and its key (Security stack) admit exactly that account's
    // import role of the model. Images: a promoted version keeps the image of the environment that
    // first registered it, so each model repository (its Model stack) lets every later environment's
    // account pull, and this environment's endpoint roles may pull from the earlier ones'. The
    // statements hold literals only: no stack gains a reference to this one.
    if (next) {
      for (const m of l.models) {
        const roleArn = `arn:${this.partition}:iam::${ACCOUNTS[next].account}:role/${versionImportRoleName(next, m.model)}`;
        VersionImport.grantImportRead(modelsBucket, `${m.model}/`, props.dataKey, roleArn);
      }
    }
    const later = laterEnvironments(config.name);
    const earlier = previousEnvironments(config.name);
    for (const m of l.models) {
      const repository = props.models[m.model].repository;
      if (later.length > 0) {
        repository.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'PullByLaterEnvironments',
            principals: later.map((e) => new iam.AccountPrincipal(ACCOUNTS[e].account)),
            actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
          }),
        );
      }
      if (earlier.length === 0) continue;
      for (const spec of Object.values(props.models[m.model].endpoints)) {
        spec.allowImagesFrom(
          'PullPromotedImages',
          earlier.map((e) => `arn:${this.partition}:ecr:${ACCOUNTS[e].region}:${ACCOUNTS[e].account}:repository/${e}/${m.model}`),
        );
      }
    }

    for (const role of props.trainerRoles ?? []) this.approval.guardTrainer(role);

    // MLflow: the pipelines' job roles log runs with the explicit actions TrainingPipeline grants on
    // the environment's server (mlflowTrackingServerArn); team roles get it in their stacks.

    for (const [model, p] of Object.entries(pipelines)) {
      new CfnOutput(this, `${pascal(model)}PipelineArn`, {
        value: p.stateMachine.stateMachineArn,
        description: `Training pipeline of ${model}`,
      });
    }
    new CfnOutput(this, 'ApproverRoleArn', { value: this.approval.approverRole.roleArn, description: 'Model-risk reviewers approve here' });
  }
}

/** The environment before `env` in the promotion chain. */
export function previousEnvironment(env: EnvironmentName): EnvironmentName | undefined {
  return env === 'staging' ? 'dev' : env === 'prod' ? 'staging' : undefined;
}

/** Every environment before `env` in the promotion chain, nearest last. */
export function previousEnvironments(env: EnvironmentName): EnvironmentName[] {
  const previous = previousEnvironment(env);
  return previous ? [...previousEnvironments(previous), previous] : [];
}

/** Every environment after `env` in the promotion chain (where its versions may end up serving). */
export function laterEnvironments(env: EnvironmentName): EnvironmentName[] {
  return ENVIRONMENT_NAMES.filter((e) => previousEnvironments(e).includes(env));
}

/** The tag of `<repo>:<tag>` or `<repo>:<tag>@sha256:<digest>`. */
function imageTag(imageUri: string): string {
  return imageUri.split('@')[0]!.split(':').pop() ?? 'unknown';
}

/** A model's training choices as TrainingPipeline props (the EKS trainer's cluster options are the stack's). */
function pipelineProps(m: LifecycleModelConfig, repositoryUri: string) {
  const t = m.trainer;
  return {
    modelName: m.model,
    tier: m.tier,
    training:
      t.kind === 'sagemaker'
        ? {
            imageUri: t.imageUri,
            instanceType: t.instanceType,
            instanceCount: t.instanceCount,
            volumeSizeGb: t.volumeSizeGb,
            maxRuntime: Duration.hours(t.maxRuntimeHours),
            hyperparameters: { ...t.hyperparameters },
          }
        : undefined,
    evaluation: { ...m.thresholds, labelColumn: m.labelColumn },
    // The serving image: the model's repository (ModelStack's `<env>/<model>`), same tag as the training image.
    inferenceImageUri: `${repositoryUri}:${imageTag(t.imageUri)}`,
  };
}

/** Model Monitor's analyzer image of the region (the baselining job). */
function monitorBaseline(region: string) {
  return { analyzerImageUri: analyzerImage(region) };
}

function analyzerImage(region: string): string {
  const account = MODEL_MONITOR_ANALYZER_ACCOUNTS[region];
  if (!account) throw new Error(`lifecycle: no Model Monitor analyzer image for region ${region}`);
  return `${account}.dkr.ecr.${region}.amazonaws.com/sagemaker-model-monitor-analyzer`;
}
