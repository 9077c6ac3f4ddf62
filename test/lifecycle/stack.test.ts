import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { ACCOUNTS } from '../../lib/config/accounts';
import { definitions, type Execution, execute, serviceError } from '../constructs/lifecycle-fixtures';
import { platformStage } from '../util';
import { evaluate, type Request, roleStatements, type Statement } from './iam-eval';

// asl-validator is CommonJS without types: `validator(definition) -> { isValid, errorsText() }`.
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

const ENVS = ['dev', 'staging', 'prod'] as const;
type Env = (typeof ENVS)[number];

const lifecycle = (env: Env) => platformStage(env).lifecycle;
const templateOf = (env: Env) => Template.fromStack(lifecycle(env));
/** The one state machine definition of a Lifecycle stack whose logical id starts with `prefix`. */
function definitionOf(env: Env, prefix: string): any {
  const found = Object.entries(definitions(lifecycle(env))).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1)
    throw new Error(`expected one '${prefix}*' state machine in ${env}, got ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0]![1];
}
const logicalId = (stack: Stack, role: iam.IRole) => stack.getLogicalId(role.node.defaultChild as CfnElement);

describe('Lifecycle stack in every environment', () => {
  test.each(ENVS)('%s: a pipeline per model (named), the approval, promotion, retraining rules and their roles', (env) => {
    const t = templateOf(env);
    const { account, region } = ACCOUNTS[env];
    expect(lifecycle(env).stackName).toBe(`MlPlatform-${env}-Lifecycle`);
    for (const model of ['credit-risk', 'fraud']) {
      t.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: `${env}-${model}-training` });
    }
    // Approvals of each model's group start its promotion; the drift alarm of the credit-risk endpoint starts retraining.
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [`${env}-credit-risk`], ModelApprovalStatus: ['Approved'] },
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.cloudwatch'], detail: { state: { value: ['ALARM'] } } }),
    });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { AWS: `arn:aws:iam::${account}:role/${env}-model-risk-reviewers` } })],
      },
      MaxSessionDuration: 3600,
    });
    // Promotions of the previous environment are admitted from its account only.
    const previous = env === 'staging' ? 'dev' : env === 'prod' ? 'staging' : undefined;
    if (previous) {
      t.hasResourceProperties('AWS::Events::EventBusPolicy', {
        Statement: Match.objectLike({ Principal: { AWS: `arn:aws:iam::${ACCOUNTS[previous].account}:root` }, Action: 'events:PutEvents' }),
      });
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ account: [ACCOUNTS[previous].account], detail: Match.objectLike({ targetEnvironment: [env] }) }),
      });
    } else {
      t.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    }
    expect(region).toBe('eu-west-1');
  });

  test('MWAA in staging and prod (private web server, DAGs from the lake), none in dev', () => {
    expect(platformStage('dev').airflow).toBeUndefined();
    for (const env of ['staging', 'prod'] as const) {
      const stack = platformStage(env).airflow!;
      expect(stack.stackName).toBe(`MlPlatform-${env}-Airflow`);
      Template.fromStack(stack).hasResourceProperties('AWS::MWAA::Environment', {
        Name: `${env}-airflow`,
        WebserverAccessMode: 'PRIVATE_ONLY',
        DagS3Path: 'airflow/dags',
      });
      // MWAA waits only for Security, Network and Data (its 30-minute create is off the Serving chain).
      expect(stack.dependencies.map((d) => d.stackName).sort()).toEqual(
        [`MlPlatform-${env}-Data`, `MlPlatform-${env}-Network`, `MlPlatform-${env}-Security`].sort(),
      );
    }
  });

  test.each(ENVS)('%s: every state machine of the stack is valid Amazon States Language', (env) => {
    const all = definitions(lifecycle(env));
    expect(Object.keys(all).length).toBeGreaterThanOrEqual(5);
    for (const [id, definition] of Object.entries(all)) {
      const result = aslValidator(definition);
      expect(`${id}: ${result.errorsText('\n')}`).toBe(`${id}: `);
    }
  });
});

// --------------------------------------------------------------------------------------------------
// The wired definitions, executed offline (aws-local-stepfunctions, every service call stubbed).

const PKG = (env: Env, n: number) => `arn:aws:sagemaker:eu-west-1:${ACCOUNTS[env].account}:model-package/${env}-credit-risk/${n}`;

describe('wired training pipeline (prod credit-risk)', () => {
  const definition = definitionOf('prod', 'CreditRiskPipeline');
  const set = 's3://Features/training-sets/applicant_txn_aggregates/version=20261127T020000Z/';
  const input = { trainingSetUri: set.replace('Features', 'x'), trainingSetVersion: '20261127T020000Z', codeVersion: '1.0.0' };
  const stubs = (change: Record<string, (i: any) => unknown> = {}) => ({
    Train: () => ({
      TrainingJobArn: 'arn:train',
      ModelArtifacts: { S3ModelArtifacts: 's3://m/credit-risk/pipelines/training/x/model.tar.gz' },
    }),
    FindProductionVersion: () => ({ ModelPackageSummaryList: [] }),
    Evaluate: () => ({ ProcessingJobArn: 'arn:eval' }),
    ReadEvaluation: () => ({ Body: JSON.stringify({ auc: 0.8, ks: 0.45, summary: 'holdout AUC 0.8, KS 0.45', mlflowRunId: 'r1' }) }),
    WriteBiasConfig: () => ({}),
    CheckBias: () => ({ ProcessingJobArn: 'arn:bias' }),
    ReadBias: () => ({
      Body: JSON.stringify({ post_training_bias_metrics: { facets: { age_band: [{ metrics: [{ name: 'DI', value: 0.9 }] }] } } }),
    }),
    BaselineMonitor: () => ({ ProcessingJobArn: 'arn:baseline' }),
    RegisterModelPackage: () => ({ ModelPackageArn: PKG('prod', 3) }),
    ...change,
  });
  const withSet = (uri: string) => ({ ...input, trainingSetUri: uri });
  let bucket = '';

  test('trains on the view prefix of the features bucket only', async () => {
    const run = await execute(definition, input, stubs());
    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    bucket = /s3:\/\/([^/]+)\/training-sets/.exec(run.cause ?? '')?.[1] ?? '';
    expect(bucket).not.toBe('');
  });

  test('pass: gates pass, the monitor baseline is computed from the training channel and recorded on the version', async () => {
    const run = await execute(definition, withSet(set.replace('Features', bucket)), stubs());
    expect(run.status).toBe('SUCCEEDED');
    const baseline = run.calls.BaselineMonitor![0];
    expect(baseline.ProcessingInputs[0].S3Input.S3Uri).toBe(`${set.replace('Features', bucket)}train/`);
    expect(baseline.AppSpecification.ImageUri).toMatch(/sagemaker-model-monitor-analyzer$/);
    const out = baseline.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri;
    expect(out).toMatch(/\/credit-risk\/pipelines\/runs\/[0-9a-f-]{36}\/baseline\/$/);
    const register = run.calls.RegisterModelPackage![0];
    expect(register.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(register.ModelPackageGroupName).toBe('prod-credit-risk');
    expect(register.DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri).toBe(`${out}statistics.json`);
    expect(register.CustomerMetadataProperties.baselineKey).toMatch(/^credit-risk\/pipelines\/runs\/[0-9a-f-]{36}\/baseline\/$/);
    expect(register.InferenceSpecification.Containers[0].Image).toMatch(/:1\.0\.0$/);
  });

  test.each([
    [
      'evaluation fails (AUC 0.70 < 0.72)',
      { ReadEvaluation: () => ({ Body: JSON.stringify({ auc: 0.7, ks: 0.45, summary: 's' }) }) },
      'EvaluationGateFailed',
    ],
    [
      'bias fails (adverse impact ratio 0.6 < 0.8)',
      {
        ReadBias: () => ({
          Body: JSON.stringify({ post_training_bias_metrics: { facets: { age_band: [{ metrics: [{ value: 0.6 }] }] } } }),
        }),
      },
      'BiasGateFailed',
    ],
    [
      'training fails',
      {
        Train: () => {
          throw serviceError('SageMaker.AmazonSageMakerException', 'AlgorithmError: out of memory');
        },
      },
      'TrainingFailed',
    ],
    [
      'baselining fails',
      {
        BaselineMonitor: () => {
          throw serviceError('SageMaker.AmazonSageMakerException', 'baseline job failed');
        },
      },
      'PipelineStepFailed',
    ],
  ])('%s: nothing is registered', async (_name, change, error) => {
    const run = await execute(definition, withSet(set.replace('Features', bucket)), stubs(change as never));
    expect(run).toMatchObject({ status: 'FAILED', error });
    expect(run.calls.RegisterModelPackage).toBeUndefined();
  });
});

/** The spec document EndpointSpec writes (the fields the rollout reads). */
const SPEC = {
  version: 1,
  endpointName: 'staging-credit-risk',
  variantName: 'AllTraffic',
  modelPackageGroupName: 'staging-credit-risk',
  executionRoleArn: 'arn:aws:iam::222222222222:role/endpoint-role',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/k',
  networkIsolation: true,
  subnets: ['subnet-1', 'subnet-2'],
  securityGroupIds: ['sg-1'],
  instances: { instanceType: 'ml.m5.xlarge', initialInstanceCount: 2 },
  serverless: null,
  dataCapture: { destinationS3Uri: 's3://models/data-capture/staging-credit-risk', samplingPercentage: 50 },
  guardrails: {
    canaryPercent: 25,
    canaryWaitSeconds: 600,
    terminationWaitSeconds: 600,
    maximumExecutionTimeoutSeconds: 3600,
    rollbackAlarmNames: ['staging-credit-risk-latency', 'staging-credit-risk-5xx', 'staging-credit-risk-drift'],
  },
};

describe('wired EKS trainer (fraud: a TrainJob in staging and prod, SageMaker in dev)', () => {
  test('prod: the TrainJob of the fraud namespace, on the EFA runtime, queued in the team LocalQueue, as the team service account', () => {
    const d = definitionOf('prod', 'FraudPipeline');
    expect(d.States.Train).toBeUndefined();
    const create = d.States.CreateTrainJob;
    expect(create.Resource).toBe('arn:aws:states:::eks:call');
    expect(create.Parameters.Path).toBe('/apis/trainer.kubeflow.org/v1alpha1/namespaces/fraud/trainjobs');
    const body = create.Parameters.RequestBody;
    expect(body.metadata).toMatchObject({
      namespace: 'fraud',
      labels: { 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'production' },
    });
    expect(body.spec.runtimeRef.name).toBe('platform-torch-efa');
    expect(body.spec.trainer).toMatchObject({
      numNodes: 2,
      resourcesPerNode: { limits: { 'nvidia.com/gpu': 8, 'vpc.amazonaws.com/efa': 32 } },
    });
    expect(JSON.stringify(body.spec.runtimePatches)).toContain('"serviceAccountName":"fraud-workloads"');
    expect(definitionOf('staging', 'FraudPipeline').States.CreateTrainJob.Parameters.RequestBody.spec.runtimeRef.name).toBe(
      'platform-torch-distributed',
    );
    expect(definitionOf('dev', 'FraudPipeline').States.Train.Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
  });

  test('prod: a failed TrainJob ends the run in TrainingFailed with its reason; nothing is evaluated or registered', async () => {
    const d = definitionOf('prod', 'FraudPipeline');
    const bucket = /s3:\/\/([^/]+)\/training-sets/.exec(d.States.InvalidInput.Cause)![1];
    const input = {
      trainingSetUri: `s3://${bucket}/training-sets/applicant_txn_aggregates/v=1/`,
      trainingSetVersion: 'v=1',
      codeVersion: '1.0.0',
    };
    const job = (status: unknown) => ({ ResponseBody: { metadata: { name: 'fraud-0a1b2c3d' }, status } });
    let polls = 0;
    const run = await execute(d, input, {
      CreateTrainJob: () => job(undefined),
      GetTrainJob: () =>
        polls++ === 0
          ? job({ conditions: [{ type: 'Suspended', status: 'True', reason: 'Kueue' }] })
          : job({ conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'nccl timeout' }] }),
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'TrainingFailed' });
    expect(run.cause).toMatch(/^TrainJob fraud-[0-9a-f]{8} failed: DeadlineExceeded: nccl timeout; nothing registered$/);
    expect(Object.keys(run.calls).sort()).toEqual(['CreateTrainJob', 'GetTrainJob']);
  });

  test.each(['staging', 'prod'] as const)(
    '%s: the pipeline role has one access entry (a group, no access policy) and a Role in the fraud namespace; Lifecycle deploys after Compute and the fraud team',
    (env) => {
      const t = templateOf(env);
      t.resourceCountIs('AWS::EKS::AccessEntry', 1);
      const [entry] = Object.values(t.findResources('AWS::EKS::AccessEntry')) as any[];
      expect(entry.Properties).toMatchObject({ Type: 'STANDARD', KubernetesGroups: ['ml-platform:training-pipeline:fraud'] });
      expect(entry.Properties.AccessPolicies).toBeUndefined();
      expect(JSON.stringify(entry.Properties.PrincipalArn)).toMatch(/FraudPipelineRole/);
      const manifests = Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')).map((r: any) =>
        JSON.parse(r.Properties.Manifest),
      );
      expect(manifests).toHaveLength(1);
      expect(manifests[0].map((o: any) => [o.kind, o.metadata.namespace])).toEqual([
        ['Role', 'fraud'],
        ['RoleBinding', 'fraud'],
      ]);
      expect(manifests[0][0].rules).toEqual([
        { apiGroups: ['trainer.kubeflow.org'], resources: ['trainjobs'], verbs: ['create', 'get', 'delete'] },
      ]);
      const stage = platformStage(env);
      const after = stage.lifecycle.dependencies.map((s) => s.stackName);
      expect(after).toEqual(expect.arrayContaining([stage.compute.stackName, stage.teams.fraud!.stackName]));
    },
  );

  test('dev: no access entry and no Kubernetes object (SageMaker training only)', () => {
    const t = templateOf('dev');
    t.resourceCountIs('AWS::EKS::AccessEntry', 0);
    t.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 0);
  });
});

