import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeMonitoringScheduleCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { EndpointSpecDocument } from '../../../constructs/serving/endpoint-spec';
import { IMAGE, KMS_KEY, modelPackage, ROLE, VPC } from '../fixtures';
import { mlp, REGION, useMoto } from '../moto';

const moto = useMoto();
const PARAMETER = '/mlp/local/endpoints/scoring/spec';

/** What a model stack's EndpointSpec writes for endpoint `scoring` (group `scoring`). */
const SPEC: EndpointSpecDocument = {
  version: 1,
  endpointName: 'scoring',
  variantName: 'AllTraffic',
  modelPackageGroupName: 'scoring',
  executionRoleArn: ROLE,
  kmsKeyArn: KMS_KEY,
  networkIsolation: true,
  subnets: VPC.Subnets,
  securityGroupIds: VPC.SecurityGroupIds,
  instances: { instanceType: 'ml.m5.large', initialInstanceCount: 2 },
  serverless: null,
  autoScaling: {
    minInstances: 2,
    maxInstances: 6,
    targetInvocationsPerInstance: 300,
    scaleInCooldownSeconds: 300,
    scaleOutCooldownSeconds: 60,
  },
  dataCapture: { destinationS3Uri: 's3://ml-models/data-capture/scoring', samplingPercentage: 20 },
  guardrails: {
    canaryPercent: 10,
    canaryWaitSeconds: 900,
    terminationWaitSeconds: 600,
    maximumExecutionTimeoutSeconds: 3300,
    rollbackAlarmNames: ['scoring-latency', 'scoring-errors'],
  },
  logGroupName: '/aws/sagemaker/Endpoints/scoring',
  monitoring: {
    scheduleName: 'scoring-data-quality',
    scheduleExpression: 'cron(0 * ? * * *)',
    instanceType: 'ml.m5.large',
    maxRuntimeSeconds: 1800,
    roleArn: `${ROLE}-monitor`,
    analyzerImageUri: '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer',
    baselineS3Uri: 's3://ml-models/monitoring/scoring/baseline',
    reportsS3Uri: 's3://ml-models/monitoring/scoring/reports',
    subnets: VPC.Subnets,
    securityGroupIds: ['sg-0monitor'],
    driftFeatures: ['annual_income'],
    driftThreshold: 0.1,
    driftAlarmName: 'scoring-drift',
  },
};

async function putSpec(spec: unknown = SPEC): Promise<void> {
  const ssm = new SSMClient({ region: REGION, endpoint: moto.url });
  await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: JSON.stringify(spec), Overwrite: true }));
  ssm.destroy();
}

async function group(): Promise<void> {
  await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'scoring' }));
}

const rollout = (...extra: string[]) =>
  mlp(moto, [
    'endpoints',
    'rollout',
    '--endpoint',
    'scoring',
    '--group',
    'scoring',
    '--spec',
    PARAMETER,
    '--poll-interval',
    '1s',
    ...extra,
  ]);

