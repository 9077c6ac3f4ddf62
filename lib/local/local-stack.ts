import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';

export interface LocalServingStackProps extends StackProps {
  /** Endpoint (and model package group) name, e.g. credit-scoring. */
  readonly endpointName: string;
  /** Image of the first model version. */
  readonly image: string;
}

/**
 * The LOCAL profile of the platform's serving path, limited to what the local AWS emulator (moto)
 * models: a KMS key, the model-artifact bucket, the SageMaker execution role, and a SageMaker
 * model, endpoint config and endpoint like the serving stack provisions (KMS-encrypted, data
 * capture on, network isolation). It exists for `npm run local:demo` only: it is not part of the
 * platform app (cdk.json) and is never deployed to AWS. Everything is destroyed with the emulator.
 */
export class LocalServingStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly role: iam.Role;
  readonly endpoint: sagemaker.CfnEndpoint;

  constructor(scope: Construct, id: string, props: LocalServingStackProps) {
    super(scope, id, props);

    this.key = new kms.Key(this, 'ServingKey', {
      description: 'Local demo: encrypts model artifacts, endpoint storage and captured data',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });

    this.bucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Local demo: SageMaker execution role of the scoring endpoint',
    });
    this.bucket.grantRead(this.role, 'models/*');
    this.bucket.grantPut(this.role, 'capture/*');

    const initial = `${props.endpointName}-initial`;
    const model = new sagemaker.CfnModel(this, 'Model', {
      modelName: initial,
      executionRoleArn: this.role.roleArn,
      enableNetworkIsolation: true,
      primaryContainer: {
        image: props.image,
        modelDataUrl: this.bucket.s3UrlForObject(`models/${props.endpointName}/initial/model.tar.gz`),
      },
    });
    model.node.addDependency(this.role);

    const config = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      endpointConfigName: initial,
      kmsKeyId: this.key.keyArn,
      productionVariants: [
        {
          variantName: 'AllTraffic',
          modelName: model.attrModelName,
          initialInstanceCount: 1,
          instanceType: 'ml.m5.large',
          initialVariantWeight: 1,
        },
      ],
      dataCaptureConfig: {
        enableCapture: true,
        initialSamplingPercentage: 20,
        destinationS3Uri: this.bucket.s3UrlForObject('capture'),
        kmsKeyId: this.key.keyArn,
        captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
      },
    });

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: props.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
    });

    new CfnOutput(this, 'EndpointName', { value: this.endpoint.attrEndpointName });
    new CfnOutput(this, 'ArtifactBucket', { value: this.bucket.bucketName });
    new CfnOutput(this, 'ExecutionRoleArn', { value: this.role.roleArn });
    new CfnOutput(this, 'KeyArn', { value: this.key.keyArn });
  }
}