describe('wired endpoint rollout (staging credit-risk): the mlp rollout procedure', () => {
  const definition = definitionOf('staging', 'CreditRiskRollout');
  const version = (status = 'Approved', group = 'staging-credit-risk') => ({
    ModelPackageArn: PKG('staging', 4),
    ModelPackageGroupName: group,
    ModelPackageVersion: 4,
    ModelApprovalStatus: status,
    InferenceSpecification: { Containers: [{ Image: 'img:1.0.0', ModelDataUrl: 's3://models/credit-risk/v4/model.tar.gz' }] },
    CustomerMetadataProperties: { baselineKey: 'credit-risk/pipelines/runs/r1/baseline/' },
  });
  function stubs(finalPoll: (target: string) => { EndpointStatus: string; EndpointConfigName: string }, change = {}) {
    let target = '';
    let polls = 0;
    return {
      ReadSpec: () => ({ Parameter: { Value: JSON.stringify(SPEC) } }),
      DescribeVersion: () => version(),
      DescribeEndpoint: () => ({ EndpointStatus: 'InService', EndpointConfigName: 'staging-credit-risk-v3-aaaa' }),
      CreateModel: () => ({}),
      CreateEndpointConfig: (r: any) => {
        target = r.EndpointConfigName;
        return {};
      },
      UpdateEndpoint: () => ({}),
      PollEndpoint: () => {
        polls += 1;
        return polls < 2 ? { EndpointStatus: 'Updating', EndpointConfigName: 'staging-credit-risk-v3-aaaa' } : finalPoll(target);
      },
      CopyBaselineStatistics: () => ({}),
      CopyBaselineConstraints: () => ({}),
      ...change,
    };
  }
  const run = (s: Record<string, (i: any) => unknown>) => execute(definition, { modelPackageArn: PKG('staging', 4) }, s);

  test('pass: model and config from the spec, UpdateEndpoint with the blue/green canary and the rollback alarms, baseline copied', async () => {
    const r = await run(stubs((target) => ({ EndpointStatus: 'InService', EndpointConfigName: target })));
    expect(r.status).toBe('SUCCEEDED');
    const model = r.calls.CreateModel![0];
    expect(model).toMatchObject({
      ExecutionRoleArn: SPEC.executionRoleArn,
      PrimaryContainer: { Image: 'img:1.0.0', ModelDataUrl: 's3://models/credit-risk/v4/model.tar.gz' },
      VpcConfig: { Subnets: SPEC.subnets, SecurityGroupIds: SPEC.securityGroupIds },
      EnableNetworkIsolation: true,
    });
    expect(model.ModelName).toMatch(/^staging-credit-risk-v4-[0-9a-f]{8}$/);
    const config = r.calls.CreateEndpointConfig![0];
    expect(config).toMatchObject({
      EndpointConfigName: model.ModelName,
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: model.ModelName, InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 2 },
      ],
      KmsKeyId: SPEC.kmsKeyArn,
      DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 50, DestinationS3Uri: SPEC.dataCapture.destinationS3Uri },
    });
    // The same tags mlp writes: `mlp endpoints rollback` and `status` read them.
    expect(config.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'mlp:model-package-arn', Value: PKG('staging', 4) },
        { Key: 'mlp:previous-endpoint-config', Value: 'staging-credit-risk-v3-aaaa' },
      ]),
    );
    expect(r.calls.UpdateEndpoint![0]).toEqual({
      EndpointName: 'staging-credit-risk',
      EndpointConfigName: model.ModelName,
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 600 },
          TerminationWaitInSeconds: 600,
          MaximumExecutionTimeoutInSeconds: 3600,
        },
        AutoRollbackConfiguration: { Alarms: SPEC.guardrails.rollbackAlarmNames.map((AlarmName) => ({ AlarmName })) },
      },
    });
    expect(r.calls.PollEndpoint).toHaveLength(2);
    expect(r.calls.CopyBaselineStatistics![0]).toMatchObject({
      Key: 'monitoring/staging-credit-risk/baseline/statistics.json',
      CopySource: expect.stringMatching(/\/credit-risk\/pipelines\/runs\/r1\/baseline\/statistics\.json$/),
    });
  });

  test('promotion rolled back: the endpoint is back on the previous config, the execution fails, no baseline is copied', async () => {
    const r = await run(stubs(() => ({ EndpointStatus: 'InService', EndpointConfigName: 'staging-credit-risk-v3-aaaa' })));
    expect(r).toMatchObject({ status: 'FAILED', error: 'PromotionRolledBack' });
    expect(r.cause).toMatch(/keeps the previous config serving/);
    expect(r.calls.CopyBaselineStatistics).toBeUndefined();
  });

  test.each([
    ['a version not Approved', { DescribeVersion: () => version('PendingManualApproval') }, 'VersionRefused'],
    ['a version of another group', { DescribeVersion: () => version('Approved', 'staging-fraud') }, 'VersionRefused'],
    [
      'an endpoint that does not exist yet (its first version is mlp endpoints rollout’s)',
      {
        DescribeEndpoint: () => {
          throw serviceError('SageMaker.AmazonSageMakerException', 'Could not find endpoint');
        },
      },
      'EndpointNotReady',
    ],
    [
      'an endpoint that is updating',
      { DescribeEndpoint: () => ({ EndpointStatus: 'Updating', EndpointConfigName: 'x' }) },
      'EndpointNotReady',
    ],
  ])('refused: %s; nothing is created or updated', async (_n, change, error) => {
    const r = await run(stubs(() => ({ EndpointStatus: 'InService', EndpointConfigName: 'x' }), change));
    expect(r).toMatchObject({ status: 'FAILED', error });
    expect(r.calls.CreateModel).toBeUndefined();
    expect(r.calls.UpdateEndpoint).toBeUndefined();
  });
});

