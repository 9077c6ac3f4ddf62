/** Arranges emulator state the way the platform's serving stack provisions it. */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ACCOUNT, REGION } from './moto';

export const ROLE = `arn:aws:iam::${ACCOUNT}:role/scoring-execution`;
export const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
export const VPC = { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0a', 'subnet-0b'] };
export const DATA_CAPTURE = {
  EnableCapture: true,
  InitialSamplingPercentage: 20,
  DestinationS3Uri: 's3://ml-capture/scoring',
  KmsKeyId: KMS_KEY,
  CaptureOptions: [{ CaptureMode: 'Input' as const }, { CaptureMode: 'Output' as const }],
};
export const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/scoring`;

/** Endpoint `scoring` on config `scoring-initial` serving model `scoring-initial`, and group `scoring`. */
export async function servingEndpoint(client: SageMakerClient): Promise<void> {
  await client.send(
    new CreateModelCommand({
      ModelName: 'scoring-initial',
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: `${IMAGE}:0.9.0`, ModelDataUrl: 's3://ml-models/scoring/0.9.0/model.tar.gz' },
      VpcConfig: VPC,
      EnableNetworkIsolation: true,
    }),
  );
  await client.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'scoring-initial',
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: 'scoring-initial',
          InitialInstanceCount: 2,
          InstanceType: 'ml.m5.large',
          InitialVariantWeight: 1,
        },
      ],
      DataCaptureConfig: DATA_CAPTURE,
      KmsKeyId: KMS_KEY,
      Tags: [{ Key: 'platform/env', Value: 'dev' }],
    }),
  );
  await client.send(new CreateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'scoring-initial' }));
  await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'scoring' }));
}

/** A package in group `scoring` with the given approval status; returns its ARN. */
export async function modelPackage(
  client: SageMakerClient,
  version: string,
  status: 'Approved' | 'PendingManualApproval' | 'Rejected',
): Promise<string> {
  const res = await client.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: 'scoring',
      ModelApprovalStatus: status,
      InferenceSpecification: {
        Containers: [{ Image: `${IMAGE}:${version}`, ModelDataUrl: `s3://ml-models/scoring/${version}/model.tar.gz` }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
    }),
  );
  return res.ModelPackageArn!;
}
