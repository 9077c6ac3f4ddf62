import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ModelServerIdentity, type ModelServerIdentityProps } from '../../constructs';
import { testStack } from '../util';

function build(change: Partial<ModelServerIdentityProps> = {}, withBucket = true) {
  const stack = testStack();
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'dev-ml-platform' });
  const key = new kms.Key(stack, 'ModelsKey');
  const bucket = new s3.Bucket(stack, 'Models', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
  const identity = new ModelServerIdentity(stack, 'Server', {
    cluster,
    namespace: 'credit-risk',
    serviceAccountName: 'credit-risk-server',
    ...(withBucket ? { modelsBucket: bucket, modelPrefix: 'credit-risk/1.0.0/' } : {}),
    ...change,
  });
  return { stack, identity, bucket, key };
}

describe('ModelServerIdentity', () => {
  const { stack } = build();
  const template = Template.fromStack(stack);

  test('binds the role to the server service account through EKS Pod Identity, trusted by this cluster only', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: 'dev-ml-platform',
      Namespace: 'credit-risk',
      ServiceAccount: 'credit-risk-server',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServerRole'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
          }),
        ],
      },
    });
  });

  test('lists and reads only the model prefix, decrypting through S3 only; no inline policy', () => {
    const bucketArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Models'), 'Arn'] };
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'ListModelPrefix',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: bucketArn,
            Condition: { StringLike: { 's3:prefix': ['credit-risk/1.0.0/*'] } },
          },
          {
            Sid: 'ReadModel',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: { 'Fn::Join': ['', [bucketArn, '/credit-risk/1.0.0/*']] },
          },
          {
            Sid: 'DecryptModelThroughS3',
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelsKey'), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^ServerRole') }],
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('grants to the identity land in its managed policy', () => {
    // GIVEN
    const { stack: s, identity } = build();
    // WHEN
    iam.Grant.addToPrincipal({
      grantee: identity,
      actions: ['elasticache:Connect'],
      resourceArns: ['arn:aws:elasticache:eu-west-1:123456789012:user:fs-reader'],
    });
    // THEN
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'elasticache:Connect', Resource: 'arn:aws:elasticache:eu-west-1:123456789012:user:fs-reader' },
        ]),
      },
    });
  });

  test('without a bucket the role has no policy at all', () => {
    const t = Template.fromStack(build({}, false).stack);
    t.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
  });

  test.each<[string, Partial<ModelServerIdentityProps>, RegExp]>([
    ['a prefix with a wildcard', { modelPrefix: 'credit-risk/*' }, /modelPrefix 'credit-risk\/\*' is not allowed/],
    ['a prefix without a trailing slash', { modelPrefix: 'credit-risk' }, /modelPrefix 'credit-risk' is not allowed/],
    ['a bucket without a prefix', { modelPrefix: undefined }, /modelPrefix is required with modelsBucket/],
    ['an invalid service account', { serviceAccountName: 'Server_1' }, /serviceAccountName must be a DNS-1123 label.*got 'Server_1'/],
  ])('rejects %s', (_, change, message) => {
    expect(() => build(change)).toThrow(message);
  });
});