describe('wired promotion: dev approval → dev rollout → staging; staging → prod after a second approval', () => {
  const approval = (env: Env, status: string) => ({
    source: 'aws.sagemaker',
    'detail-type': 'SageMaker Model Package State Change',
    detail: { ModelPackageArn: PKG(env, 2), ModelPackageGroupName: `${env}-credit-risk`, ModelApprovalStatus: status },
  });
  const describe_ = (env: Env) => () => ({
    ModelPackageArn: PKG(env, 2),
    ModelPackageGroupName: `${env}-credit-risk`,
    InferenceSpecification: { Containers: [{ Image: 'img:1.0.0', ModelDataUrl: 's3://m/credit-risk/model.tar.gz' }] },
  });

  test('dev: an approval rolls the version out in dev (run to completion), then hands it to the staging account', async () => {
    const definition = definitionOf('dev', 'CreditRiskPromotion');
    const r: Execution = await execute(definition, approval('dev', 'Approved'), {
      DescribeVersion: describe_('dev'),
      Promote: () => ({ ExecutionArn: 'arn:exec', Status: 'SUCCEEDED' }),
      HandOver: () => ({ Entries: [{ EventId: 'e1' }] }),
    });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.calls.Promote![0].Input).toMatchObject({ modelPackageArn: PKG('dev', 2) });
    const entry = r.calls.HandOver![0].Entries[0];
    expect(entry).toMatchObject({ Source: 'ml-platform.lifecycle', DetailType: 'Model Promotion Requested' });
    expect(entry.EventBusName).toBe(`arn:aws:events:eu-west-1:${ACCOUNTS.staging.account}:event-bus/default`);
    expect(entry.Detail).toMatchObject({
      sourceEnvironment: 'dev',
      targetEnvironment: 'staging',
      modelPackageGroupName: 'dev-credit-risk',
    });
  });

  test('approval rejected: nothing is rolled out or handed over', async () => {
    const r = await execute(definitionOf('dev', 'CreditRiskPromotion'), approval('dev', 'Rejected'), {});
    expect(r.status).toBe('SUCCEEDED');
    expect(r.calls).toEqual({});
  });

  test('rollout failed in dev: PromotionRolledBack, staging never hears of the version', async () => {
    const r = await execute(definitionOf('dev', 'CreditRiskPromotion'), approval('dev', 'Approved'), {
      DescribeVersion: describe_('dev'),
      Promote: () => {
        throw serviceError('States.TaskFailed', 'PromotionRolledBack: the update did not finish on the new config');
      },
      HandOver: () => ({}),
    });
    expect(r).toMatchObject({ status: 'FAILED', error: 'PromotionRolledBack' });
    expect(r.calls.HandOver).toBeUndefined();
  });

  test('hand-over refused by the next account: HandOverFailed (the version served here; the alarm tells the platform team)', async () => {
    const r = await execute(definitionOf('dev', 'CreditRiskPromotion'), approval('dev', 'Approved'), {
      DescribeVersion: describe_('dev'),
      Promote: () => ({ ExecutionArn: 'arn:exec', Status: 'SUCCEEDED' }),
      HandOver: () => {
        throw serviceError('EventBridge.AccessDeniedException', 'not authorized to put events on the staging bus');
      },
    });
    expect(r).toMatchObject({ status: 'FAILED', error: 'HandOverFailed', cause: 'not authorized to put events on the staging bus' });
  });

  const promoted = (target: Env, source: Env, modelDataUrl: string) => ({
    source: 'ml-platform.lifecycle',
    'detail-type': 'Model Promotion Requested',
    detail: {
      modelPackageArn: PKG(source, 2),
      modelPackageGroupName: `${source}-credit-risk`,
      modelDataUrl,
      image: `${ACCOUNTS.dev.account}.dkr.ecr.eu-west-1.amazonaws.com/dev/credit-risk:1.0.0`,
      sourceEnvironment: source,
      targetEnvironment: target,
    },
  });
  const SOURCE_ARTIFACT = 's3://source-models/credit-risk/pipelines/training/credit-risk-train-x/output/model.tar.gz';

  test('staging imports the version as Approved (dev approval carries over); prod imports it PendingManualApproval (second approval); both on a copy of the artifact in their own models bucket', async () => {
    for (const [target, source, status] of [
      ['staging', 'dev', 'Approved'],
      ['prod', 'staging', 'PendingManualApproval'],
    ] as const) {
      const r = await execute(definitionOf(target, 'CreditRiskImport'), promoted(target, source, SOURCE_ARTIFACT), {
        CopyArtifact: () => ({ CopyObjectResult: { ETag: '"e"' } }),
        RegisterPromotedVersion: () => ({ ModelPackageArn: PKG(target, 1) }),
      });
      expect(r.status).toBe('SUCCEEDED');
      // THEN the artifact is copied first, from the source account's bucket only, into this
      // environment's models bucket under the model's prefix (<model>/<source env>-<n>/model.tar.gz)
      const copy = r.calls.CopyArtifact![0];
      expect(copy).toMatchObject({
        CopySource: 'source-models/credit-risk/pipelines/training/credit-risk-train-x/output/model.tar.gz',
        Key: `credit-risk/${source}-2/model.tar.gz`,
        ExpectedSourceBucketOwner: ACCOUNTS[source].account,
      });
      expect(copy.Bucket).toMatch(/Models/);
      // AND the version is registered on the copy (the source artifact recorded as lineage), the image as promoted
      expect(r.calls.RegisterPromotedVersion![0]).toMatchObject({
        ModelPackageGroupName: `${target}-credit-risk`,
        ModelApprovalStatus: status,
        InferenceSpecification: {
          Containers: [
            {
              Image: `${ACCOUNTS.dev.account}.dkr.ecr.eu-west-1.amazonaws.com/dev/credit-risk:1.0.0`,
              ModelDataUrl: `s3://${copy.Bucket}/credit-risk/${source}-2/model.tar.gz`,
            },
          ],
        },
        CustomerMetadataProperties: {
          sourceModelPackageArn: PKG(source, 2),
          sourceEnvironment: source,
          sourceModelDataUrl: SOURCE_ARTIFACT,
        },
      });
    }
  });

  test.each([
    ['outside the model prefix', 's3://source-models/fraud/model.tar.gz'],
    ['not an S3 URL', 'https://example.com/credit-risk/model.tar.gz'],
  ])('an artifact %s is refused: nothing copied or registered', async (_n, url) => {
    const r = await execute(definitionOf('staging', 'CreditRiskImport'), promoted('staging', 'dev', url), {
      CopyArtifact: () => ({}),
      RegisterPromotedVersion: () => ({}),
    });
    expect(r).toMatchObject({ status: 'FAILED', error: 'ImportRefused' });
    expect(r.calls).toEqual({});
  });

  test('the copy fails (the source denies it): ImportFailed, nothing registered, the previous version keeps serving', async () => {
    const r = await execute(definitionOf('staging', 'CreditRiskImport'), promoted('staging', 'dev', SOURCE_ARTIFACT), {
      CopyArtifact: () => {
        throw serviceError('S3.S3Exception', 'Access Denied');
      },
      RegisterPromotedVersion: () => ({}),
    });
    expect(r).toMatchObject({ status: 'FAILED', error: 'ImportFailed', cause: 'Access Denied' });
    expect(r.calls.RegisterPromotedVersion).toBeUndefined();
  });

  test('prod: an approval rolls prod out and hands over to nobody', async () => {
    const definition = definitionOf('prod', 'CreditRiskPromotion');
    expect(Object.keys(definition.States)).not.toContain('HandOver');
    const r = await execute(definition, approval('prod', 'Approved'), {
      DescribeVersion: describe_('prod'),
      Promote: () => ({ ExecutionArn: 'arn:exec', Status: 'SUCCEEDED' }),
    });
    expect(r.status).toBe('SUCCEEDED');
  });
});

