import { type App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type EksTrainJobOptions, TrainingPipeline } from '../../constructs';
import {
  ACCOUNT,
  definitionOf,
  type Execution,
  execute,
  lifecycleStack,
  pipelineProps,
  REGION,
  type Stub,
  serviceError,
} from './lifecycle-fixtures';

// asl-validator is CommonJS without types: `validator(definition) -> { isValid, errorsText() }`.
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

const TRAINING_SET = 's3://Features3940F53C/training-sets/fraud/v=2026-11-28/';
const INPUT = { trainingSetUri: TRAINING_SET, trainingSetVersion: 'v=2026-11-28', codeVersion: '3f2c1e9' };
const PACKAGE = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/prod-fraud/3';
const COLLECTION = '/apis/trainer.kubeflow.org/v1alpha1/namespaces/fraud/trainjobs';

/** A fraud pipeline trained by a 2-node x 8-GPU TrainJob of the team `fraud` (polled every minute, at most 30 minutes). */
function pipeline(change: Partial<EksTrainJobOptions> = {}, withNag = false) {
  const f = lifecycleStack(withNag);
  const cluster = eks.Cluster.fromClusterAttributes(f.stack, 'Cluster', {
    clusterName: 'prod-ml-platform',
    clusterEndpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
    clusterCertificateAuthorityData: 'Q0EtREFUQQ==',
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(f.stack, 'Kubectl', {
      serviceToken: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:kubectl-provider`,
      role: iam.Role.fromRoleArn(f.stack, 'KubectlRole', `arn:aws:iam::${ACCOUNT}:role/kubectl-provider`),
    }),
  });
  const workloadRole = iam.Role.fromRoleArn(f.stack, 'TeamRole', `arn:aws:iam::${ACCOUNT}:role/prod-team-fraud`);
  const p = new TrainingPipeline(
    f.stack,
    'Fraud',
    pipelineProps(f, {
      modelName: 'fraud',
      modelPackageGroupName: 'prod-fraud',
      tier: 2,
      training: undefined,
      eksTraining: {
        cluster,
        namespace: 'fraud',
        runtimeName: 'platform-torch-distributed',
        imageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/prod/fraud-train@sha256:${'a'.repeat(64)}`,
        numNodes: 2,
        gpusPerNode: 8,
        queueName: 'default',
        priorityClass: 'production',
        serviceAccountName: 'fraud-workloads',
        workloadRole,
        hyperparameters: { epochs: '10' },
        maxRuntime: Duration.minutes(30),
        pollInterval: Duration.minutes(1),
        ...change,
      },
      evaluation: { minAuc: 0.8, minKs: 0.4, labelColumn: 'fraudulent' },
    }),
  );
  return { ...f, pipeline: p, definition: withNag ? undefined : definitionOf(f.stack, 'Fraud') };
}

const trainJob = (conditions?: { type: string; status: string; reason?: string; message?: string }[]) => ({
  ResponseBody: { metadata: { name: 'fraud-1a2b3c4d' }, ...(conditions ? { status: { conditions } } : {}) },
  StatusCode: 200,
});
const RUNNING = trainJob([{ type: 'Created', status: 'True', reason: 'JobSetCreated' }]);
const COMPLETE = trainJob([
  { type: 'Created', status: 'True', reason: 'JobSetCreated' },
  { type: 'Complete', status: 'True', reason: 'JobSetCompleted', message: 'jobset completed' },
]);
const FAILED = trainJob([
  { type: 'Created', status: 'True' },
  { type: 'Failed', status: 'True', reason: 'JobSetFailed', message: 'node-0-0 OOMKilled' },
]);

