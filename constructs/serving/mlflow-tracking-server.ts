import { ArnFormat, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { WEEKLY_MAINTENANCE_WINDOW } from '../core/patterns';
import { SageMakerRole } from './private/sagemaker-role';

/** Sizes of a SageMaker managed MLflow tracking server (concurrent users: 25, 50, 100). */
export type MlflowTrackingServerSize = 'Small' | 'Medium' | 'Large';
const SIZES: readonly MlflowTrackingServerSize[] = ['Small', 'Medium', 'Large'];

const SERVER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

export interface MlflowTrackingServerProps {
  /** Physical name of the server (e.g. `prod-mlflow`); clients address it by ARN. */
  readonly trackingServerName: string;
  /** Bucket of the artifact store (experiments' models, metrics files, plots). */
  readonly artifactBucket: s3.IBucket;
  /**
   * Prefix of the artifact store in the bucket, without slashes at either end.
   * @default 'mlflow'
   */
  readonly artifactPrefix?: string;
  /**
   * Key that encrypts the artifacts: the server's role may use it.
   * @default - the artifact bucket's key, if it has one
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Server size.
   * @default 'Small'
   */
  readonly size?: MlflowTrackingServerSize;
  /**
   * MLflow version, e.g. '2.16.2'.
   * @default - the newest version SageMaker offers when the server is created
   */
  readonly mlflowVersion?: string;
  /**
   * Weekly maintenance window start, UTC, `Ddd:HH:MM`.
   * @default 'Sun:02:00'
   */
  readonly weeklyMaintenanceWindowStart?: string;
  /**
   * What happens to the server (the experiment history lives in its metadata store) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A SageMaker managed MLflow tracking server whose artifact store is a prefix of an S3 bucket.
 * Its role may read and write that prefix only (and use the bucket's key); automatic model
 * registration is off: versions enter the SageMaker model registry through the pipelines, with
 * an approval status, not as a side effect of `mlflow.register_model`.
 *
 * @example
 * const mlflow = new MlflowTrackingServer(this, 'Mlflow', {
 *   trackingServerName: 'prod-mlflow',
 *   artifactBucket: lake.bucket('models'),
 *   size: 'Medium',
 * });
 * mlflow.grantUse(dataScientistRole);
 */
export class MlflowTrackingServer extends Construct {
  readonly server: sagemaker.CfnMlflowTrackingServer;
  /** The role the server assumes to reach its artifact store. */
  readonly role: iam.Role;
  readonly trackingServerName: string;
  readonly trackingServerArn: string;
  /** `s3://<bucket>/<prefix>` */
  readonly artifactStoreUri: string;

  constructor(scope: Construct, id: string, props: MlflowTrackingServerProps) {
    super(scope, id);
    const size = props.size ?? 'Small';
    const prefix = props.artifactPrefix ?? 'mlflow';
    const window = props.weeklyMaintenanceWindowStart ?? 'Sun:02:00';
    if (!Token.isUnresolved(props.trackingServerName) && !SERVER_NAME.test(props.trackingServerName)) {
      throw new Error(
        `MlflowTrackingServer trackingServerName must be 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit, got '${props.trackingServerName}'`,
      );
    }
    if (!SIZES.includes(size)) throw new Error(`MlflowTrackingServer size must be one of ${SIZES.join(', ')}, got '${size}'`);
    if (!Token.isUnresolved(prefix) && !/^[^/\s]([^\s]*[^/\s])?$/.test(prefix)) {
      throw new Error(`MlflowTrackingServer artifactPrefix must be a non-empty S3 prefix without leading or trailing '/', got '${prefix}'`);
    }
    if (!Token.isUnresolved(window) && !WEEKLY_MAINTENANCE_WINDOW.test(window)) {
      throw new Error(`MlflowTrackingServer weeklyMaintenanceWindowStart must be Ddd:HH:MM (e.g. Sun:02:00), got '${window}'`);
    }

    const access = artifactStoreRole(this, `MLflow tracking server ${props.trackingServerName}: artifact store access`, props, prefix);
    this.role = access.role;
    this.artifactStoreUri = `s3://${props.artifactBucket.bucketName}/${prefix}`;
    this.server = new sagemaker.CfnMlflowTrackingServer(this, 'Resource', {
      trackingServerName: props.trackingServerName,
      artifactStoreUri: this.artifactStoreUri,
      roleArn: this.role.roleArn,
      trackingServerSize: size,
      mlflowVersion: props.mlflowVersion,
      weeklyMaintenanceWindowStart: window,
      automaticModelRegistration: false,
    });
    // The server checks its artifact store at creation: the policy must be attached first.
    this.server.node.addDependency(access.policy);
    this.server.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.trackingServerName = props.trackingServerName;
    this.trackingServerArn = Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'mlflow-tracking-server',
      resourceName: props.trackingServerName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Lets a principal use the server: open the UI (presigned URL) and call the MLflow REST API
   * (log runs, read experiments). The principal still needs access to the artifact store.
   */
  grantUse(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker-mlflow:*', 'sagemaker:CreatePresignedMlflowTrackingServerUrl', 'sagemaker:DescribeMlflowTrackingServer'],
      resourceArns: [this.trackingServerArn],
    });
  }
}

/** The role SageMaker's MLflow assumes: read and write its artifact prefix, use the bucket's key. */
function artifactStoreRole(
  scope: Construct,
  description: string,
  props: { readonly artifactBucket: s3.IBucket; readonly encryptionKey?: kms.IKey },
  prefix: string,
): SageMakerRole {
  const access = new SageMakerRole(scope, 'ArtifactStoreRole', { description });
  access.allowList(props.artifactBucket, `${prefix}/`);
  access.add(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      resources: [props.artifactBucket.arnForObjects(`${prefix}/*`)],
    }),
    new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [props.artifactBucket.bucketArn] }),
  );
  access.acknowledgeWildcard(
    (f) => f.startsWith('Resource::') && f.endsWith(`/${prefix}/*`),
    "The MLflow tracking server's artifact store is its prefix of the artifact bucket; its role reads and writes only objects under it.",
  );
  const key = props.encryptionKey ?? props.artifactBucket.encryptionKey;
  if (key) {
    access.add(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [key.keyArn],
      }),
    );
  }
  return access;
}