describe('wired drift retraining (prod credit-risk): at most once per 24 hours', () => {
  test('a second drift alarm within the interval is rate-limited', async () => {
    const definition = definitionOf('prod', 'CreditRiskRetraining');
    const claims = new Map<string, number>();
    const stubs = {
      ClaimInterval: (req: any) => {
        const until = claims.get(req.Item.pk.S);
        if (until !== undefined && until > Number(req.ExpressionAttributeValues[':now'].N)) {
          throw serviceError('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
        }
        claims.set(req.Item.pk.S, Number(req.Item.expiresAt.N));
        return {};
      },
      ListTrainingSets: () => ({ CommonPrefixes: [{ Prefix: 'training-sets/applicant_txn_aggregates/version=20261201T000000Z/' }] }),
      StartTraining: () => ({ ExecutionArn: 'arn:x' }),
    };
    const alarm = (time: string) => ({ id: time, time, detail: { alarmName: 'prod-credit-risk-drift', state: { value: 'ALARM' } } });
    const first = await execute(definition, alarm('2026-12-01T10:00:00Z'), stubs);
    const second = await execute(definition, alarm('2026-12-02T09:59:00Z'), stubs);
    const third = await execute(definition, alarm('2026-12-02T10:00:00Z'), stubs);
    expect(first.calls.StartTraining).toHaveLength(1);
    expect(first.calls.StartTraining![0].StateMachineArn).toMatch(/^CreditRiskPipeline/);
    expect(second.calls.StartTraining).toBeUndefined();
    expect(third.calls.StartTraining).toHaveLength(1);
  });
});

// --------------------------------------------------------------------------------------------------
// Separation of duties, decided by evaluating the synthesized identity policies.

describe('separation of duties (IAM policy evaluation of the synthesized policies)', () => {
  const env = 'prod';
  const stage = platformStage(env);
  const stack = stage.lifecycle;
  const json = Template.fromStack(stack).toJSON() as { Resources: Record<string, any> };
  const pseudo = { 'AWS::AccountId': ACCOUNTS[env].account, 'AWS::Region': 'eu-west-1' };
  const statementsOf = (role: iam.IRole): Statement[] => roleStatements(json, logicalId(stack, role), pseudo);
  const arn = (resource: string) => `arn:aws:sagemaker:eu-west-1:${ACCOUNTS[env].account}:${resource}`;
  const pipelineArn = `arn:aws:states:eu-west-1:${ACCOUNTS[env].account}:stateMachine:prod-credit-risk-training`;
  const approve: Request = {
    action: 'sagemaker:UpdateModelPackage',
    resource: arn('model-package/prod-credit-risk/3'),
    context: { 'sagemaker:ModelApprovalStatus': 'Approved' },
  };
  const register = (status: string): Request => ({
    action: 'sagemaker:CreateModelPackage',
    resource: arn('model-package/prod-credit-risk/4'),
    context: { 'sagemaker:ModelApprovalStatus': status },
  });
  const trainOrChange: Request[] = [
    { action: 'states:StartExecution', resource: pipelineArn },
    { action: 'states:UpdateStateMachine', resource: pipelineArn },
    { action: 'sagemaker:CreateTrainingJob', resource: arn('training-job/credit-risk-train-x') },
    { action: 'sagemaker:CreateProcessingJob', resource: arn('processing-job/credit-risk-eval-x') },
    register('PendingManualApproval'),
  ];

  test('the approver may approve and reject, and can neither train nor run nor change a pipeline', () => {
    const approver = statementsOf(stack.approval.approverRole);
    expect(evaluate(approver, approve)).toBe('Allowed');
    expect(evaluate(approver, { ...approve, context: { 'sagemaker:ModelApprovalStatus': 'Rejected' } })).toBe('Allowed');
    expect(evaluate(approver, { ...approve, context: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } })).not.toBe('Allowed');
    for (const r of trainOrChange) expect([r.action, evaluate(approver, r)]).toEqual([r.action, 'ExplicitlyDenied']);
  });

  test('the pipeline (state machine and job roles) trains and registers Pending, and can never approve', () => {
    const pipeline = stack.pipelines['credit-risk'];
    const machine = statementsOf(pipeline.stateMachine.role);
    expect(evaluate(machine, register('PendingManualApproval'))).toBe('Allowed');
    expect(evaluate(machine, { action: 'sagemaker:CreateProcessingJob', resource: arn('processing-job/credit-risk-eval-x') })).toBe(
      'Allowed',
    );
    expect(evaluate(machine, register('Approved'))).toBe('ExplicitlyDenied');
    expect(evaluate(machine, approve)).toBe('ExplicitlyDenied');
    const jobs = statementsOf(pipeline.jobRole);
    expect(evaluate(jobs, approve)).toBe('ExplicitlyDenied');
    expect(evaluate(jobs, register('Approved'))).toBe('ExplicitlyDenied');
  });

  test('team roles and MWAA (other stacks) carry the trainer guardrail: they can never approve', () => {
    const guardrail = json.Resources[stack.getLogicalId(stack.approval.trainerGuardrail.node.defaultChild as CfnElement)];
    // Attached by name to the pipeline roles and to every team role and the MWAA execution role
    // (weak references to their stacks).
    const outputs = (guardrail.Properties.Roles as any[]).flatMap((r) =>
      r['Fn::GetStackOutput'] ? [r['Fn::GetStackOutput'].StackName] : [],
    );
    expect(outputs.sort()).toEqual([...Object.values(stage.teams).map((t) => t.stackName), stage.airflow!.stackName].sort());
    const statements = resolveGuardrail(guardrail);
    expect(evaluate(statements, approve)).toBe('ExplicitlyDenied');
    expect(evaluate(statements, register('Approved'))).toBe('ExplicitlyDenied');
    expect(evaluate(statements, register('PendingManualApproval'))).toBe('ImplicitlyDenied');
    const mwaa = Template.fromStack(stage.airflow!).toJSON() as { Resources: Record<string, any> };
    const mwaaRole = stage.airflow!.getLogicalId(stage.airflow!.airflow.executionRole.node.defaultChild as CfnElement);
    const mwaaStatements = [...roleStatements(mwaa, mwaaRole, pseudo), ...statements];
    expect(evaluate(mwaaStatements, { action: 'states:StartExecution', resource: pipelineArn })).toBe('Allowed');
    expect(evaluate(mwaaStatements, approve)).toBe('ExplicitlyDenied');
  });

  function resolveGuardrail(policy: any): Statement[] {
    return policy.Properties.PolicyDocument.Statement as Statement[];
  }

  test('the rollout may update its endpoint only, and cannot register or approve versions', () => {
    const rollout = statementsOf(stack.rollouts['credit-risk'].stateMachine.role);
    expect(evaluate(rollout, { action: 'sagemaker:UpdateEndpoint', resource: arn('endpoint/prod-credit-risk') })).toBe('Allowed');
    expect(evaluate(rollout, { action: 'sagemaker:UpdateEndpoint', resource: arn('endpoint/prod-fraud') })).toBe('ImplicitlyDenied');
    expect(evaluate(rollout, approve)).toBe('ImplicitlyDenied');
    expect(evaluate(rollout, register('Approved'))).toBe('ImplicitlyDenied');
  });
});

