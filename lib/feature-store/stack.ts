import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { OnlineFeatureStore, type PlatformKeys } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface FeatureStoreStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  readonly keys: PlatformKeys;
}

/**
 * The online feature store of one environment (ElastiCache). It depends only on Network and
 * Security, so its ~15-minute create runs in parallel with the Data stack's MSK cluster.
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
  }
}
