import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelEndpoint, type ModelEndpointProps, ModelSource } from '../../constructs';
import { IMAGE, servingFixture } from './serving-fixtures';

/** A guarded, autoscaled, capturing endpoint as staging/prod have it, with overrides. */
function endpoint(overrides: Partial<ModelEndpointProps> = {}) {
  const { stack, vpc, key, bucket } = servingFixture();
  const e = new ModelEndpoint(stack, 'CreditRisk', {
    endpointName: 'prod-credit-risk',
    model: ModelSource.fromImage({ imageUri: IMAGE, modelDataBucket: bucket, modelDataKey: 'credit-risk/1.0.0/model.tar.gz' }),
    encryptionKey: key,
    vpc,
    instanceType: 'ml.c5.2xlarge',
    initialInstanceCount: 3,
    autoScaling: { minCapacity: 3, maxCapacity: 12, targetInvocationsPerInstance: 300 },
    dataCapture: { bucket, prefix: 'data-capture/prod-credit-risk', samplingPercentage: 20 },
    deploymentGuardrails: { canaryPercent: 10, canaryWait: Duration.minutes(15), terminationWait: Duration.minutes(10) },
    alarmThresholds: { latencyP99: Duration.millis(250), errors5xxPerMinute: 5 },
    ...overrides,
  });
  return {
    stack,
    e,
    get t() {
      return Template.fromStack(stack);
    },
  };
}