/** The EKS trainer's replies in order (one per GET), then the rest of a passing run. */
function stubs(gets: unknown[], change: Record<string, Stub> = {}): Record<string, Stub> {
  let i = 0;
  return {
    CreateTrainJob: (req) => ({ ResponseBody: { metadata: { name: req.RequestBody.metadata.name } }, StatusCode: 201 }),
    GetTrainJob: () => {
      const reply = gets[Math.min(i, gets.length - 1)];
      i += 1;
      return reply;
    },
    StopTrainJob: () => ({ StatusCode: 200 }),
    FindProductionVersion: () => ({ ModelPackageSummaryList: [] }),
    DescribeProductionVersion: () => ({}),
    Evaluate: () => ({ ProcessingJobArn: 'arn:aws:sagemaker:eu-west-1:123456789012:processing-job/fraud-eval-x' }),
    ReadEvaluation: () => ({ Body: JSON.stringify({ auc: 0.86, ks: 0.52, rows: 9000, summary: 'ok', mlflowRunId: 'run-9' }) }),
    WriteBiasConfig: () => ({ ETag: '"e"' }),
    CheckBias: () => ({ ProcessingJobArn: 'arn:aws:sagemaker:eu-west-1:123456789012:processing-job/fraud-bias-x' }),
    ReadBias: () => ({
      Body: JSON.stringify({
        post_training_bias_metrics: { facets: { age_band: [{ value_or_threshold: '18-25', metrics: [{ name: 'DI', value: 0.93 }] }] } },
      }),
    }),
    RegisterModelPackage: () => ({ ModelPackageArn: PACKAGE }),
    ...change,
  };
}

const called = (run: Execution, state: string) => run.calls[state]?.length ?? 0;

