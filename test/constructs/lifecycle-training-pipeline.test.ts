import { Match, Template } from 'aws-cdk-lib/assertions';
import { TrainingPipeline } from '../../constructs';
import { definitionOf, type Execution, execute, lifecycleStack, pipelineProps, type Stub, serviceError } from './lifecycle-fixtures';

// asl-validator is CommonJS without types: `validator(definition) -> { isValid, errorsText() }`.
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

const TRAINING_SET = 's3://Features3940F53C/training-sets/credit-risk/v=2026-11-28/';
const INPUT = { trainingSetUri: TRAINING_SET, trainingSetVersion: 'v=2026-11-28', codeVersion: '3f2c1e9' };
const CANDIDATE = 's3://ModelsC55D3500/pipelines/credit-risk/training/credit-risk-train-x/output/model.tar.gz';
const PRODUCTION = 's3://ModelsC55D3500/pipelines/credit-risk/training/credit-risk-train-old/output/model.tar.gz';
const PACKAGE = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/prod-credit-risk/7';

function clarifyReport(ratio: number | null): string {
  return JSON.stringify({
    post_training_bias_metrics: {
      label: 'defaulted',
      facets: {
        age_band: [{ value_or_threshold: '18-25', metrics: [{ name: 'DI', description: 'Disparate Impact (DI)', value: ratio }] }],
      },
    },
  });
}

/** Stubs of a run where every step succeeds and every gate passes; a test replaces what it needs. */
function happyStubs(change: Record<string, Stub> = {}): Record<string, Stub> {
  return {
    Train: () => ({
      TrainingJobArn: 'arn:aws:sagemaker:eu-west-1:123456789012:training-job/credit-risk-train-x',
      ModelArtifacts: { S3ModelArtifacts: CANDIDATE },
    }),
    FindProductionVersion: () => ({ ModelPackageSummaryList: [] }),
    DescribeProductionVersion: () => ({
      ModelPackageArn: `${PACKAGE.slice(0, -1)}6`,
      InferenceSpecification: { Containers: [{ ModelDataUrl: PRODUCTION }] },
    }),
    Evaluate: () => ({ ProcessingJobArn: 'arn:aws:sagemaker:eu-west-1:123456789012:processing-job/credit-risk-eval-x' }),
    ReadEvaluation: () => ({
      Body: JSON.stringify({
        auc: 0.78,
        ks: 0.41,
        rows: 5000,
        summary: 'holdout AUC 0.78, KS 0.41, no production version to compare',
        mlflowRunId: 'run-abc',
      }),
    }),
    WriteBiasConfig: () => ({ ETag: '"e"' }),
    CheckBias: () => ({ ProcessingJobArn: 'arn:aws:sagemaker:eu-west-1:123456789012:processing-job/credit-risk-bias-x' }),
    ReadBias: () => ({ Body: clarifyReport(0.91) }),
    RegisterModelPackage: () => ({ ModelPackageArn: PACKAGE }),
    ...change,
  };
}

function pipeline(change = {}) {
  const f = lifecycleStack();
  const p = new TrainingPipeline(f.stack, 'CreditRisk', pipelineProps(f, change));
  return { ...f, pipeline: p, definition: definitionOf(f.stack, 'CreditRisk') };
}

const called = (run: Execution, state: string) => run.calls[state]?.length ?? 0;

