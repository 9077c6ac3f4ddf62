import { Annotations, Aspects, CfnDeletionPolicy, CfnResource, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * CloudFormation types that hold data (or keys to data). In an environment that retains stateful
 * resources each of them must carry `DeletionPolicy: Retain` or `RetainExceptOnCreate` (named
 * resources: a failed first create then leaves nothing behind that blocks the retry).
 */
export const STATEFUL_TYPES: readonly string[] = [
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::MSK::Cluster',
  'AWS::MSK::ServerlessCluster',
  'AWS::MSK::Topic',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Glue::Registry',
  'AWS::Glue::Schema',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::SageMaker::MlflowTrackingServer',
  'AWS::SageMaker::MlflowApp',
  'AWS::ECR::Repository',
  'AWS::SecretsManager::Secret',
  // Amazon Managed Service for Prometheus: the workspace holds the metrics.
  'AWS::APS::Workspace',
];

/**
 * Fails synth (an error annotation on the resource) when a stateful resource of a retaining
 * environment would be deleted with its stack. A guard for every construct added later: the
 * constructs take a removal policy, and this makes a forgotten one impossible to deploy.
 */
export class RetainStatefulResources implements IAspect {
  static check(scope: IConstruct, retain: boolean): void {
    if (retain) Aspects.of(scope).add(new RetainStatefulResources());
  }

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || !STATEFUL_TYPES.includes(node.cfnResourceType)) return;
    const policy = node.cfnOptions.deletionPolicy;
    if (policy !== CfnDeletionPolicy.RETAIN && policy !== CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE) {
      Annotations.of(node).addError(
        `${node.cfnResourceType} ${node.node.path} has DeletionPolicy ${policy ?? 'Delete'}; stateful resources must be retained in this environment (retainStatefulResources: true)`,
      );
    }
  }
}
