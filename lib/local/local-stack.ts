import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ENDPOINT_SPEC_VERSION, type EndpointSpecDocument } from '../../constructs/serving/endpoint-spec';

export interface LocalServingStackProps extends StackProps {
  /** Endpoint (and model package group) name, e.g. credit-scoring. */
  readonly endpointName: string;
  /**
   * Data-capture sampling of the spec: change it to make a deploy that updates the stack.
   * @default 20
   */
  readonly samplingPercentage?: number;
}

/** SSM parameter of the local endpoint's spec (the platform's layout: `/mlp/<env>/endpoints/<name>/spec`). */
/**
 * The CDK app of the local profile as `cdk --app` takes it: the esbuild require hook cdk.json uses
 * (`npx tsx bin/local.ts` works too, slower).
 */
export const LOCAL_CDK_APP = 'node --require ./scripts/ts-register.cjs bin/local.ts';

export function localSpecParameterName(endpointName: string): string {
  return `/mlp/local/endpoints/${endpointName}/spec`;
}

/**
 * The LOCAL profile of the platform's serving path, limited to what the local AWS emulator (moto)
 * models: a KMS key, the model-artifact bucket, the SageMaker execution role (reads the model's
 * whole prefix) and the endpoint spec in SSM, as a model stack provisions them. Like the platform,
 * it declares NO SageMaker model, endpoint config or endpoint: `mlp endpoints rollout` creates the
 * endpoint from the spec on the first version and owns it from then on, so a deploy of this stack
 * never changes what is serving. It exists for `npm run local:demo` and the owner test only: it is
 * not part of the platform app (cdk.json) and is never deployed to AWS.
 */
export class LocalServingStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly role: iam.Role;
  readonly spec: ssm.StringParameter;

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
    // Every version of the model (the platform grants `<model>/*` likewise).
    this.bucket.grantRead(this.role, `models/${props.endpointName}/*`);
    this.bucket.grantPut(this.role, 'capture/*');

    const spec: EndpointSpecDocument = {
      version: ENDPOINT_SPEC_VERSION,
      endpointName: props.endpointName,
      variantName: 'AllTraffic',
      modelPackageGroupName: props.endpointName,
      executionRoleArn: this.role.roleArn,
      kmsKeyArn: this.key.keyArn,
      networkIsolation: true,
      subnets: [],
      securityGroupIds: [],
      instances: { instanceType: 'ml.m5.large', initialInstanceCount: 1 },
      serverless: null,
      autoScaling: {
        minInstances: 1,
        maxInstances: 2,
        targetInvocationsPerInstance: 300,
        scaleInCooldownSeconds: 300,
        scaleOutCooldownSeconds: 60,
      },
      dataCapture: { destinationS3Uri: this.bucket.s3UrlForObject('capture'), samplingPercentage: props.samplingPercentage ?? 20 },
      guardrails: null,
      logGroupName: `/aws/sagemaker/Endpoints/${props.endpointName}`,
      monitoring: {
        scheduleName: `${props.endpointName}-data-quality`,
        scheduleExpression: 'cron(0 * ? * * *)',
        instanceType: 'ml.m5.large',
        maxRuntimeSeconds: 1800,
        roleArn: this.role.roleArn,
        analyzerImageUri: '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer',
        baselineS3Uri: this.bucket.s3UrlForObject(`monitoring/${props.endpointName}/baseline`),
        reportsS3Uri: this.bucket.s3UrlForObject(`monitoring/${props.endpointName}/reports`),
        subnets: [],
        securityGroupIds: [],
        driftFeatures: ['annual_income'],
        driftThreshold: 0.1,
        driftAlarmName: `${props.endpointName}-drift`,
      },
    };
    this.spec = new ssm.StringParameter(this, 'EndpointSpec', {
      parameterName: localSpecParameterName(props.endpointName),
      description: `Spec of SageMaker endpoint ${props.endpointName}, read by mlp endpoints rollout`,
      stringValue: this.toJsonString(spec),
    });

    new CfnOutput(this, 'EndpointName', { value: props.endpointName });
    new CfnOutput(this, 'SpecParameter', { value: this.spec.parameterName });
    new CfnOutput(this, 'ArtifactBucket', { value: this.bucket.bucketName });
    new CfnOutput(this, 'ExecutionRoleArn', { value: this.role.roleArn });
    new CfnOutput(this, 'KeyArn', { value: this.key.keyArn });
  }
}
