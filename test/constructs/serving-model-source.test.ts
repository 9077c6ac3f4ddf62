import { Match, Template } from 'aws-cdk-lib/assertions';
import { ModelEndpoint, ModelSource } from '../../constructs';
import { IMAGE, servingFixture } from './serving-fixtures';

describe('ModelSource', () => {
  test('fromImage: the image, the artifact URL, and pull/read rights on exactly that repository and object', () => {
    // GIVEN
    const { stack, vpc, key, bucket } = servingFixture();
    // WHEN
    new ModelEndpoint(stack, 'Endpoint', {
      endpointName: 'dev-credit-risk',
      model: ModelSource.fromImage({ imageUri: IMAGE, modelDataBucket: bucket, modelDataKey: 'credit-risk/1.0.0/model.tar.gz' }),
      encryptionKey: key,
      vpc,
    });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        Image: IMAGE,
        ModelDataUrl: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Models') }, '/credit-risk/1.0.0/model.tar.gz']] },
      },
    });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Resource: 'arn:aws:ecr:eu-west-1:123456789012:repository/credit-risk-inference',
          }),
          Match.objectLike({
            Action: 's3:GetObject',
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Models'), 'Arn'] }, '/credit-risk/1.0.0/model.tar.gz']],
            },
          }),
        ]),
      },
    });
  });

  test('fromModelPackage: the container names the package version', () => {
    // GIVEN
    const { stack, vpc, key, bucket } = servingFixture();
    const arn = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/prod-credit-risk/3';
    // WHEN
    new ModelEndpoint(stack, 'Endpoint', {
      endpointName: 'prod-credit-risk',
      model: ModelSource.fromModelPackage({ modelPackageArn: arn, artifactsBucket: bucket, artifactsPrefix: 'credit-risk' }),
      encryptionKey: key,
      vpc,
    });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { ModelPackageName: arn } });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sagemaker:DescribeModelPackage', Resource: arn })]) },
    });
  });

  test.each([
    [
      'an image outside ECR',
      () => ModelSource.fromImage({ imageUri: 'python:3.12' }),
      /imageUri must be an ECR image .* got 'python:3.12'/,
    ],
    [
      'an artifact key without a bucket',
      () => ModelSource.fromImage({ imageUri: IMAGE, modelDataKey: 'm.tar.gz' }),
      /needs both modelDataBucket and modelDataKey, or neither/,
    ],
    [
      'an unversioned package ARN',
      () =>
        ModelSource.fromModelPackage({
          modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/x',
          artifactsBucket: servingFixture().bucket,
        }),
      /modelPackageArn must be a versioned model package ARN/,
    ],
  ])('rejects %s', (_title, make, message) => {
    expect(make).toThrow(message);
  });
});
