import type { CfnResource } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import {
  type DataLake,
  FeatureGroup,
  type IFeatureStream,
  type OnlineFeatureStore,
  type SparkApplication,
  type StreamingCluster,
} from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface FeatureGroupsStackProps extends PlatformStackProps {
  readonly lake: DataLake;
  readonly spark: SparkApplication;
  readonly streaming: StreamingCluster;
  readonly onlineStore: OnlineFeatureStore;
}

/** Where feature jobs' code and logs live in the lake's models zone. */
export const FEATURE_JOB_CODE_PREFIX = 'spark/jobs';
export const FEATURE_JOB_LOG_PREFIX = 'spark/logs';

/**
 * The feature groups of one environment (config `featureStore.featureGroups`): offline tables,
 * online key layouts, job definitions and job roles. Light (Glue tables, IAM, SSM): it deploys in
 * seconds after Data and FeatureStore, which run in parallel.
 */
export class FeatureGroupsStack extends PlatformStack {
  readonly groups: Readonly<Record<string, FeatureGroup>>;

  constructor(scope: Construct, id: string, props: FeatureGroupsStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config, lake } = props;
    const zone = (name: 'raw' | 'curated' | 'features') => ({ bucket: lake.bucket(name), databaseName: lake.database(name).databaseName });
    const stream: IFeatureStream = {
      bootstrapBrokers: props.streaming.bootstrapBrokersSaslIam,
      connections: props.streaming.connections,
      grantConsume: (grantee, topic, group) => props.streaming.grantConsume(grantee, topic, group),
    };
    const groups: Record<string, FeatureGroup> = {};
    for (const definition of config.featureStore.featureGroups) {
      // The construct id derives from the group name, which never changes once released (the
      // offline table is retained; renaming a group is adding a new one).
      groups[definition.name] = new FeatureGroup(this, pascal(definition.name), {
        definition,
        offlineStore: zone('features'),
        sourceZones: { raw: zone('raw'), curated: zone('curated') },
        stream,
        onlineStore: props.onlineStore,
        spark: {
          applicationId: props.spark.applicationId,
          connections: props.spark.connections,
          logGroup: props.spark.logGroup,
          artifacts: { bucket: lake.bucket('models'), codePrefix: FEATURE_JOB_CODE_PREFIX, logPrefix: FEATURE_JOB_LOG_PREFIX },
        },
        lakeKey: lake.encryptionKey,
        parameterPrefix: `/mlp/${config.name}`,
        removalPolicy: this.statefulRemovalPolicy,
      });
    }
    this.groups = groups;

    // The network path of the feature jobs, opened once and held here (the consumer): Spark may
    // reach the online store's port (the store admits Spark; Spark may leave towards the store). (Spark -> MSK is the Data stack's own rule.)
    if (Object.keys(groups).length > 0) {
      const port = props.onlineStore.port;
      new ec2.CfnSecurityGroupIngress(this, 'OnlineStoreFromSpark', {
        groupId: props.onlineStore.securityGroup.securityGroupId,
        sourceSecurityGroupId: props.spark.securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: 'Spark feature jobs write the online feature store',
      });
      // Spark's security group allows no egress but HTTPS: the matching egress, on the same side.
      new ec2.CfnSecurityGroupEgress(this, 'SparkToOnlineStore', {
        groupId: props.spark.securityGroup.securityGroupId,
        destinationSecurityGroupId: props.onlineStore.securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: 'Spark feature jobs write the online feature store',
      });
    }

    // cfn-lint 1.51 does not model Fn::GetStackOutput (weak cross-stack references) inside
    // Fn::Split and reports E1022 on the Kafka ARNs built from the cluster ARN's UUID. The template
    // is valid CloudFormation; the check is ignored on those policies only.
    for (const group of Object.values(groups)) {
      const policy = group.node.tryFindChild('MaterializeRolePolicy')?.node.defaultChild as CfnResource | undefined;
      policy?.addMetadata('cfn-lint', { config: { ignore_checks: ['E1022'] } });
    }
  }
}

function pascal(snake: string): string {
  return snake
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
