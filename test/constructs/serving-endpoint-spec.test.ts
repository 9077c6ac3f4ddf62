import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EndpointSpec, type EndpointSpecProps, MlflowApp } from '../../constructs';
import { servingFixture } from './serving-fixtures';

function spec(change: Partial<EndpointSpecProps> = {}) {
  const { stack, vpc, key, bucket } = servingFixture();
  const repository = new ecr.Repository(stack, 'Images');
  const construct = new EndpointSpec(stack, 'CreditRisk', {
    endpointName: 'prod-credit-risk',
    parameterName: '/mlp/prod/endpoints/credit-risk/spec',
    model: { modelPackageGroupName: 'prod-credit-risk', repository, artifactsBucket: bucket, artifactsPrefix: 'credit-risk' },
    encryptionKey: key,
    vpc,
    autoScaling: { minCapacity: 2, maxCapacity: 4, targetInvocationsPerInstance: 300 },
    dataCapture: { bucket, prefix: 'data-capture/prod-credit-risk', samplingPercentage: 20 },
    deploymentGuardrails: { canaryPercent: 10, canaryWait: Duration.minutes(10) },
    monitoring: {
      baseline: { bucket, prefix: 'monitoring/prod-credit-risk/baseline' },
      reports: { bucket, prefix: 'monitoring/prod-credit-risk/reports' },
      driftFeatures: ['annual_income'],
    },
    ...change,
  });
  return {
    stack,
    construct,
    get t() {
      return Template.fromStack(stack);
    },
  };
}

describe('EndpointSpec', () => {
  test('declares no SageMaker model, config, endpoint, scaling or schedule: the rollout tooling creates them', () => {
    // GIVEN / WHEN
    const { t } = spec();
    // THEN
    for (const type of [
      'AWS::SageMaker::Model',
      'AWS::SageMaker::EndpointConfig',
      'AWS::SageMaker::Endpoint',
      'AWS::SageMaker::MonitoringSchedule',
      'AWS::ApplicationAutoScaling::ScalableTarget',
    ]) {
      t.resourceCountIs(type, 0);
    }
    t.resourceCountIs('AWS::SSM::Parameter', 1);
    t.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/sagemaker/Endpoints/prod-credit-risk' },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
  });

  test('the execution role reads the model prefix and pulls from the model repository only', () => {
    // GIVEN / WHEN
    const { t } = spec();
    // THEN
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: Match.stringLikeRegexp('Execution role of the models'),
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Models'), 'Arn'] }, '/credit-risk/*']] },
          },
          {
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Images'), 'Arn'] },
          },
        ]),
      },
    });
  });

  test('grantInvoke names the endpoint that the rollout creates', () => {
    // GIVEN
    const { stack, construct } = spec();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    construct.grantInvoke(caller);
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
    expect(construct.endpointArn).toContain('endpoint/prod-credit-risk');
  });

  test.each([
    [
      'monitoring without data capture',
      { dataCapture: undefined },
      /EndpointSpec monitoring needs dataCapture on endpoint 'prod-credit-risk'/,
    ],
    ['instances without a VPC', { vpc: undefined }, /EndpointSpec vpc is required for instance-based endpoints/],
    [
      'serverless with instance-only settings',
      { serverless: { memorySizeMb: 2048, maxConcurrency: 5 } },
      /EndpointSpec serverless endpoints do not support vpc, dataCapture, autoScaling, deploymentGuardrails, monitoring/,
    ],
    [
      'a parameter name that is not a path',
      { parameterName: 'spec' },
      /EndpointSpec parameterName must be an SSM path starting with '\/', got 'spec'/,
    ],
  ] as const)('%s is refused with a clear message', (_name, change, message) => {
    // GIVEN / WHEN / THEN
    expect(() => spec(change as Partial<EndpointSpecProps>)).toThrow(message);
  });
});

describe('MlflowApp', () => {
  test('a serverless app on the artifact prefix, no automatic registration, RetainExceptOnCreate by default', () => {
    // GIVEN
    const { stack, bucket } = servingFixture();
    // WHEN
    const app = new MlflowApp(stack, 'Mlflow', { appName: 'dev-mlflow', artifactBucket: bucket });
    const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });
    app.grantUse(user);
    // THEN
    const t = Template.fromStack(stack);
    t.hasResource('AWS::SageMaker::MlflowApp', {
      Properties: {
        Name: 'dev-mlflow',
        ModelRegistrationMode: 'AutoModelRegistrationDisabled',
        WeeklyMaintenanceWindowStart: 'Sun:02:00',
        ArtifactStoreUri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Models') }, '/mlflow']] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MlflowArtifactStoreRole'), 'Arn'] },
      },
      DeletionPolicy: 'RetainExceptOnCreate',
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^MlflowArtifactStoreRolePolicy')]),
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['sagemaker-mlflow:*', 'sagemaker:CreatePresignedMlflowAppUrl', 'sagemaker:DescribeMlflowApp'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Mlflow'), 'Arn'] },
          },
        ],
      },
    });
  });

  test('a bad name is refused', () => {
    const { stack, bucket } = servingFixture();
    expect(() => new MlflowApp(stack, 'Mlflow', { appName: 'dev_mlflow!', artifactBucket: bucket })).toThrow(
      /MlflowApp appName must be 1 to 256 letters/,
    );
  });
});