describe('TrainingPipeline definition', () => {
  const { definition } = pipeline();

  test('is valid Amazon States Language (asl-validator)', () => {
    // WHEN
    const result = aslValidator(definition);
    // THEN
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('trains with the .sync integration and runs evaluation and Clarify as .sync processing jobs', () => {
    expect(definition.States.Train.Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
    expect(definition.States.Evaluate.Resource).toBe('arn:aws:states:::sagemaker:createProcessingJob.sync');
    expect(definition.States.CheckBias.Resource).toBe('arn:aws:states:::sagemaker:createProcessingJob.sync');
    expect(definition.States.CheckBias.Parameters.AppSpecification.ImageUri).toMatch(/sagemaker-clarify-processing/);
  });
});

describe('TrainingPipeline paths (executed offline, every service call stubbed)', () => {
  const { definition } = pipeline();

  test('pass: trains, evaluates, checks bias and registers PendingManualApproval with metrics, lineage and a model card', async () => {
    // WHEN
    const run = await execute(definition, INPUT, happyStubs());
    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ modelPackageArn: PACKAGE });
    expect(called(run, 'DescribeProductionVersion')).toBe(0);
    expect(run.calls.Train![0].InputDataConfig[0].DataSource.S3DataSource.S3Uri).toBe(`${TRAINING_SET}train/`);
    const evaluation = run.calls.Evaluate![0];
    expect(evaluation.Environment.CHAMPION_PRESENT).toBe('false');
    expect(evaluation.Environment.MLFLOW_TRACKING_ARN).toBe('arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/prod-mlflow');
    expect(evaluation.ProcessingInputs.find((i: any) => i.InputName === 'holdout').S3Input.S3Uri).toBe(`${TRAINING_SET}holdout/`);
    const config = JSON.parse(run.calls.WriteBiasConfig![0].Body);
    expect(config.facet).toEqual([{ name_or_index: 'age_band', value_or_threshold: ['18-25'] }]);
    expect(config.methods.post_training_bias.methods).toEqual(['DI']);
    expect(run.calls.CheckBias![0].ProcessingInputs[1].S3Input.S3Uri).toBe(
      `${evaluation.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri}predictions.csv`,
    );

    expect(called(run, 'RegisterModelPackage')).toBe(1);
    const request = run.calls.RegisterModelPackage![0];
    expect(request).toMatchObject({
      ModelPackageGroupName: 'prod-credit-risk',
      ModelApprovalStatus: 'PendingManualApproval',
      InferenceSpecification: { Containers: [{ ModelDataUrl: CANDIDATE }] },
      MetadataProperties: { CommitId: '3f2c1e9', ProjectId: 'credit-risk' },
      CustomerMetadataProperties: {
        trainingSetUri: TRAINING_SET,
        trainingSetVersion: 'v=2026-11-28',
        codeVersion: '3f2c1e9',
        hyperparameters: '{"max_depth":"6","eta":"0.1","num_round":"300"}',
        mlflowRunId: 'run-abc',
        auc: '0.78',
        ks: '0.41',
        adverseImpactRatio: '0.91',
        tier: '1',
      },
    });
    expect(request.ModelMetrics.ModelQuality.Statistics.S3Uri).toMatch(
      /^s3:\/\/ModelsC55D3500\/pipelines\/credit-risk\/runs\/[0-9a-f-]{36}\/evaluation\/evaluation\.json$/,
    );
    const card = JSON.parse(request.ModelCard.ModelCardContent);
    expect(request.ModelCard.ModelCardStatus).toBe('Draft');
    expect(card.intended_uses.risk_rating).toBe('High');
    expect(card.training_details.training_job_details).toEqual({
      training_arn: 'arn:aws:sagemaker:eu-west-1:123456789012:training-job/credit-risk-train-x',
      training_datasets: [TRAINING_SET],
      hyper_parameters: [
        { name: 'max_depth', value: '6' },
        { name: 'eta', value: '0.1' },
        { name: 'num_round', value: '300' },
      ],
    });
    expect(card.evaluation_details[0].metric_groups[0].metric_data.map((d: any) => [d.name, d.value])).toEqual([
      ['auc', 0.78],
      ['ks', 0.41],
      ['adverse_impact_ratio_age_band', 0.91],
    ]);
  });

  test('pass against production: the production version is evaluated as the champion', async () => {
    // GIVEN an approved version in the registry
    const stubs = happyStubs({
      FindProductionVersion: () => ({ ModelPackageSummaryList: [{ ModelPackageArn: `${PACKAGE.slice(0, -1)}6` }] }),
    });
    // WHEN
    const run = await execute(definition, INPUT, stubs);
    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.FindProductionVersion![0]).toMatchObject({
      ModelPackageGroupName: 'prod-credit-risk',
      ModelApprovalStatus: 'Approved',
      SortOrder: 'Descending',
    });
    expect(called(run, 'DescribeProductionVersion')).toBe(1);
    const evaluation = run.calls.Evaluate![0];
    expect(evaluation.Environment.CHAMPION_PRESENT).toBe('true');
    expect(evaluation.ProcessingInputs.find((i: any) => i.InputName === 'champion').S3Input.S3Uri).toBe(PRODUCTION);
  });

  test.each([
    ['AUC below the threshold', { auc: 0.7, ks: 0.41, summary: 'holdout AUC 0.7, KS 0.41' }],
    ['KS below the threshold', { auc: 0.78, ks: 0.2, summary: 'holdout AUC 0.78, KS 0.2' }],
    [
      'worse than production beyond the tolerance',
      { auc: 0.75, ks: 0.41, aucDeltaVsProduction: -0.03, summary: 'holdout AUC 0.75, KS 0.41, production AUC 0.78 (change -0.03)' },
    ],
    ['metrics missing from the report', { summary: 'nothing measured' }],
  ])('evaluation fails (%s): Fail with the measured values, no bias check, nothing registered', async (_title, metrics) => {
    // GIVEN
    const stubs = happyStubs({ ReadEvaluation: () => ({ Body: JSON.stringify({ mlflowRunId: 'r', ...metrics }) }) });
    // WHEN
    const run = await execute(definition, INPUT, stubs);
    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('EvaluationGateFailed');
    expect(run.cause).toBe(`${metrics.summary}; required: AUC >= 0.72, KS >= 0.3, AUC change vs production >= -0.01; nothing registered`);
    expect(called(run, 'CheckBias')).toBe(0);
    expect(called(run, 'RegisterModelPackage')).toBe(0);
  });

  test('a candidate within the tolerance of production passes the evaluation gate', async () => {
    const stubs = happyStubs({
      ReadEvaluation: () => ({
        Body: JSON.stringify({ auc: 0.775, ks: 0.4, aucDeltaVsProduction: -0.005, summary: 's', mlflowRunId: 'r' }),
      }),
    });
    const run = await execute(definition, INPUT, stubs);
    expect(run.status).toBe('SUCCEEDED');
  });

  test.each([
    ['below the four-fifths rule', 0.7, 'adverse impact ratio on age_band is 0.7; required >= 0.8; nothing registered'],
    ['not computed (no rows in the group)', null, 'adverse impact ratio on age_band is null; required >= 0.8; nothing registered'],
  ])('bias fails (%s): Fail with the ratio, nothing registered', async (_title, ratio, cause) => {
    // WHEN
    const run = await execute(definition, INPUT, happyStubs({ ReadBias: () => ({ Body: clarifyReport(ratio) }) }));
    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('BiasGateFailed');
    expect(run.cause).toBe(cause);
    expect(called(run, 'CheckBias')).toBe(1);
    expect(called(run, 'RegisterModelPackage')).toBe(0);
  });

  test('training fails: Fail TrainingFailed with the job failure as cause, no evaluation, nothing registered', async () => {
    // GIVEN the .sync integration reporting a failed job
    const stubs = happyStubs({
      Train: () => {
        throw serviceError('States.TaskFailed', 'FailureReason: AlgorithmError: out of memory');
      },
    });
    // WHEN
    const run = await execute(definition, INPUT, stubs);
    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('TrainingFailed');
    expect(run.cause).toBe('FailureReason: AlgorithmError: out of memory');
    expect(called(run, 'Evaluate')).toBe(0);
    expect(called(run, 'RegisterModelPackage')).toBe(0);
  });

  test('an evaluation job that fails ends in PipelineStepFailed, nothing registered', async () => {
    const stubs = happyStubs({
      Evaluate: () => {
        throw serviceError('States.TaskFailed', "ClientError: the image has no 'model_scoring' module");
      },
    });
    const run = await execute(definition, INPUT, stubs);
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'PipelineStepFailed',
      cause: "ClientError: the image has no 'model_scoring' module",
    });
    expect(called(run, 'RegisterModelPackage')).toBe(0);
  });

  test('a rejected registration (e.g. a Deny) ends in RegistrationFailed', async () => {
    const stubs = happyStubs({
      RegisterModelPackage: () => {
        throw serviceError('SageMaker.SageMakerException', 'AccessDenied');
      },
    });
    const run = await execute(definition, INPUT, stubs);
    expect(run).toMatchObject({ status: 'FAILED', error: 'RegistrationFailed', cause: 'AccessDenied' });
  });

  test.each([
    ['a training set outside the model prefix', { ...INPUT, trainingSetUri: 's3://Features3940F53C/training-sets/fraud/v=1/' }],
    ['a training set in another bucket', { ...INPUT, trainingSetUri: 's3://elsewhere/training-sets/credit-risk/v=1/' }],
    ['no code version', { trainingSetUri: TRAINING_SET, trainingSetVersion: 'v' }],
  ])('invalid input (%s): Fail InvalidInput before any call', async (_title, input) => {
    const run = await execute(definition, input, happyStubs());
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidInput');
    expect(run.cause).toMatch(/trainingSetUri 's3:\/\/Features3940F53C\/training-sets\/credit-risk\/<version>\/'/);
    expect(run.calls).toEqual({});
  });
});