describe('mlp endpoints rollout: the first version creates the endpoint from the spec', () => {
  test('creates model, config and endpoint with guardrails, then autoscaling and the monitoring schedule', async () => {
    // GIVEN a registry group with an approved version, the spec in SSM, and no endpoint
    await group();
    await putSpec();
    const v1 = await modelPackage(moto.client, '1.0.0', 'Approved');
    // WHEN
    const run = await rollout('--json');
    // THEN
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ outcome: 'created', endpoint: 'scoring', package: v1, status: 'InService', specParameter: PARAMETER });
    const e = await moto.client.send(new DescribeEndpointCommand({ EndpointName: 'scoring' }));
    expect(e.EndpointStatus).toBe('InService');
    expect(e.EndpointConfigName).toBe(result.endpointConfig);
    expect(e.LastDeploymentConfig).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 900 },
        TerminationWaitInSeconds: 600,
        MaximumExecutionTimeoutInSeconds: 3300,
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'scoring-latency' }, { AlarmName: 'scoring-errors' }] },
    });
    // the model: the package's container, the spec's role, VPC and isolation
    const model = await moto.client.send(new DescribeModelCommand({ ModelName: result.model }));
    expect(model.ExecutionRoleArn).toBe(ROLE);
    expect(model.VpcConfig).toEqual(VPC);
    expect(model.EnableNetworkIsolation).toBe(true);
    expect(model.PrimaryContainer).toMatchObject({ Image: `${IMAGE}:1.0.0`, ModelDataUrl: 's3://ml-models/scoring/1.0.0/model.tar.gz' });
    // the config: instances, KMS and capture from the spec, tagged with the package
    const config = await moto.client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: result.endpointConfig }));
    expect(config.ProductionVariants).toEqual([
      expect.objectContaining({ VariantName: 'AllTraffic', ModelName: result.model, InstanceType: 'ml.m5.large', InitialInstanceCount: 2 }),
    ]);
    expect(config.KmsKeyId).toBe(KMS_KEY);
    expect(config.DataCaptureConfig).toMatchObject({
      EnableCapture: true,
      InitialSamplingPercentage: 20,
      DestinationS3Uri: 's3://ml-models/data-capture/scoring',
    });
    const tags = await moto.client.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }));
    expect(tags.Tags).toEqual([{ Key: 'mlp:model-package-arn', Value: v1 }]);
    // autoscaling registered on the variant, target tracking on invocations per instance
    const aas = new ApplicationAutoScalingClient({ region: REGION, endpoint: moto.url });
    const targets = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(targets.ScalableTargets).toEqual([
      expect.objectContaining({ ResourceId: 'endpoint/scoring/variant/AllTraffic', MinCapacity: 2, MaxCapacity: 6 }),
    ]);
    const policies = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker' }));
    expect(policies.ScalingPolicies?.[0]?.TargetTrackingScalingPolicyConfiguration).toMatchObject({
      TargetValue: 300,
      PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
    });
    aas.destroy();
    // the data-quality schedule on its job definition
    const schedule = await moto.client.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'scoring-data-quality' }));
    expect(schedule.MonitoringScheduleConfig).toMatchObject({
      MonitoringType: 'DataQuality',
      ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
      MonitoringJobDefinitionName: expect.stringMatching(/^scoring-dq-v1-/),
    });
  });

  test('the next version updates the endpoint as before: blue/green with the previous config recorded', async () => {
    // GIVEN an endpoint created by a first rollout
    await group();
    await putSpec();
    await modelPackage(moto.client, '1.0.0', 'Approved');
    const first = JSON.parse((await rollout('--json')).stdout);
    const v2 = await modelPackage(moto.client, '1.1.0', 'Approved');
    // WHEN
    const run = await rollout('--json');
    // THEN
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ outcome: 'succeeded', package: v2, previousEndpointConfig: first.endpointConfig });
    const e = await moto.client.send(new DescribeEndpointCommand({ EndpointName: 'scoring' }));
    expect(e.EndpointConfigName).toBe(result.endpointConfig);
    // the guardrails of the first create are retained by the update
    expect(e.LastDeploymentConfig?.AutoRollbackConfiguration?.Alarms).toHaveLength(2);
    const model = await moto.client.send(new DescribeModelCommand({ ModelName: result.model }));
    expect(model.PrimaryContainer?.Image).toBe(`${IMAGE}:1.1.0`);
    expect(model.ExecutionRoleArn).toBe(ROLE);
  });

  test('no spec in SSM: exit 4 naming the parameter and the stack to deploy; nothing is created', async () => {
    // GIVEN an approved version but no spec
    await group();
    await modelPackage(moto.client, '1.0.0', 'Approved');
    // WHEN
    const run = await rollout();
    // THEN
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /scoring does not exist and its spec \/mlp\/local\/endpoints\/scoring\/spec is not in SSM: deploy the model's stack first/,
    );
    await expect(moto.client.send(new DescribeEndpointCommand({ EndpointName: 'scoring' }))).rejects.toThrow(/Could not find endpoint/);
  });

  test('a spec written for another endpoint or by a newer layout is refused before anything is created', async () => {
    // GIVEN
    await group();
    await modelPackage(moto.client, '1.0.0', 'Approved');
    await putSpec({ ...SPEC, endpointName: 'other' });
    // WHEN / THEN
    const other = await rollout();
    expect(other.code).toBe(4);
    expect(other.stderr).toMatch(
      /Endpoint spec \/mlp\/local\/endpoints\/scoring\/spec: endpointName "other" is not allowed; expected the endpoint being rolled out, 'scoring'/,
    );
    await putSpec({ ...SPEC, version: 2 });
    const newer = await rollout();
    expect(newer.stderr).toMatch(/version 2 is not allowed; expected 1 \(this mlp reads layout 1; upgrade mlp\)/);
    await expect(moto.client.send(new DescribeEndpointCommand({ EndpointName: 'scoring' }))).rejects.toThrow(/Could not find endpoint/);
  });

  test('the spec is derived from the endpoint name <env>-<name> when --spec is left out', async () => {
    // GIVEN endpoint prod-scoring's spec at /mlp/prod/endpoints/scoring/spec, group scoring
    await group();
    await modelPackage(moto.client, '1.0.0', 'Approved');
    const ssm = new SSMClient({ region: REGION, endpoint: moto.url });
    await ssm.send(
      new PutParameterCommand({
        Name: '/mlp/prod/endpoints/scoring/spec',
        Type: 'String',
        Value: JSON.stringify({ ...SPEC, endpointName: 'prod-scoring', monitoring: null, autoScaling: null }),
      }),
    );
    ssm.destroy();
    // WHEN
    const run = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'prod-scoring', '--group', 'scoring', '--poll-interval', '1s']);
    // THEN
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Rollout succeeded: created prod-scoring, InService on prod-scoring-v1-/);
  });
});