export interface MlflowAppProps {
  /** Name of the app (e.g. `dev-mlflow`); clients address it by ARN (which carries a generated id). */
  readonly appName: string;
  /** Bucket of the artifact store. */
  readonly artifactBucket: s3.IBucket;
  /**
   * Prefix of the artifact store in the bucket, without slashes at either end.
   * @default 'mlflow'
   */
  readonly artifactPrefix?: string;
  /**
   * Key that encrypts the artifacts.
   * @default - the artifact bucket's key, if it has one
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Weekly maintenance window start, UTC, `Ddd:HH:MM`.
   * @default 'Sun:02:00'
   */
  readonly weeklyMaintenanceWindowStart?: string;
  /**
   * What happens to the app (and its experiment history) when it leaves the stack.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * SageMaker's serverless MLflow (AWS::SageMaker::MlflowApp): no server size and nothing billed
 * while idle; the artifact store is a prefix of an S3 bucket, as with the tracking server, and
 * automatic model registration is off.
 *
 * @example
 * const mlflow = new MlflowApp(this, 'Mlflow', { appName: 'dev-mlflow', artifactBucket: lake.bucket('models') });
 * mlflow.grantUse(dataScientistRole);
 */
export class MlflowApp extends Construct {
  readonly app: sagemaker.CfnMlflowApp;
  readonly role: iam.Role;
  readonly appName: string;
  /** The app's ARN (`arn:...:mlflow-app/<generated id>`), known at deploy time. */
  readonly arn: string;
  readonly artifactStoreUri: string;

  constructor(scope: Construct, id: string, props: MlflowAppProps) {
    super(scope, id);
    const prefix = props.artifactPrefix ?? 'mlflow';
    const window = props.weeklyMaintenanceWindowStart ?? 'Sun:02:00';
    if (!Token.isUnresolved(props.appName) && !SERVER_NAME.test(props.appName)) {
      throw new Error(
        `MlflowApp appName must be 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit, got '${props.appName}'`,
      );
    }
    if (!Token.isUnresolved(prefix) && !/^[^/\s]([^\s]*[^/\s])?$/.test(prefix)) {
      throw new Error(`MlflowApp artifactPrefix must be a non-empty S3 prefix without leading or trailing '/', got '${prefix}'`);
    }
    if (!Token.isUnresolved(window) && !WEEKLY_MAINTENANCE_WINDOW.test(window)) {
      throw new Error(`MlflowApp weeklyMaintenanceWindowStart must be Ddd:HH:MM (e.g. Sun:02:00), got '${window}'`);
    }
    const access = artifactStoreRole(this, `MLflow app ${props.appName}: artifact store access`, props, prefix);
    this.role = access.role;
    this.artifactStoreUri = `s3://${props.artifactBucket.bucketName}/${prefix}`;
    this.app = new sagemaker.CfnMlflowApp(this, 'Resource', {
      name: props.appName,
      artifactStoreUri: this.artifactStoreUri,
      roleArn: this.role.roleArn,
      modelRegistrationMode: 'AutoModelRegistrationDisabled',
      weeklyMaintenanceWindowStart: window,
    });
    // The app checks its artifact store at creation: the policy must be attached first.
    this.app.node.addDependency(access.policy);
    this.app.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    // cfn-lint 1.51's schemas predate AWS::SageMaker::MlflowApp (CloudFormation has it; aws-cdk-lib generates it).
    this.app.addMetadata('cfn-lint', { config: { ignore_checks: ['E3006'] } });
    this.appName = props.appName;
    this.arn = this.app.attrArn;
  }

  /** Lets a principal use the app: the MLflow REST API and the UI (presigned URL). */
  grantUse(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker-mlflow:*', 'sagemaker:CreatePresignedMlflowAppUrl', 'sagemaker:DescribeMlflowApp'],
      resourceArns: [this.arn],
    });
  }
}