describe('TrainingPipeline with the EKS trainer: definition', () => {
  const { definition } = pipeline();

  test('is valid Amazon States Language (asl-validator) and has no SageMaker training state', () => {
    const result = aslValidator(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
    expect(definition.States.Train).toBeUndefined();
  });

  test('creates, polls and deletes the TrainJob through eks:call on the cluster, in the team namespace only', () => {
    for (const s of ['CreateTrainJob', 'GetTrainJob', 'StopTrainJob']) {
      expect(definition.States[s].Resource).toBe('arn:aws:states:::eks:call');
      expect(definition.States[s].Parameters).toMatchObject({
        ClusterName: 'prod-ml-platform',
        Endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
        CertificateAuthority: 'Q0EtREFUQQ==',
      });
    }
    expect(definition.States.CreateTrainJob.Parameters).toMatchObject({ Method: 'POST', Path: COLLECTION });
    expect(definition.States.GetTrainJob.Parameters.Method).toBe('GET');
    expect(definition.States.StopTrainJob.Parameters.Method).toBe('DELETE');
    expect(definition.States.WaitForTrainJob).toEqual(expect.objectContaining({ Type: 'Wait', Seconds: 60 }));
    // Polls and deletes are retried (a busy API server does not fail the run); a create is not (it is not idempotent).
    expect(definition.States.GetTrainJob.Retry[0]).toMatchObject({ ErrorEquals: ['States.ALL'], MaxAttempts: 3 });
    expect(definition.States.StopTrainJob.Retry[0]).toMatchObject({ ErrorEquals: ['States.ALL'], MaxAttempts: 3 });
    expect(definition.States.CreateTrainJob.Retry).toBeUndefined();
  });
});

describe('TrainingPipeline with the EKS trainer: paths (executed offline, eks:call and SageMaker stubbed)', () => {
  const { definition } = pipeline();

  test('running → running → Complete: the run model goes through evaluation, bias and registration', async () => {
    // WHEN
    const run = await execute(definition, INPUT, stubs([RUNNING, RUNNING, COMPLETE]));
    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ modelPackageArn: PACKAGE });
    expect(called(run, 'GetTrainJob')).toBe(3);
    expect(called(run, 'StopTrainJob')).toBe(0);
    const body = run.calls.CreateTrainJob![0].RequestBody;
    expect(body).toMatchObject({
      apiVersion: 'trainer.kubeflow.org/v1alpha1',
      kind: 'TrainJob',
      metadata: {
        namespace: 'fraud',
        labels: { 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'production', 'platform/model': 'fraud' },
      },
      spec: {
        runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: 'platform-torch-distributed' },
        trainer: {
          image: expect.stringMatching(/fraud-train@sha256:a{64}$/),
          numNodes: 2,
          resourcesPerNode: { limits: { 'nvidia.com/gpu': 8 }, requests: { 'nvidia.com/gpu': 8 } },
        },
      },
    });
    expect(body.metadata.name).toMatch(/^fraud-[0-9a-f]{8}$/);
    expect(
      body.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec.serviceAccountName,
    ).toBe('fraud-workloads');
    const env = Object.fromEntries(body.spec.trainer.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env.TRAINING_SET_URI).toBe(`${TRAINING_SET}train/`);
    expect(env.HYPERPARAMETERS).toBe('{"epochs":"10"}');
    expect(env.MODEL_OUTPUT_URI).toMatch(/^s3:\/\/ModelsC55D3500\/pipelines\/fraud\/runs\/[0-9a-f-]{36}\/model\/$/);
    expect(run.calls.GetTrainJob![0].Path).toBe(`${COLLECTION}/${body.metadata.name}`);
    // The artifact the job wrote is what evaluation scores and what the package serves.
    const model = `${env.MODEL_OUTPUT_URI}model.tar.gz`;
    expect(JSON.stringify(run.calls.Evaluate![0])).toContain(model);
    // The evaluation job runs the training image (its model_scoring module) unless one is given.
    expect(run.calls.Evaluate![0].AppSpecification.ImageUri).toBe(body.spec.trainer.image);
    const request = run.calls.RegisterModelPackage![0];
    expect(request.InferenceSpecification.Containers[0].ModelDataUrl).toBe(model);
    expect(request.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(request.CustomerMetadataProperties.trainingJobArn).toBe(
      `arn:aws:eks:${REGION}:${ACCOUNT}:trainjob/prod-ml-platform/fraud/${body.metadata.name}`,
    );
    expect(request.CustomerMetadataProperties.hyperparameters).toBe('{"epochs":"10"}');
  });

  test('a TrainJob with no status yet keeps being polled', async () => {
    const run = await execute(definition, INPUT, stubs([trainJob(), COMPLETE]));
    expect(run.status).toBe('SUCCEEDED');
    expect(called(run, 'GetTrainJob')).toBe(2);
  });

  test('running → Failed: TrainingFailed with the reason as cause, no evaluation, nothing registered', async () => {
    const run = await execute(definition, INPUT, stubs([RUNNING, FAILED]));
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('TrainingFailed');
    expect(run.cause).toMatch(/^TrainJob fraud-[0-9a-f]{8} failed: JobSetFailed: node-0-0 OOMKilled; nothing registered$/);
    expect(called(run, 'Evaluate')).toBe(0);
    expect(called(run, 'RegisterModelPackage')).toBe(0);
  });

  test('still running after maxRuntime: the TrainJob is deleted and the run ends in TrainingFailed, nothing registered', async () => {
    // 30 minutes at one poll a minute: 30 GETs, then DELETE
    const run = await execute(definition, INPUT, stubs([RUNNING]));
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('TrainingFailed');
    expect(run.cause).toMatch(/did not complete within 30 minutes \(queueing included\); deleted, nothing registered$/);
    expect(called(run, 'GetTrainJob')).toBe(30);
    expect(called(run, 'StopTrainJob')).toBe(1);
    expect(run.calls.StopTrainJob![0].Path).toMatch(new RegExp(`^${COLLECTION}/fraud-[0-9a-f]{8}$`));
    expect(called(run, 'RegisterModelPackage')).toBe(0);
  });

  test('a refused create (e.g. Forbidden outside the namespace) ends in TrainingFailed before any poll', async () => {
    const run = await execute(
      definition,
      INPUT,
      stubs([RUNNING], {
        CreateTrainJob: () => {
          throw serviceError('EKS.403', 'trainjobs.trainer.kubeflow.org is forbidden');
        },
      }),
    );
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('TrainingFailed');
    expect(run.cause).toBe('trainjobs.trainer.kubeflow.org is forbidden');
    expect(called(run, 'GetTrainJob')).toBe(0);
  });
});