describe('alarms follow the alarm contract', () => {
  test.each(ENVS)('%s: a failed promotion is a ticket with its runbook, to the serving alarm topic', (env) => {
    const t = templateOf(env);
    const alarms = t.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(1);
    for (const a of Object.values(alarms) as any[]) {
      const description: string = a.Properties.AlarmDescription;
      expect(description).toMatch(/\nSeverity: ticket\nOwner: ml-platform\nRunbook: docs\/runbooks\/model-promotion-failed\.md$/);
      expect(a.Properties.AlarmActions).toHaveLength(1);
    }
    expect(require('node:fs').existsSync(require('node:path').join(__dirname, '../../docs/runbooks/model-promotion-failed.md'))).toBe(true);
  });
});

describe('keys', () => {
  test.each(ENVS)('%s: execution logs use the logs key; the data key gets no CloudWatch Logs statement from the lifecycle', (env) => {
    const logs = Object.values(templateOf(env).findResources('AWS::Logs::LogGroup')) as any[];
    expect(logs.length).toBeGreaterThanOrEqual(5);
    for (const l of logs) expect(JSON.stringify(l.Properties.KmsKeyId)).toMatch(/KeysLogsKey/);
    const security = Template.fromStack(platformStage(env).security).toJSON() as any;
    const sids = Object.values(security.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::KMS::Key')
      .flatMap((r) => r.Properties.KeyPolicy.Statement.map((s: any) => s.Sid ?? ''));
    expect(sids.filter((s: string) => s.startsWith(`LogsFor${env}Lifecycle`))).toEqual([]);
  });
});

describe('what crosses accounts with a promoted version (synthesized policies)', () => {
  const importRole = (env: Env) => `arn:aws:iam::${ACCOUNTS[env].account}:role/${env}-credit-risk-version-import`;
  const statementsOf = (t: Template, type: string, field: string): any[] =>
    Object.values(t.findResources(type)).flatMap((r: any) => r.Properties[field].Statement as any[]);

  test.each([
    ['dev', 'staging'],
    ['staging', 'prod'],
  ] as const)('%s lets only the %s import role read <model>/* of its models bucket and decrypt through S3', (env, next) => {
    const stage = platformStage(env);
    // GIVEN the owning stacks' templates: the bucket policy (Data) and the data key's policy (Security)
    const bucket = statementsOf(Template.fromStack(stage.data), 'AWS::S3::BucketPolicy', 'PolicyDocument').filter(
      (s) => s.Principal?.AWS === `arn:aws:iam::${ACCOUNTS[next].account}:root`,
    );
    // THEN one GetObject statement per model, on the model's prefix, conditioned on that role
    const creditRisk = bucket.find((s) => JSON.stringify(s.Resource).includes('/credit-risk/*'));
    expect(creditRisk).toMatchObject({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Condition: { ArnEquals: { 'aws:PrincipalArn': importRole(next) } },
    });
    expect(bucket.every((s) => s.Action === 's3:GetObject' && s.Condition.ArnEquals['aws:PrincipalArn'].endsWith('-version-import'))).toBe(
      true,
    );
    expect(JSON.stringify(creditRisk.Resource)).toMatch(/ModelsBucket.*\/credit-risk\/\*/);
    const key = statementsOf(Template.fromStack(stage.security), 'AWS::KMS::Key', 'KeyPolicy').filter(
      (s) => s.Principal?.AWS === `arn:aws:iam::${ACCOUNTS[next].account}:root`,
    );
    expect(key.find((s) => s.Condition.ArnEquals['aws:PrincipalArn'] === importRole(next))).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
    // AND the key granted is the lake's (the models bucket's) key
    const keys = Template.fromStack(stage.security).findResources('AWS::KMS::Key');
    const holder = Object.entries(keys).find(([, r]: any) =>
      r.Properties.KeyPolicy.Statement.some((s: any) => s.Principal?.AWS?.includes?.(ACCOUNTS[next].account)),
    );
    expect(holder![0]).toMatch(/^KeysDataKey/);
  });

  test('prod grants no other account its artifacts', () => {
    const stage = platformStage('prod');
    const foreign = (s: any) => JSON.stringify(s.Principal ?? {}).match(/iam::(\d{12}):root/)?.[1];
    const others = (t: Template, type: string, field: string) =>
      statementsOf(t, type, field).filter((s) => foreign(s) && foreign(s) !== ACCOUNTS.prod.account);
    expect(others(Template.fromStack(stage.data), 'AWS::S3::BucketPolicy', 'PolicyDocument')).toEqual([]);
    expect(others(Template.fromStack(stage.security), 'AWS::KMS::Key', 'KeyPolicy')).toEqual([]);
  });

  test("a model's images: dev's repository admits the later accounts' pulls, staging's and prod's endpoint roles may pull from the earlier repositories", () => {
    const repo = (env: Env) =>
      Object.values(Template.fromStack(platformStage(env).models['credit-risk']!).findResources('AWS::ECR::Repository'))[0] as any;
    const pull = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
    const policy = (env: Env) => repo(env).Properties.RepositoryPolicyText?.Statement ?? [];
    expect(policy('dev')).toEqual([
      expect.objectContaining({
        Action: pull,
        Principal: { AWS: [`arn:aws:iam::${ACCOUNTS.staging.account}:root`, `arn:aws:iam::${ACCOUNTS.prod.account}:root`] },
      }),
    ]);
    expect(policy('staging')).toEqual([expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${ACCOUNTS.prod.account}:root` } })]);
    expect(policy('prod')).toEqual([]);
    const endpointPulls = (env: Env) =>
      statementsOf(Template.fromStack(platformStage(env).models['credit-risk']!), 'AWS::IAM::ManagedPolicy', 'PolicyDocument').filter(
        (s) => s.Sid === 'PullPromotedImages',
      );
    expect(endpointPulls('dev')).toEqual([]);
    const repoArn = (env: Env) => `arn:aws:ecr:eu-west-1:${ACCOUNTS[env].account}:repository/${env}/credit-risk`;
    expect(endpointPulls('staging').map((s) => s.Resource)).toEqual([repoArn('dev')]);
    expect(endpointPulls('prod').map((s) => s.Resource)).toEqual([[repoArn('dev'), repoArn('staging')]]);
  });

  test("the import role (named, as the previous account's policies expect) reads the previous account's model prefix only and writes its own", () => {
    const t = Template.fromStack(lifecycle('staging'));
    const roles = t.findResources('AWS::IAM::Role', { Properties: { RoleName: 'staging-credit-risk-version-import' } });
    expect(Object.keys(roles)).toHaveLength(1);
    const [roleId] = Object.keys(roles);
    const statements = Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles).includes(roleId!))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::*/credit-risk/*',
          Condition: { StringEquals: { 's3:ResourceAccount': ACCOUNTS.dev.account } },
        }),
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Resource: `arn:aws:kms:eu-west-1:${ACCOUNTS.dev.account}:key/*`,
          Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
        }),
      ]),
    );
    const put = statements.find((s: any) => s.Action === 's3:PutObject');
    expect(JSON.stringify(put.Resource)).toMatch(/MlPlatform-staging-Data.*ModelsBucket.*"\/credit-risk\/\*\/model\.tar\.gz"/);
  });
});
