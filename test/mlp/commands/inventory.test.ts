import {
  CreateDataQualityJobDefinitionCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  CreateMonitoringScheduleCommand,
} from '@aws-sdk/client-sagemaker';
import { ACCOUNT, mlp, REGION, useMoto } from '../moto';

const moto = useMoto();
const ROLE = `arn:aws:iam::${ACCOUNT}:role/endpoint`;
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/prod/credit-risk`;

/** A version as the training pipeline registers it (metrics, lineage in CustomerMetadataProperties). */
async function trained(group: string, n: number, auc: string): Promise<string> {
  const res = await moto.client.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: group,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageDescription: `credit-risk trained on training set 2026112${n}T020000Z at code 1.0.${n}`,
      InferenceSpecification: {
        Containers: [{ Image: `${IMAGE}:1.0.${n}`, ModelDataUrl: `s3://models/credit-risk/pipelines/training/run-${n}/model.tar.gz` }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
      CustomerMetadataProperties: {
        trainingSetUri: `s3://features/training-sets/applicant_txn_aggregates/version=2026112${n}T020000Z/`,
        trainingSetVersion: `2026112${n}T020000Z`,
        codeVersion: `1.0.${n}`,
        trainingJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/credit-risk-train-${n}`,
        mlflowRunId: `run-${n}`,
        auc,
        ks: '0.41',
        adverseImpactRatio: '0.9',
        tier: '1',
      },
    }),
  );
  return res.ModelPackageArn!;
}

/** An endpoint whose config carries the rollout's package tag, with a data-quality schedule. */
async function serving(endpoint: string, packageArn: string): Promise<void> {
  await moto.client.send(
    new CreateModelCommand({
      ModelName: `${endpoint}-v1`,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: `${IMAGE}:1.0.1`, ModelDataUrl: 's3://models/m.tar.gz' },
    }),
  );
  await moto.client.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpoint}-v1`,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: `${endpoint}-v1`,
          InitialInstanceCount: 1,
          InstanceType: 'ml.m5.large',
          InitialVariantWeight: 1,
        },
      ],
      Tags: [{ Key: 'mlp:model-package-arn', Value: packageArn }],
    }),
  );
  await moto.client.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-v1` }));
  await moto.client.send(
    new CreateDataQualityJobDefinitionCommand({
      JobDefinitionName: `${endpoint}-dq`,
      RoleArn: ROLE,
      DataQualityAppSpecification: { ImageUri: 'analyzer' },
      DataQualityJobInput: { EndpointInput: { EndpointName: endpoint, LocalPath: '/opt/ml/processing/input/endpoint' } },
      DataQualityJobOutputConfig: {
        MonitoringOutputs: [{ S3Output: { S3Uri: 's3://models/monitoring/reports', LocalPath: '/opt/ml/processing/output' } }],
      },
      JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 20 } },
    }),
  );
  await moto.client.send(
    new CreateMonitoringScheduleCommand({
      MonitoringScheduleName: `${endpoint}-data-quality`,
      MonitoringScheduleConfig: {
        ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
        MonitoringJobDefinitionName: `${endpoint}-dq`,
        MonitoringType: 'DataQuality',
      },
    }),
  );
}

describe('mlp models inventory', () => {
  test('every version with metrics, training set, approval (who, when, why), where it serves and its monitoring', async () => {
    // GIVEN two models; credit-risk v1 approved (with a reason) and serving, v2 rejected, v3 pending
    await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'prod-credit-risk' }));
    await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'prod-fraud' }));
    const v1 = await trained('prod-credit-risk', 1, '0.78');
    const v2 = await trained('prod-credit-risk', 2, '0.74');
    const v3 = await trained('prod-credit-risk', 3, '0.80');
    await trained('prod-fraud', 1, '0.9');
    expect(
      (await mlp(moto, ['models', 'approve', '--package', v1, '--reason', 'AUC 0.78 on the Q3 holdout; fairness review FR-112'])).code,
    ).toBe(0);
    expect((await mlp(moto, ['models', 'reject', '--package', v2, '--reason', 'KS below the champion'])).code).toBe(0);
    await serving('prod-credit-risk', v1);

    // WHEN
    const run = await mlp(moto, ['models', 'inventory', '--model', 'credit-risk', '--json']);

    // THEN
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.groups).toEqual(['prod-credit-risk']);
    expect(out.versions.map((v: any) => [v.version, v.status])).toEqual([
      [3, 'PendingManualApproval'],
      [2, 'Rejected'],
      [1, 'Approved'],
    ]);
    const [pending, rejected, approved] = out.versions;
    expect(approved).toMatchObject({
      arn: v1,
      tier: '1',
      metrics: { auc: 0.78, ks: 0.41, adverseImpactRatio: 0.9 },
      trainingSet: { version: '20261121T020000Z' },
      codeVersion: '1.0.1',
      mlflowRunId: 'run-1',
      approval: {
        status: 'Approved',
        by: `arn:aws:sts::${ACCOUNT}:user/moto`,
        reason: 'AUC 0.78 on the Q3 holdout; fairness review FR-112',
      },
      serving: [{ endpoint: 'prod-credit-risk', endpointConfig: 'prod-credit-risk-v1', status: 'InService' }],
      monitoring: [{ endpoint: 'prod-credit-risk', schedule: 'prod-credit-risk-data-quality', status: 'Scheduled' }],
    });
    expect(Date.parse(approved.approval.at)).not.toBeNaN();
    expect(rejected).toMatchObject({ arn: v2, approval: { status: 'Rejected', reason: 'KS below the champion' }, serving: [] });
    expect(pending).toMatchObject({ arn: v3, approval: null, serving: [], monitoring: [] });
  });

  test('without --model every group is listed; the text form is a table', async () => {
    await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'prod-credit-risk' }));
    await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'prod-fraud' }));
    await trained('prod-fraud', 1, '0.9');
    const json = await mlp(moto, ['models', 'inventory', '--json']);
    expect(JSON.parse(json.stdout).groups).toEqual(['prod-credit-risk', 'prod-fraud']);
    const text = await mlp(moto, ['models', 'inventory']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/GROUP\s+VERSION\s+STATUS\s+AUC/);
    expect(text.stdout).toMatch(/prod-fraud\s+1\s+PendingManualApproval\s+0\.9/);
  });

  test('a bad --model is a usage error before any AWS call', async () => {
    const run = await mlp(moto, ['models', 'inventory', '--model', 'credit_risk']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--model: 'credit_risk' is not a SageMaker name/);
  });
});
