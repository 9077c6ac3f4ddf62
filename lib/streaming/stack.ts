import { CfnOutput } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { type PlatformKeys, StreamingCluster } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

/** Name of an environment's MSK cluster (MSK needs one; it is part of topic and group ARNs). */
export function streamingClusterName(env: string): string {
  return `mlp-${env}-events`;
}

export interface StreamingStackProps extends PlatformStackProps {
  /** The environment's keys (Security stack): streaming for MSK at rest, logs for broker logs. */
  readonly keys: PlatformKeys;
  /** The environment's VPC (Network stack). */
  readonly vpc: ec2.IVpc;
}

/**
 * The MSK cluster of one environment, alone in its stack: its create (about 35 minutes) runs beside
 * the EKS cluster, the online store and MLflow instead of in front of them. Only what consumes
 * events waits for it (the Features stack, which also admits Spark to the brokers). It waits for
 * nothing but Security and Network. Stateful: termination protection from config.
 *
 * The construct id 'Streaming' is the logical ID of the cluster and its log groups (moved here from
 * the Data stack under the same id): never rename it.
 */
export class StreamingStack extends PlatformStack {
  readonly streaming: StreamingCluster;

  constructor(scope: Construct, id: string, props: StreamingStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config, keys } = props;
    const s = config.streaming;
    this.streaming = new StreamingCluster(this, 'Streaming', {
      clusterName: streamingClusterName(config.name),
      vpc: props.vpc,
      serverless: s.mode === 'serverless',
      ...(s.mode === 'provisioned'
        ? {
            kafkaVersion: s.kafkaVersion,
            brokers: {
              instanceType: s.brokerInstanceType,
              count: s.brokerCount,
              volumeSizeGiB: s.volumeSizeGiB,
              monitoring: s.monitoring,
              retentionHours: s.logRetentionHours,
            },
            encryptionKey: keys.streaming,
          }
        : {}),
      logsKey: keys.logs,
      logRetention: config.logging.retentionDays,
      removalPolicy: this.statefulRemovalPolicy,
      // The Firehose archive of the topics (Features stack) reaches the brokers privately (MSK source;
      // a pipe archive runs in the brokers' own subnets instead).
      ...(config.features.archiveDelivery === 'msk-source' && config.features.topics.some((t) => t.archive)
        ? { privateConnectivityFor: ['firehose.amazonaws.com'] }
        : {}),
    });

    // What clients need to find the platform's event streams.
    new CfnOutput(this, 'KafkaBootstrapBrokersSaslIam', {
      value: this.streaming.bootstrapBrokersSaslIam,
      description: 'IAM-authenticated TLS bootstrap brokers (host:9098,...) of the event streams',
    });
    new CfnOutput(this, 'KafkaClusterArn', { value: this.streaming.clusterArn });
  }
}