describe('TrainingPipeline resources', () => {
  const { stack } = pipeline();
  const t = Template.fromStack(stack);

  test('the state machine is encrypted with the key, traced and logs everything to an encrypted, retained log group', () => {
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY' }),
    });
    t.hasResource('AWS::Logs::LogGroup', { Properties: { KmsKeyId: Match.anyValue(), RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
    // CloudWatch Logs may use the key (else the encrypted log group cannot be created)
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logs.eu-west-1.amazonaws.com' }, Action: Match.arrayWith(['kms:GenerateDataKey*']) }),
        ]),
      },
    });
  });

  test('the pipeline role can create packages only as PendingManualApproval and can never update (approve) them', () => {
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'NeverApprove',
            Effect: 'Deny',
            Action: 'sagemaker:CreateModelPackage',
            Condition: { StringNotEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
          }),
          Match.objectLike({ Sid: 'NeverUpdatePackages', Effect: 'Deny', Action: 'sagemaker:UpdateModelPackage', Resource: '*' }),
        ]),
      },
    });
  });

  test('no policy allows every action, or an action of any service on every resource', () => {
    const policies = [
      ...Object.values(t.findResources('AWS::IAM::Policy')),
      ...Object.values(t.findResources('AWS::IAM::ManagedPolicy')),
    ].flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    for (const s of policies) {
      const actions = [s.Action].flat();
      expect(actions).not.toContain('*');
      if (s.Effect === 'Allow' && s.Resource === '*') {
        expect(actions.every((a: string) => !a.endsWith(':*'))).toBe(true);
      }
    }
  });
});

