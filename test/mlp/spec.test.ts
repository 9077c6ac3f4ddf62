import type { DescribeModelPackageOutput } from '@aws-sdk/client-sagemaker';
import type { EndpointSpecDocument } from '../../constructs/serving/endpoint-spec';
import { parseSpec, planEndpoint, planFirstEndpointConfig, planFirstModel, planMonitoring } from '../../mlp/spec';

const SERVERLESS: EndpointSpecDocument = {
  version: 1,
  endpointName: 'dev-credit-risk',
  variantName: 'AllTraffic',
  modelPackageGroupName: 'dev-credit-risk',
  executionRoleArn: 'arn:aws:iam::111111111111:role/exec',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k',
  networkIsolation: false,
  subnets: [],
  securityGroupIds: [],
  instances: null,
  serverless: { memorySizeMb: 2048, maxConcurrency: 5 },
  autoScaling: null,
  dataCapture: null,
  guardrails: null,
  logGroupName: '/aws/sagemaker/Endpoints/dev-credit-risk',
  monitoring: null,
};
const PKG = {
  ModelPackageName: 'dev-credit-risk',
  CreationTime: new Date(0),
  ModelPackageStatus: 'Completed',
  ModelPackageStatusDetails: { ValidationStatuses: [] },
  ModelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/dev-credit-risk/1',
  InferenceSpecification: { Containers: [{ Image: 'img:1.0.0', ModelDataUrl: 's3://b/credit-risk/1.0.0/model.tar.gz' }] },
} as DescribeModelPackageOutput & { ModelPackageArn: string };

describe('endpoint spec planning', () => {
  test('a serverless spec: a serverless variant without KMS key (SageMaker rejects one), no VPC, no guardrails, no monitoring', () => {
    // GIVEN / WHEN
    const model = planFirstModel('m', PKG, SERVERLESS);
    const config = planFirstEndpointConfig('c', 'm', PKG.ModelPackageArn, SERVERLESS);
    const endpoint = planEndpoint('c', SERVERLESS);
    // THEN
    expect(model).toMatchObject({ ExecutionRoleArn: SERVERLESS.executionRoleArn, EnableNetworkIsolation: false });
    expect(model.VpcConfig).toBeUndefined();
    expect(config.ProductionVariants).toEqual([
      { VariantName: 'AllTraffic', ModelName: 'm', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
    ]);
    expect(config.KmsKeyId).toBeUndefined();
    expect(config.DataCaptureConfig).toBeUndefined();
    expect(endpoint).toEqual({ EndpointName: 'dev-credit-risk', EndpointConfigName: 'c' });
    expect(planMonitoring(SERVERLESS, 'd')).toBeUndefined();
  });

  test('a package without containers is refused', () => {
    expect(() => planFirstModel('m', { ...PKG, InferenceSpecification: undefined }, SERVERLESS)).toThrow(
      /has no inference containers; nothing to deploy/,
    );
  });

  test.each([
    ['not JSON', '{', /Endpoint spec \/p is not JSON/],
    [
      'both capacities',
      JSON.stringify({ ...SERVERLESS, instances: { instanceType: 'ml.m5.large', initialInstanceCount: 1 } }),
      /instances\/serverless .* expected exactly one of them set/,
    ],
    [
      'min above max',
      JSON.stringify({ ...SERVERLESS, autoScaling: { minInstances: 3, maxInstances: 2, targetInvocationsPerInstance: 1 } }),
      /autoScaling .* expected whole numbers 1 <= minInstances <= maxInstances/,
    ],
    ['no role', JSON.stringify({ ...SERVERLESS, executionRoleArn: '' }), /executionRoleArn "" is not allowed; expected a non-empty string/],
  ])('%s: one clear line naming the parameter and field', (_name, text, message) => {
    expect(() => parseSpec('/p', text, 'dev-credit-risk')).toThrow(message);
  });
});
