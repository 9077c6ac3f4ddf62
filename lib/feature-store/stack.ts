import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { OnlineFeatureStore, type PlatformKeys, type SparkApplication } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface FeatureStoreStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  readonly keys: PlatformKeys;
  /**
   * The Data stack's Spark application: when the environment has feature groups, their jobs write
   * the store, and the store's security group admits Spark here (one rule for all groups).
   * @default - Spark is not admitted
   */
  readonly spark?: SparkApplication;
}

/**
 * The online feature store of one environment (ElastiCache). It depends on Network, Security and
 * (for Spark's path to it) the light Data stack, so its ~15-minute create runs in parallel with the
 * MSK cluster and the EKS cluster.
 */
export class FeatureStoreStack extends PlatformStack {
  readonly onlineStore: OnlineFeatureStore;

  constructor(scope: Construct, id: string, props: FeatureStoreStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config } = props;
    const fs = config.featureStore;
    this.onlineStore = new OnlineFeatureStore(this, 'OnlineStore', {
      vpc: props.vpc,
      namePrefix: `${config.name}-features`,
      engine: fs.engine,
      nodeType: fs.nodeType,
      shards: fs.shards,
      replicasPerShard: fs.replicasPerShard,
      multiAz: fs.multiAz,
      snapshotRetentionDays: fs.snapshotRetentionDays,
      encryptionKey: props.keys.data,
      logsKey: props.keys.logs,
      logRetention: config.logging.retentionDays,
      removalPolicy: this.statefulRemovalPolicy,
    });

    // The network path of the feature jobs (Spark writes the online store: the store admits Spark,
    // Spark may leave towards the store), opened once for every feature group of the environment:
    // the groups' own stacks would each hold duplicate rules.
    if (props.spark && fs.featureGroups.length > 0) {
      const port = this.onlineStore.port;
      new ec2.CfnSecurityGroupIngress(this, 'OnlineStoreFromSpark', {
        groupId: this.onlineStore.securityGroup.securityGroupId,
        sourceSecurityGroupId: props.spark.securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: 'Spark feature jobs write the online feature store',
      });
      // Spark's security group allows no egress but HTTPS: the matching egress, held with the ingress.
      new ec2.CfnSecurityGroupEgress(this, 'SparkToOnlineStore', {
        groupId: props.spark.securityGroup.securityGroupId,
        destinationSecurityGroupId: this.onlineStore.securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: 'Spark feature jobs write the online feature store',
      });
    }
  }
}