describe('ModelEndpoint', () => {
  test('a network-isolated model in the private subnets with its own security group (HTTPS egress only)', () => {
    // GIVEN / WHEN
    const { t } = endpoint();
    // THEN
    t.hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: true,
      VpcConfig: {
        Subnets: [{ Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet2') }],
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^CreditRiskSecurityGroup'), 'GroupId'] }],
      },
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('prod-credit-risk'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
    });
  });

  test("the execution role deletes and shares only network interfaces in the endpoint's VPC and subnets (ec2:Vpc, ec2:Subnet)", () => {
    // GIVEN / WHEN
    const { t } = endpoint();
    // THEN: no ENI action on network-interface/* goes unconditioned, except creation, which names the subnets
    const statements = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const onEnis = statements.filter((s: any) => JSON.stringify(s.Resource).includes(':network-interface/*'));
    expect(onEnis.length).toBeGreaterThan(0);
    for (const s of onEnis) {
      if ([s.Action].flat().includes('ec2:CreateNetworkInterface')) {
        expect(JSON.stringify(s.Resource)).toMatch(/:subnet\//);
        continue;
      }
      expect(s.Condition).toEqual({
        ArnEquals: {
          'ec2:Vpc': expect.objectContaining({
            'Fn::Join': ['', expect.arrayContaining([':vpc/', { Ref: expect.stringMatching(/^Vpc/) }])],
          }),
          'ec2:Subnet': expect.arrayContaining([expect.objectContaining({ 'Fn::Join': ['', expect.arrayContaining([':subnet/'])] })]),
        },
      });
    }
  });

  test('an endpoint config with the instance variant, the KMS key and data capture', () => {
    // GIVEN / WHEN
    const { t } = endpoint();
    // THEN
    const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServingKey'), 'Arn'] };
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: keyArn,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CreditRiskModel'), 'ModelName'] },
          InstanceType: 'ml.c5.2xlarge',
          InitialInstanceCount: 3,
          InitialVariantWeight: 1,
        },
      ],
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 20,
        DestinationS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Models') }, '/data-capture/prod-credit-risk']] },
        KmsKeyId: keyArn,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      },
    });
  });

  test('the endpoint keeps its physical name and rolls out blue/green with a canary and automatic rollback on both alarms', () => {
    // GIVEN / WHEN
    const { t } = endpoint();
    // THEN
    t.hasResourceProperties('AWS::SageMaker::Endpoint', {
      EndpointName: 'prod-credit-risk',
      EndpointConfigName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CreditRiskConfig'), 'EndpointConfigName'] },
      RetainAllVariantProperties: true,
      ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DataCaptureConfig' }],
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 900 },
          TerminationWaitInSeconds: 600,
          MaximumExecutionTimeoutInSeconds: 900 + 600 + 1800,
        },
        AutoRollbackConfiguration: {
          Alarms: [
            { AlarmName: { Ref: Match.stringLikeRegexp('^CreditRiskLatencyAlarm') } },
            { AlarmName: { Ref: Match.stringLikeRegexp('^CreditRiskErrorsAlarm') } },
          ],
        },
      },
    });
  });

  test('alarms on p99 model latency (microseconds) and 5xx errors of the variant', () => {
    // GIVEN / WHEN
    const { t } = endpoint();
    // THEN
    const dimensions = [
      { Name: 'EndpointName', Value: 'prod-credit-risk' },
      { Name: 'VariantName', Value: 'AllTraffic' },
    ];
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      Dimensions: dimensions,
      Threshold: 250000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Statistic: 'Sum',
      Dimensions: dimensions,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      DatapointsToAlarm: 2,
    });
  });

  test('target-tracking autoscaling on invocations per instance, between min and max, after the endpoint exists', () => {
    // GIVEN / WHEN
    const { t } = endpoint();
    // THEN
    t.hasResource('AWS::ApplicationAutoScaling::ScalableTarget', {
      Properties: {
        ServiceNamespace: 'sagemaker',
        ResourceId: 'endpoint/prod-credit-risk/variant/AllTraffic',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: 3,
        MaxCapacity: 12,
        RoleARN: Match.stringLikeRegexp('AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint$'),
      },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^CreditRisk[0-9A-F]{8}$')]),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 300,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      },
    });
    // No role of its own for autoscaling: Application Auto Scaling uses its service-linked role.
    t.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'application-autoscaling.amazonaws.com' } })] } },
      0,
    );
  });

  test('an encrypted, retained log group under the endpoint name, created before the endpoint', () => {
    // GIVEN / WHEN
    const { t } = endpoint();
    // THEN
    t.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/sagemaker/Endpoints/prod-credit-risk', RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
    t.hasResource('AWS::SageMaker::Endpoint', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('^CreditRiskLogs')]) });
  });

  test('the execution role writes captured data under its prefix only, with the key', () => {
    // GIVEN / WHEN
    const { t } = endpoint();
    // THEN
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
          Match.objectLike({
            Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Models'), 'Arn'] }, '/data-capture/prod-credit-risk/*']],
            },
          }),
        ]),
      },
    });
    t.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('without guardrails (dev) SageMaker default updates apply: no DeploymentConfig', () => {
    // GIVEN / WHEN
    const { t } = endpoint({ deploymentGuardrails: undefined });
    // THEN
    t.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'prod-credit-risk', DeploymentConfig: Match.absent() });
  });

  test('serverless: a serverless variant, no VPC, capture, autoscaling or guardrails', () => {
    // GIVEN
    const { stack, key, bucket } = servingFixture();
    // WHEN
    new ModelEndpoint(stack, 'Scoring', {
      endpointName: 'dev-credit-risk',
      model: ModelSource.fromImage({ imageUri: IMAGE, modelDataBucket: bucket, modelDataKey: 'm/model.tar.gz' }),
      encryptionKey: key,
      serverless: { memorySizeMb: 2048, maxConcurrency: 5 },
    });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        { VariantName: 'AllTraffic', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 }, InstanceType: Match.absent() },
      ],
      DataCaptureConfig: Match.absent(),
    });
    t.hasResourceProperties('AWS::SageMaker::Model', { VpcConfig: Match.absent(), EnableNetworkIsolation: false });
    t.hasResourceProperties('AWS::SageMaker::Endpoint', { DeploymentConfig: Match.absent() });
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  test('grantInvoke allows InvokeEndpoint on this endpoint only', () => {
    // GIVEN
    const { stack, e } = endpoint();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    e.grantInvoke(caller);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
            Resource: 'arn:aws:sagemaker:eu-west-1:123456789012:endpoint/prod-credit-risk',
          }),
        ],
      },
    });
  });

  test.each<[string, Partial<ModelEndpointProps>, RegExp]>([
    ['an invalid endpoint name', { endpointName: 'prod_credit' }, /endpointName must be 1 to 63 letters.*got 'prod_credit'/],
    [
      'an instance type without ml.',
      { instanceType: 'm5.large' },
      /instanceType must be a SageMaker instance type 'ml.<family>.<size>'.*got 'm5.large'/,
    ],
    [
      'min above max',
      { autoScaling: { minCapacity: 5, maxCapacity: 2, targetInvocationsPerInstance: 100 }, initialInstanceCount: 2 },
      /autoScaling.minCapacity must not exceed maxCapacity, got min 5 > max 2/,
    ],
    [
      'an initial count outside min..max',
      { initialInstanceCount: 20 },
      /initialInstanceCount must be within autoScaling min..max \(3..12\), got 20/,
    ],
    [
      'a canary above 50 %',
      { deploymentGuardrails: { canaryPercent: 60, canaryWait: Duration.minutes(5) } },
      /deploymentGuardrails.canaryPercent must be a whole number from 1 to 50, got 60/,
    ],
    [
      'a canary wait over an hour',
      { deploymentGuardrails: { canaryPercent: 10, canaryWait: Duration.hours(2) } },
      /canaryWait must be at most 1 hour, got 7200 seconds/,
    ],
    [
      'a timeout shorter than the waits',
      { deploymentGuardrails: { canaryPercent: 10, canaryWait: Duration.minutes(30), maximumExecutionTimeout: Duration.minutes(20) } },
      /maximumExecutionTimeout must be 600 to 28800 seconds and longer than canaryWait \+ terminationWait \(1800\), got 1200/,
    ],
    ['no VPC for instances', { vpc: undefined }, /vpc is required for instance-based endpoints/],
    [
      'serverless with instance features',
      { serverless: { memorySizeMb: 2048, maxConcurrency: 5 } },
      /serverless endpoints do not support vpc, dataCapture, autoScaling, deploymentGuardrails, instanceType, initialInstanceCount/,
    ],
    [
      'serverless with network isolation',
      {
        serverless: { memorySizeMb: 2048, maxConcurrency: 5 },
        vpc: undefined,
        dataCapture: undefined,
        autoScaling: undefined,
        deploymentGuardrails: undefined,
        instanceType: undefined,
        initialInstanceCount: undefined,
        networkIsolation: true,
      },
      /serverless endpoints do not support networkIsolation; remove them or use instances/,
    ],
    [
      'serverless memory not in 1 GB steps',
      { serverless: { memorySizeMb: 3000, maxConcurrency: 5 }, vpc: undefined },
      /serverless.memorySizeMb must be 1024, 2048, 3072, 4096, 5120 or 6144, got 3000/,
    ],
  ])('rejects %s', (_title, overrides, message) => {
    expect(() => endpoint(overrides)).toThrow(message);
  });

  test('rejects a sampling percentage above 100', () => {
    const { bucket } = servingFixture();
    expect(() => endpoint({ dataCapture: { bucket, prefix: 'data-capture/x', samplingPercentage: 120 } })).toThrow(
      /dataCapture.samplingPercentage must be a whole number from 0 to 100, got 120/,
    );
  });
});
