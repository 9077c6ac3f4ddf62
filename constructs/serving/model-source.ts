import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import type { SageMakerRole } from './private/sagemaker-role';

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

export interface ImageModelOptions {
  /** Inference image in ECR: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` (or `@sha256:<digest>`). */
  readonly imageUri: string;
  /**
   * Bucket of the model artifact.
   * @default - no artifact: the image contains the model
   */
  readonly modelDataBucket?: s3.IBucket;
  /**
   * Key of the model artifact (`.tar.gz`) in `modelDataBucket`.
   * @default - required when modelDataBucket is set
   */
  readonly modelDataKey?: string;
  /**
   * Environment variables of the inference container.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface ModelPackageOptions {
  /** ARN of an approved model package version (`arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`). */
  readonly modelPackageArn: string;
  /** Bucket holding the package's artifacts: the execution role may read `artifactsPrefix` in it. */
  readonly artifactsBucket: s3.IBucket;
  /**
   * Prefix of the package's artifacts in `artifactsBucket`.
   * @default - the whole bucket
   */
  readonly artifactsPrefix?: string;
  /**
   * ECR repositories of the package's images (ARNs): the execution role may pull from them.
   * @default - every repository of this account and region
   */
  readonly imageRepositoryArns?: readonly string[];
}

/**
 * What a SageMaker model serves: an image plus (optionally) an artifact, or a version from the
 * model registry. The source also grants the model's execution role exactly what it needs to
 * pull the image and read the artifact.
 */
export abstract class ModelSource {
  /** An inference image from ECR and a model artifact in S3. */
  static fromImage(options: ImageModelOptions): ModelSource {
    return new ImageModelSource(options);
  }

  /** A version of a model package group (the model registry). */
  static fromModelPackage(options: ModelPackageOptions): ModelSource {
    return new PackageModelSource(options);
  }

  /** @internal */
  abstract _bind(scope: Construct, role: SageMakerRole): sagemaker.CfnModel.ContainerDefinitionProperty;
}

class ImageModelSource extends ModelSource {
  constructor(private readonly options: ImageModelOptions) {
    super();
    const { imageUri, modelDataBucket, modelDataKey } = options;
    if (!Token.isUnresolved(imageUri) && !ECR_IMAGE.test(imageUri)) {
      throw new Error(
        `ModelSource.fromImage imageUri must be an ECR image <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> (or @sha256:<digest>), got '${imageUri}'`,
      );
    }
    if ((modelDataBucket === undefined) !== (modelDataKey === undefined)) {
      throw new Error('ModelSource.fromImage needs both modelDataBucket and modelDataKey, or neither');
    }
    if (modelDataKey !== undefined && !Token.isUnresolved(modelDataKey) && !/^[^/\s]\S*\.tar\.gz$/.test(modelDataKey)) {
      throw new Error(
        `ModelSource.fromImage modelDataKey must be the key of a .tar.gz artifact without a leading '/', got '${modelDataKey}'`,
      );
    }
  }

  /** @internal */
  _bind(scope: Construct, role: SageMakerRole): sagemaker.CfnModel.ContainerDefinitionProperty {
    const { imageUri, modelDataBucket, modelDataKey, environment } = this.options;
    const stack = Stack.of(scope);
    const m = Token.isUnresolved(imageUri) ? null : ECR_IMAGE.exec(imageUri);
    // A token image URI cannot be parsed: then any repository of this account and region.
    const repositoryArn = m
      ? stack.formatArn({ service: 'ecr', account: m[1], region: m[2], resource: 'repository', resourceName: m[3] })
      : stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' });
    allowPull(role, [repositoryArn]);
    if (modelDataBucket && modelDataKey) role.allowRead(modelDataBucket, modelDataKey);
    return {
      image: imageUri,
      modelDataUrl: modelDataBucket && modelDataKey ? `s3://${modelDataBucket.bucketName}/${modelDataKey}` : undefined,
      environment: environment ? { ...environment } : undefined,
    };
  }
}

class PackageModelSource extends ModelSource {
  constructor(private readonly options: ModelPackageOptions) {
    super();
    const arn = options.modelPackageArn;
    if (!Token.isUnresolved(arn) && !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[\w-]+\/\d+$/.test(arn)) {
      throw new Error(
        `ModelSource.fromModelPackage modelPackageArn must be a versioned model package ARN arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>, got '${arn}'`,
      );
    }
  }

  /** @internal */
  _bind(scope: Construct, role: SageMakerRole): sagemaker.CfnModel.ContainerDefinitionProperty {
    const { modelPackageArn, artifactsBucket, artifactsPrefix, imageRepositoryArns } = this.options;
    const stack = Stack.of(scope);
    allowPull(role, imageRepositoryArns ?? [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })]);
    role.allowRead(artifactsBucket, artifactsPrefix ? `${artifactsPrefix.replace(/\/$/, '')}/*` : '*');
    role.add(
      new iam.PolicyStatement({
        actions: ['sagemaker:DescribeModelPackage'],
        resources: [Token.isUnresolved(modelPackageArn) ? packageArns(stack) : modelPackageArn],
      }),
    );
    return { modelPackageName: modelPackageArn };
  }
}

function packageArns(stack: Stack): string {
  return stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

function allowPull(role: SageMakerRole, repositoryArns: readonly string[]): void {
  role.add(
    new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      resources: [...repositoryArns],
    }),
    // GetAuthorizationToken is account-wide: IAM offers no resource-level scoping for it.
    new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
  );
  role.acknowledgeWildcard(
    'Resource::*',
    'ecr:GetAuthorizationToken is account-wide: IAM offers no resource-level permission for it. Image pulls are scoped to the repositories.',
  );
}