describe('TrainingPipeline validation', () => {
  test.each([
    ['a model name with capitals', { modelName: 'CreditRisk' }, /TrainingPipeline modelName must be 1 to 20 lower-case.*got 'CreditRisk'/],
    [
      'an AUC threshold below 0.5',
      { evaluation: { minAuc: 0.4, minKs: 0.3, labelColumn: 'y' } },
      /evaluation.minAuc must be a number from 0.5 to 1, got 0.4/,
    ],
    [
      'a bias attribute that is not a column name',
      { bias: { clarifyImageUri: 'x', attribute: 'age band', disadvantagedValues: ['a'] } },
      /bias.attribute must be a column name.*got 'age band'/,
    ],
    [
      'no disadvantaged values',
      { bias: { clarifyImageUri: 'x', attribute: 'age', disadvantagedValues: [] } },
      /bias.disadvantagedValues of 'credit-risk' must list at least one value, got none/,
    ],
    [
      'a prefix without a trailing slash',
      { trainingSetPrefix: 'sets/credit' },
      /trainingSetPrefix must be path segments.*got 'sets\/credit'/,
    ],
    [
      'an instance type without ml.',
      { training: { imageUri: 'i', instanceType: 'm5.large' } },
      /training.instanceType must be a SageMaker instance type.*got 'm5.large'/,
    ],
    ['a tier of 4', { tier: 4 }, /tier of 'credit-risk' must be 1, 2 or 3, got 4/],
  ])('rejects %s', (_title, change, message) => {
    const f = lifecycleStack();
    expect(() => new TrainingPipeline(f.stack, 'P', pipelineProps(f, change as never))).toThrow(message);
  });
});

describe('TrainingPipeline roles', () => {
  test('both roles keep their permissions in managed policies (no inline policy)', () => {
    const { stack } = pipeline();
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });
});
