import type { LakeZone } from '../lake/data-lake';
import type { KeyDomain } from '../security/platform-keys';

/**
 * The names of the SSM parameters in which each environment publishes what teams reference: one
 * definition, used by the stacks that write them (`PlatformParameters`) and by the import that
 * reads them (`Platform.fromEnvironment`). Every name is `<prefix>/<handle>`, the prefix
 * `/mlp/<environment>/platform` unless given.
 */
export const PLATFORM_HANDLES = {
  vpcId: 'network/vpc-id',
  /** StringList parameters, one entry per AZ in the VPC's AZ order. */
  availabilityZones: 'network/availability-zones',
  privateSubnetIds: 'network/private-subnet-ids',
  privateRouteTableIds: 'network/private-route-table-ids',
  isolatedSubnetIds: 'network/isolated-subnet-ids',
  isolatedRouteTableIds: 'network/isolated-route-table-ids',
  keyArn: (domain: KeyDomain): string => `security/keys/${domain}-arn`,
  accessLogsBucketName: 'security/access-logs-bucket-name',
  lakeBucketName: (zone: LakeZone): string => `data/lake/${zone}/bucket-name`,
  lakeDatabaseName: (zone: LakeZone): string => `data/lake/${zone}/database-name`,
  sparkApplicationId: 'data/spark/application-id',
  sparkJobRoleArn: 'data/spark/job-role-arn',
  sparkSecurityGroupId: 'data/spark/security-group-id',
  streamingClusterArn: 'streaming/cluster-arn',
  streamingClusterName: 'streaming/cluster-name',
  streamingBootstrapBrokers: 'streaming/bootstrap-brokers-sasl-iam',
  streamingSecurityGroupId: 'streaming/security-group-id',
  onlineStoreEndpoint: 'feature-store/configuration-endpoint',
  onlineStorePort: 'feature-store/port',
  onlineStoreReplicationGroupId: 'feature-store/replication-group-id',
  onlineStoreReaderUserId: 'feature-store/reader-user-id',
  onlineStoreWriterUserId: 'feature-store/writer-user-id',
  onlineStoreSecurityGroupId: 'feature-store/security-group-id',
  clusterName: 'compute/cluster-name',
  clusterSecurityGroupId: 'compute/cluster-security-group-id',
  pageTopicArn: 'oncall/page-topic-arn',
  ticketTopicArn: 'oncall/ticket-topic-arn',
  mlflowArn: 'serving/mlflow-arn',
  modelPackageGroupName: (model: string): string => `serving/models/${model}/model-package-group-name`,
  schemaRegistryName: 'features/schema-registry-name',
  topicArn: (topic: string): string => `features/topics/${topic}/arn`,
} as const;

/** The default prefix of an environment's handles: `/mlp/<environment>/platform`. */
export function platformParameterPrefix(environment: string): string {
  return `/mlp/${environment}/platform`;
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** Problems of a parameter prefix (a `/`-separated SSM path without a trailing `/`). */
export function parameterPrefixProblems(where: string, prefix: string): string[] {
  const segments = prefix.split('/');
  return segments[0] === '' && segments.length > 1 && segments.slice(1).every((s) => SEGMENT.test(s))
    ? []
    : [`${where}: parameterPrefix must look like /mlp/prod/platform (a '/'-separated SSM path without a trailing '/'), got '${prefix}'`];
}
