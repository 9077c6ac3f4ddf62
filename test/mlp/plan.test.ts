import type { DescribeEndpointConfigOutput, DescribeModelOutput, DescribeModelPackageOutput } from '@aws-sdk/client-sagemaker';
import { PACKAGE_TAG, PREVIOUS_CONFIG_TAG, planEndpointConfig, planModel } from '../../mlp/plan';

const PKG: DescribeModelPackageOutput = {
  ModelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/scoring/3',
  ModelPackageName: undefined,
  ModelPackageGroupName: 'scoring',
  CreationTime: new Date(0),
  ModelPackageStatus: 'Completed',
  ModelPackageStatusDetails: undefined,
  InferenceSpecification: {
    Containers: [{ Image: 'repo/scoring:3', ModelDataUrl: 's3://models/3.tar.gz', Environment: { MODEL_VERSION: '3' } }],
  },
} as unknown as DescribeModelPackageOutput;

const CURRENT_MODEL = {
  ModelName: 'scoring-v2',
  ExecutionRoleArn: 'arn:aws:iam::123456789012:role/exec',
  VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1', 'subnet-2'] },
  EnableNetworkIsolation: true,
} as DescribeModelOutput;

describe('planModel', () => {
  test('takes the containers from the package and role, VPC and isolation from the current model', () => {
    expect(planModel('scoring-v3-x', PKG, CURRENT_MODEL)).toEqual({
      ModelName: 'scoring-v3-x',
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      PrimaryContainer: { Image: 'repo/scoring:3', ModelDataUrl: 's3://models/3.tar.gz', Environment: { MODEL_VERSION: '3' } },
      VpcConfig: CURRENT_MODEL.VpcConfig,
      EnableNetworkIsolation: true,
      Tags: [{ Key: PACKAGE_TAG, Value: PKG.ModelPackageArn }],
    });
  });

  test('several containers become an inference pipeline; no VPC stays no VPC', () => {
    const pkg = { ...PKG, InferenceSpecification: { Containers: [{ Image: 'a' }, { Image: 'b' }] } } as DescribeModelPackageOutput;
    const plan = planModel('m', pkg, { ...CURRENT_MODEL, VpcConfig: undefined });
    expect(plan.Containers).toEqual([
      { Image: 'a', ModelDataUrl: undefined },
      { Image: 'b', ModelDataUrl: undefined },
    ]);
    expect(plan.PrimaryContainer).toBeUndefined();
    expect(plan).not.toHaveProperty('VpcConfig');
  });

  test('a package without containers or a model without role is refused', () => {
    expect(() =>
      planModel('m', { ...PKG, InferenceSpecification: { Containers: [] } } as DescribeModelPackageOutput, CURRENT_MODEL),
    ).toThrow(/has no inference containers/);
    expect(() => planModel('m', PKG, { ...CURRENT_MODEL, ExecutionRoleArn: undefined } as unknown as DescribeModelOutput)).toThrow(
      /has no execution role/,
    );
  });
});

describe('planEndpointConfig', () => {
  const current = {
    EndpointConfigName: 'scoring-v2',
    EndpointConfigArn: 'arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/scoring-v2',
    CreationTime: new Date(0),
    ProductionVariants: [
      {
        VariantName: 'Blue',
        ModelName: 'scoring-v2',
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 3,
        InitialVariantWeight: 1,
        VolumeSizeInGB: 20,
      },
      { VariantName: 'Serverless', ModelName: 'scoring-v2', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
    ],
    ShadowProductionVariants: [{ VariantName: 'Shadow', ModelName: 'challenger', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
    DataCaptureConfig: {
      EnableCapture: true,
      InitialSamplingPercentage: 5,
      DestinationS3Uri: 's3://capture/x',
      CaptureOptions: [{ CaptureMode: 'Input' }],
    },
    KmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k',
    AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://async/out', KmsKeyId: 'k' } },
  } as DescribeEndpointConfigOutput;

  test('copies every setting, points production variants at the new model and records the rollback target', () => {
    const plan = planEndpointConfig(current, {
      name: 'scoring-v3-x',
      modelName: 'scoring-v3-x',
      packageArn: PKG.ModelPackageArn!,
      currentTags: [
        { Key: 'platform/env', Value: 'prod' },
        { Key: PREVIOUS_CONFIG_TAG, Value: 'scoring-v1' },
        { Key: 'aws:cloudformation:stack-name', Value: 'MlPlatform-prod-Serving' },
      ],
    });
    expect(plan).toEqual({
      EndpointConfigName: 'scoring-v3-x',
      ProductionVariants: [
        {
          VariantName: 'Blue',
          ModelName: 'scoring-v3-x',
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 3,
          InitialVariantWeight: 1,
          VolumeSizeInGB: 20,
        },
        { VariantName: 'Serverless', ModelName: 'scoring-v3-x', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
      ],
      ShadowProductionVariants: current.ShadowProductionVariants,
      DataCaptureConfig: current.DataCaptureConfig,
      KmsKeyId: current.KmsKeyId,
      AsyncInferenceConfig: current.AsyncInferenceConfig,
      Tags: [
        { Key: 'platform/env', Value: 'prod' },
        { Key: PREVIOUS_CONFIG_TAG, Value: 'scoring-v2' },
        { Key: PACKAGE_TAG, Value: PKG.ModelPackageArn },
      ],
    });
  });

  test('empty blocks (as moto answers for an absent AsyncInferenceConfig) are not copied', () => {
    const plan = planEndpointConfig(
      {
        ...current,
        AsyncInferenceConfig: {},
        DataCaptureConfig: undefined,
        ShadowProductionVariants: [],
      } as unknown as DescribeEndpointConfigOutput,
      { name: 'n', modelName: 'm', packageArn: 'a', currentTags: [] },
    );
    expect(plan).not.toHaveProperty('AsyncInferenceConfig');
    expect(plan).not.toHaveProperty('DataCaptureConfig');
    expect(plan).not.toHaveProperty('ShadowProductionVariants');
  });

  test('a config without variants is refused', () => {
    expect(() =>
      planEndpointConfig({ ...current, ProductionVariants: [] }, { name: 'n', modelName: 'm', packageArn: 'a', currentTags: [] }),
    ).toThrow(/has no production variants to copy/);
  });
});
