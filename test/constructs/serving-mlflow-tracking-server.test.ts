import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MlflowTrackingServer } from '../../constructs';
import { testStack } from '../util';

function setup() {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key');
  const bucket = new s3.Bucket(stack, 'Models', { encryptionKey: key });
  return { stack, key, bucket };
}

describe('MlflowTrackingServer', () => {
  test('a sized server whose artifact store is a prefix of the bucket, retained, no automatic registration', () => {
    // GIVEN
    const { stack, bucket } = setup();
    // WHEN
    new MlflowTrackingServer(stack, 'Mlflow', { trackingServerName: 'prod-mlflow', artifactBucket: bucket, size: 'Medium' });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResource('AWS::SageMaker::MlflowTrackingServer', {
      Properties: {
        TrackingServerName: 'prod-mlflow',
        TrackingServerSize: 'Medium',
        AutomaticModelRegistration: false,
        WeeklyMaintenanceWindowStart: 'Sun:02:00',
        ArtifactStoreUri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Models') }, '/mlflow']] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MlflowArtifactStoreRole'), 'Arn'] },
      },
      DeletionPolicy: 'Retain',
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^MlflowArtifactStoreRolePolicy')]),
    });
  });

  test('its role is trusted by SageMaker of this account and reaches only the artifact prefix and the key', () => {
    // GIVEN
    const { stack, bucket } = setup();
    // WHEN
    new MlflowTrackingServer(stack, 'Mlflow', { trackingServerName: 'dev-mlflow', artifactBucket: bucket, artifactPrefix: 'tracking' });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'sagemaker.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          },
        ],
      },
    });
    t.resourceCountIs('AWS::IAM::Policy', 0); // no inline policy
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['tracking/*'] } } }),
          Match.objectLike({
            Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Models'), 'Arn'] }, '/tracking/*']] },
          }),
          Match.objectLike({
            Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  test('grantUse gives the MLflow API on this server only', () => {
    // GIVEN
    const { stack, bucket } = setup();
    const mlflow = new MlflowTrackingServer(stack, 'Mlflow', {
      trackingServerName: 'dev-mlflow',
      artifactBucket: bucket,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const user = new iam.Role(stack, 'Scientist', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    mlflow.grantUse(user);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Resource: 'arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/dev-mlflow' })],
      },
    });
  });

  test.each([
    ['an unknown size', { size: 'Huge' }, /size must be one of Small, Medium, Large, got 'Huge'/],
    ['an invalid name', { trackingServerName: 'my_mlflow' }, /trackingServerName must be 1 to 256 letters.*got 'my_mlflow'/],
    ['a prefix with a trailing slash', { artifactPrefix: 'mlflow/' }, /artifactPrefix must be a non-empty S3 prefix.*got 'mlflow\/'/],
    ['a malformed maintenance window', { weeklyMaintenanceWindowStart: 'Sun 02:00' }, /weeklyMaintenanceWindowStart must be Ddd:HH:MM/],
  ])('rejects %s', (_title, change, message) => {
    // GIVEN
    const { stack, bucket } = setup();
    // WHEN / THEN
    expect(
      () => new MlflowTrackingServer(stack, 'Mlflow', { trackingServerName: 'dev-mlflow', artifactBucket: bucket, ...(change as any) }),
    ).toThrow(message);
  });
});
