import type { CfnResource } from 'aws-cdk-lib';
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
import type { FeatureGroupConfig } from './config';

export interface FeatureGroupStackProps extends PlatformStackProps {
  /** The group (an entry of `featureStore.featureGroups`). */
  readonly definition: FeatureGroupConfig;
  readonly lake: DataLake;
  readonly spark: SparkApplication;
  readonly streaming: StreamingCluster;
  readonly onlineStore: OnlineFeatureStore;
}

/** Where feature jobs' code and logs live in the lake's models zone. */
export const FEATURE_JOB_CODE_PREFIX = 'spark/jobs';
export const FEATURE_JOB_LOG_PREFIX = 'spark/logs';

/** The stack id of a feature group: `FeatureGroup-<name in kebab case>` (stack names allow no '_'). */
export function featureGroupStackId(groupName: string): string {
  return `FeatureGroup-${groupName.replace(/_/g, '-')}`;
}

/**
 * One feature group of one environment (`MlPlatform-<env>-FeatureGroup-<name>`): its offline
 * table, online key layout, job definitions and job roles. Light (Glue table, IAM, SSM): it deploys
 * in seconds after Data, Streaming and FeatureStore; a group's change deploys only its own stack.
 * The Spark -> online store path is the FeatureStore stack's (one rule for all groups).
 */
export class FeatureGroupStack extends PlatformStack {
  readonly group: FeatureGroup;

  constructor(scope: Construct, id: string, props: FeatureGroupStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config, lake, definition } = props;
    const zone = (name: 'raw' | 'curated' | 'features') => ({ bucket: lake.bucket(name), databaseName: lake.database(name).databaseName });
    const stream: IFeatureStream = {
      bootstrapBrokers: props.streaming.bootstrapBrokersSaslIam,
      connections: props.streaming.connections,
      grantConsume: (grantee, topic, group) => props.streaming.grantConsume(grantee, topic, group),
    };
    // The construct id derives from the group name, which never changes once released (the
    // offline table is retained; renaming a group is adding a new one).
    this.group = new FeatureGroup(this, pascal(definition.name), {
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

    // cfn-lint 1.51 does not model Fn::GetStackOutput (weak cross-stack references) inside
    // Fn::Split and reports E1022 on the Kafka ARNs built from the cluster ARN's UUID. The template
    // is valid CloudFormation; the check is ignored on those policies only.
    const policy = this.group.node.tryFindChild('MaterializeRolePolicy')?.node.defaultChild as CfnResource | undefined;
    policy?.addMetadata('cfn-lint', { config: { ignore_checks: ['E1022'] } });
  }
}

function pascal(snake: string): string {
  return snake
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
