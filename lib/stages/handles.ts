import type { Stack } from 'aws-cdk-lib';
import { LAKE_ZONES } from '../../constructs/lake';
import { PLATFORM_HANDLES as H, PlatformParameters, platformParameterPrefix } from '../../constructs/platform';
import { KEY_DOMAINS } from '../../constructs/security';
import type { MlPlatformStage } from './ml-platform-stage';

/**
 * Each stack of an environment publishes the handles of what it owns (VPC and subnets, keys,
 * buckets and Glue databases, Spark, the brokers, the online store, the cluster, the alarm topic
 * and MLflow, each model's registry group, the topics and their schema registry) as SSM parameters
 * under `/mlp/<env>/platform/` (construct `Handles` in the stack; nothing else in the stack
 * changes). Teams read them with `Platform.fromEnvironment(scope, id, '<env>')`
 * (constructs/platform, docs/platform-handles.md).
 */
export function publishPlatformHandles(stage: MlPlatformStage): Record<string, PlatformParameters> {
  const prefix = platformParameterPrefix(stage.security.config.name);
  const published: Record<string, PlatformParameters> = {};
  const publish = (stack: Stack, handles: Record<string, string | readonly string[]>): void => {
    published[stack.stackName] = new PlatformParameters(stack, 'Handles', { parameterPrefix: prefix, handles });
  };

  const vpc = stage.network.network.vpc;
  publish(stage.network, {
    [H.vpcId]: vpc.vpcId,
    [H.availabilityZones]: vpc.availabilityZones,
    [H.privateSubnetIds]: vpc.privateSubnets.map((s) => s.subnetId),
    [H.privateRouteTableIds]: vpc.privateSubnets.map((s) => s.routeTable.routeTableId),
    [H.isolatedSubnetIds]: vpc.isolatedSubnets.map((s) => s.subnetId),
    [H.isolatedRouteTableIds]: vpc.isolatedSubnets.map((s) => s.routeTable.routeTableId),
  });

  publish(stage.security, {
    ...Object.fromEntries(KEY_DOMAINS.map((d) => [H.keyArn(d), stage.security.keys[d].keyArn])),
    [H.accessLogsBucketName]: stage.security.audit.bucket.bucketName,
    [H.pageTopicArn]: stage.security.oncall.page.topicArn,
    [H.ticketTopicArn]: stage.security.oncall.ticket.topicArn,
  });

  const { lake, spark } = stage.data;
  publish(stage.data, {
    ...Object.fromEntries(
      LAKE_ZONES.flatMap((z) => [
        [H.lakeBucketName(z), lake.bucket(z).bucketName],
        [H.lakeDatabaseName(z), lake.databaseName(z)],
      ]),
    ),
    [H.sparkApplicationId]: spark.applicationId,
    [H.sparkJobRoleArn]: spark.jobRole.roleArn,
    [H.sparkSecurityGroupId]: spark.securityGroup.securityGroupId,
  });

  const msk = stage.streaming.streaming;
  publish(stage.streaming, {
    [H.streamingClusterArn]: msk.clusterArn,
    [H.streamingClusterName]: msk.clusterName,
    [H.streamingBootstrapBrokers]: msk.bootstrapBrokersSaslIam,
    [H.streamingSecurityGroupId]: msk.securityGroup.securityGroupId,
  });

  const store = stage.featureStore.onlineStore;
  publish(stage.featureStore, {
    [H.onlineStoreEndpoint]: store.configurationEndpoint,
    [H.onlineStorePort]: String(store.port),
    [H.onlineStoreReplicationGroupId]: store.replicationGroupId,
    [H.onlineStoreReaderUserId]: store.readerUserId,
    [H.onlineStoreWriterUserId]: store.writerUserId,
    [H.onlineStoreSecurityGroupId]: store.securityGroup.securityGroupId,
  });

  const cluster = stage.compute.mlCluster.cluster;
  publish(stage.compute, {
    [H.clusterName]: cluster.clusterName,
    [H.clusterSecurityGroupId]: cluster.clusterSecurityGroupId,
  });

  publish(stage.serving, {
    [H.mlflowArn]: stage.serving.mlflowArn,
  });
  for (const [model, stack] of Object.entries(stage.models)) {
    publish(stack, { [H.modelPackageGroupName(model)]: stack.registry.groupName(model) });
  }

  const streams = stage.features.streams;
  publish(stage.features, {
    [H.schemaRegistryName]: streams.registry.name,
    // The topic resource's own ARN (Ref), not one rebuilt from the cluster ARN: the same value, without a
    // Fn::Split over a weak cross-stack reference.
    ...Object.fromEntries(streams.topics.map((t) => [H.topicArn(t.topicName), t.resource.topicRef.topicArn])),
  });
  return published;
}
