/**
 * Pure rollout planning: what the new model and endpoint config look like, given what the
 * endpoint serves now. No AWS calls here, so the copying rules are unit-tested directly.
 */
import type {
  CreateEndpointConfigInput,
  CreateModelInput,
  DescribeEndpointConfigOutput,
  DescribeModelOutput,
  DescribeModelPackageOutput,
  Tag,
} from '@aws-sdk/client-sagemaker';
import { RolloutError } from './errors';

/** Tag on an endpoint config created by mlp: the config it replaced (the rollback target). */
export const PREVIOUS_CONFIG_TAG = 'mlp:previous-endpoint-config';
/** Tag on models and endpoint configs created by mlp: the model package they serve. */
export const PACKAGE_TAG = 'mlp:model-package-arn';

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/**
 * The new model: the package's containers, with the execution role, VPC config and network
 * isolation of the model the endpoint serves now (they belong to the endpoint's security setup,
 * not to the model version).
 */
export function planModel(modelName: string, pkg: DescribeModelPackageOutput, current: DescribeModelOutput): CreateModelInput {
  const containers = (pkg.InferenceSpecification?.Containers ?? []).map((c) => ({
    Image: c.Image,
    ModelDataUrl: c.ModelDataUrl,
    ...(c.Environment && Object.keys(c.Environment).length > 0 ? { Environment: c.Environment } : {}),
  }));
  if (containers.length === 0) {
    throw new RolloutError(`Model package ${pkg.ModelPackageArn} has no inference containers; nothing to deploy.`);
  }
  if (!current.ExecutionRoleArn) {
    throw new RolloutError(`Model ${current.ModelName} has no execution role to copy; cannot create the new model.`);
  }
  return {
    ModelName: modelName,
    ExecutionRoleArn: current.ExecutionRoleArn,
    ...(containers.length === 1 ? { PrimaryContainer: containers[0] } : { Containers: containers }),
    ...(present(current.VpcConfig) ? { VpcConfig: current.VpcConfig } : {}),
    ...(current.EnableNetworkIsolation !== undefined ? { EnableNetworkIsolation: current.EnableNetworkIsolation } : {}),
    Tags: [{ Key: PACKAGE_TAG, Value: pkg.ModelPackageArn! }],
  };
}

export interface ConfigPlan {
  readonly name: string;
  readonly modelName: string;
  readonly packageArn: string;
  /** Tags of the current config; copied except mlp:* and aws:* keys. */
  readonly currentTags: readonly Tag[];
}

/**
 * The new endpoint config: a copy of the current one (variants, data capture, KMS key, async and
 * serverless settings, explainer, VPC/role/isolation where the config has them) with every
 * production variant pointing at the new model. Shadow variants keep their models.
 */
export function planEndpointConfig(current: DescribeEndpointConfigOutput, plan: ConfigPlan): CreateEndpointConfigInput {
  const variants = current.ProductionVariants ?? [];
  if (variants.length === 0) {
    throw new RolloutError(`Endpoint config ${current.EndpointConfigName} has no production variants to copy.`);
  }
  const tags = plan.currentTags.filter((t) => !t.Key?.startsWith('mlp:') && !t.Key?.startsWith('aws:'));
  return {
    EndpointConfigName: plan.name,
    ProductionVariants: variants.map((v) => ({ ...v, ModelName: plan.modelName })),
    ...(present(current.DataCaptureConfig) ? { DataCaptureConfig: current.DataCaptureConfig } : {}),
    ...(current.KmsKeyId ? { KmsKeyId: current.KmsKeyId } : {}),
    ...(present(current.AsyncInferenceConfig) ? { AsyncInferenceConfig: current.AsyncInferenceConfig } : {}),
    ...(present(current.ExplainerConfig) ? { ExplainerConfig: current.ExplainerConfig } : {}),
    ...(current.ShadowProductionVariants?.length ? { ShadowProductionVariants: current.ShadowProductionVariants } : {}),
    ...(current.ExecutionRoleArn ? { ExecutionRoleArn: current.ExecutionRoleArn } : {}),
    ...(present(current.VpcConfig) ? { VpcConfig: current.VpcConfig } : {}),
    ...(current.EnableNetworkIsolation !== undefined ? { EnableNetworkIsolation: current.EnableNetworkIsolation } : {}),
    Tags: [...tags, { Key: PREVIOUS_CONFIG_TAG, Value: current.EndpointConfigName! }, { Key: PACKAGE_TAG, Value: plan.packageArn }],
  };
}

/** Set and not an empty object: an emulator (or an old API version) may answer `{}` for an absent block. */
function present(value: object | undefined): boolean {
  return value !== undefined && value !== null && Object.keys(value).length > 0;
}
