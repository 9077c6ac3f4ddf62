import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DataQualityMonitor, type DataQualityMonitorProps, ModelEndpoint, ModelSource } from '../../constructs';
import { IMAGE, servingFixture } from './serving-fixtures';

function monitor(overrides: Partial<DataQualityMonitorProps> = {}, capture = true) {
  const { stack, vpc, key, bucket } = servingFixture();
  const endpoint = new ModelEndpoint(stack, 'CreditRisk', {
    endpointName: 'prod-credit-risk',
    model: ModelSource.fromImage({ imageUri: IMAGE }),
    encryptionKey: key,
    vpc,
    dataCapture: capture ? { bucket, prefix: 'data-capture/prod-credit-risk', samplingPercentage: 20 } : undefined,
    deploymentGuardrails: { canaryPercent: 10, canaryWait: Duration.minutes(10) },
  });
  const topic = new sns.Topic(stack, 'Alarms');
  const m = new DataQualityMonitor(stack, 'CreditRiskDataQuality', {
    endpoint,
    baseline: { bucket, prefix: 'monitoring/prod-credit-risk/baseline' },
    reports: { bucket, prefix: 'monitoring/prod-credit-risk/reports' },
    encryptionKey: key,
    driftFeatures: ['annual_income', 'loan_amount'],
    driftThreshold: 0.2,
    alarmAction: new cwActions.SnsAction(topic),
    ...overrides,
  });
  return { m, t: () => Template.fromStack(stack) };
}

describe('DataQualityMonitor', () => {
  test('an hourly data-quality schedule over the endpoint, named after it', () => {
    // GIVEN / WHEN
    const { t } = monitor();
    // THEN
    t().hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleName: 'prod-credit-risk-data-quality',
      EndpointName: 'prod-credit-risk',
      MonitoringScheduleConfig: {
        MonitoringType: 'DataQuality',
        ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
        MonitoringJobDefinitionName: {
          'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': [Match.stringLikeRegexp('JobDefinition'), 'JobDefinitionArn'] }] }],
        },
      },
    });
  });

  test('the job compares captured data with the baseline, isolated in the VPC, encrypted, publishing metrics', () => {
    // GIVEN / WHEN
    const { t } = monitor();
    // THEN
    const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServingKey'), 'Arn'] };
    const inBucket = (suffix: string) => ({ 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Models') }, suffix]] });
    t().hasResource('AWS::SageMaker::DataQualityJobDefinition', {
      Properties: {
        EndpointName: 'prod-credit-risk',
        DataQualityAppSpecification: {
          ImageUri: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
          Environment: { publish_cloudwatch_metrics: 'Enabled' },
        },
        DataQualityBaselineConfig: {
          StatisticsResource: { S3Uri: inBucket('/monitoring/prod-credit-risk/baseline/statistics.json') },
          ConstraintsResource: { S3Uri: inBucket('/monitoring/prod-credit-risk/baseline/constraints.json') },
        },
        DataQualityJobInput: { EndpointInput: { EndpointName: 'prod-credit-risk', LocalPath: '/opt/ml/processing/input/endpoint' } },
        DataQualityJobOutputConfig: {
          KmsKeyId: keyArn,
          MonitoringOutputs: [{ S3Output: { S3Uri: inBucket('/monitoring/prod-credit-risk/reports'), S3UploadMode: 'EndOfJob' } }],
        },
        JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeKmsKeyId: keyArn } },
        NetworkConfig: {
          EnableNetworkIsolation: true,
          EnableInterContainerTrafficEncryption: true,
          VpcConfig: {
            Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') }]),
            SecurityGroupIds: Match.anyValue(),
          },
        },
        StoppingCondition: { MaxRuntimeInSeconds: 1800 },
      },
      // The endpoint must exist before a job definition names it.
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^CreditRisk[0-9A-F]{8}$')]),
    });
  });

  test('its role may publish metrics only to the data-metrics namespace', () => {
    // GIVEN / WHEN
    const { t } = monitor();
    // THEN
    t().hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'aws/sagemaker/Endpoints/data-metrics' } },
          }),
        ]),
      },
    });
  });

  test('alarms when the largest feature_baseline_drift_<feature> exceeds the threshold, notifying the action', () => {
    // GIVEN / WHEN
    const { t } = monitor();
    // THEN
    const drift = (feature: string, id: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'aws/sagemaker/Endpoints/data-metrics',
          MetricName: `feature_baseline_drift_${feature}`,
          Dimensions: [
            { Name: 'Endpoint', Value: 'prod-credit-risk' },
            { Name: 'Feature', Value: '_' },
            { Name: 'MonitoringSchedule', Value: 'prod-credit-risk-data-quality' },
          ],
        },
        Period: 3600,
        Stat: 'Maximum',
      },
      ReturnData: false,
    });
    t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({ Expression: 'MAX([f0, f1])', ReturnData: true }),
        drift('annual_income', 'f0'),
        drift('loan_amount', 'f1'),
      ],
      Threshold: 0.2,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
    });
  });

  test('a daily schedule runs at midnight with a one-day alarm period', () => {
    // GIVEN / WHEN
    const { t } = monitor({ frequency: 'daily' });
    // THEN
    t().hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleConfig: Match.objectLike({ ScheduleConfig: { ScheduleExpression: 'cron(0 0 ? * * *)' } }),
    });
    t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Period: 86400 }) })]),
    });
  });

  test.each<[string, Partial<DataQualityMonitorProps>, RegExp]>([
    ['no drift features', { driftFeatures: [] }, /driftFeatures must list 1 to 10 features .* got 0/],
    ['eleven drift features', { driftFeatures: Array.from({ length: 11 }, (_, i) => `f${i}`) }, /got 11/],
    [
      'a feature name with a space',
      { driftFeatures: ['annual income'] },
      /driftFeatures must be names of letters, digits and _.-, got 'annual income'/,
    ],
    ['a threshold above 1', { driftThreshold: 2 }, /driftThreshold must be greater than 0 and at most 1, got 2/],
    ['an instance type without ml.', { instanceType: 'm5.large' }, /instanceType must be a SageMaker instance type/],
    ['an invalid schedule name', { scheduleName: 'credit risk' }, /scheduleName must be 1 to 63 letters/],
  ])('rejects %s', (_title, overrides, message) => {
    expect(() => monitor(overrides)).toThrow(message);
  });

  test('rejects an endpoint that captures no data', () => {
    expect(() => monitor({}, false)).toThrow(
      "DataQualityMonitor needs an endpoint that captures data; endpoint 'prod-credit-risk' has no dataCapture",
    );
  });
});