describe('TrainingPipeline with the EKS trainer: access', () => {
  const { stack } = pipeline();
  const t = Template.fromStack(stack);

  test("the state machine role gets an access entry in a Kubernetes group, no access policy (no cluster-wide or other namespaces' rights)", () => {
    t.resourceCountIs('AWS::EKS::AccessEntry', 1);
    const [entry] = Object.values(t.findResources('AWS::EKS::AccessEntry')) as any[];
    expect(entry.Properties).toMatchObject({
      ClusterName: 'prod-ml-platform',
      Type: 'STANDARD',
      KubernetesGroups: ['ml-platform:training-pipeline:fraud'],
      PrincipalArn: { 'Fn::GetAtt': [expect.stringMatching(/^FraudRole/), 'Arn'] },
    });
    expect(entry.Properties.AccessPolicies).toBeUndefined();
  });

  test('the group is bound to a Role of the team namespace that may only create, get and delete TrainJobs', () => {
    const [manifest] = Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as any[];
    const objects = JSON.parse(manifest.Properties.Manifest);
    expect(objects).toEqual([
      expect.objectContaining({
        kind: 'Role',
        metadata: expect.objectContaining({ name: 'fraud-training-pipeline', namespace: 'fraud' }),
        rules: [{ apiGroups: ['trainer.kubeflow.org'], resources: ['trainjobs'], verbs: ['create', 'get', 'delete'] }],
      }),
      expect.objectContaining({
        kind: 'RoleBinding',
        metadata: expect.objectContaining({ name: 'fraud-training-pipeline', namespace: 'fraud' }),
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ml-platform:training-pipeline:fraud' }],
      }),
    ]);
  });

  test('the role may describe only this cluster; the workload role reads the training sets and writes run outputs only', () => {
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DescribeTrainingCluster',
            Action: 'eks:DescribeCluster',
            Resource: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod-ml-platform',
          }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: ['prod-team-fraud'],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [Match.anyValue(), '/training-sets/fraud/*']] } }),
          Match.objectLike({
            Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/pipelines/fraud/runs/*']] },
          }),
        ]),
      },
    });
  });

  test('has no unacknowledged cdk-nag finding (AwsSolutions, PCI DSS 3.2.1, NIST 800-53 r5)', () => {
    const f = pipeline({}, true);
    expect(() => (f.stack.node.root as App).synth()).not.toThrow();
  });
});

describe('TrainingPipeline with the EKS trainer: validation', () => {
  test.each([
    ['0 GPUs per node', { gpusPerNode: 0 }, /eksTraining.gpusPerNode must be a number from 1 to 8, got 0/],
    ['1.5 nodes', { numNodes: 1.5 }, /eksTraining.numNodes of 'fraud' must be a whole number, got 1.5/],
    ['a namespace with capitals', { namespace: 'Fraud' }, /eksTraining.namespace must be a Kubernetes namespace.*got 'Fraud'/],
    ['a 12-hour limit', { maxRuntime: Duration.hours(12) }, /eksTraining.maxRuntime \(hours\) must be a number from 0.25 to 10, got 12/],
  ])('rejects %s', (_title, change, message) => {
    expect(() => pipeline(change as never)).toThrow(message);
  });

  test('rejects both trainers, or none', () => {
    const f = lifecycleStack();
    expect(() => new TrainingPipeline(f.stack, 'P', pipelineProps(f, { training: undefined }))).toThrow(
      /needs exactly one trainer: training \(SageMaker\) or eksTraining/,
    );
  });
});
