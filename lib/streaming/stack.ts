import { CfnOutput } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { type PlatformKeys, type SparkApplication, StreamingCluster } from '../../constructs';
import { acknowledgeWildcards, when } from '../../constructs/private/acknowledge';
import { ManagedPolicyPrincipal } from '../../constructs/private/managed-policy-principal';
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
  /**
   * The Data stack's Spark application: admitted to the brokers and granted the configured
   * topics (`spark.consumeTopicPattern`, `spark.consumerGroupPattern`) here, so that the Data stack
   * never waits for the brokers.
   */
  readonly spark: SparkApplication;
}

/**
 * The MSK cluster of one environment, alone in its stack: its create (about 35 minutes) runs beside
 * the EKS cluster, the online store and MLflow instead of in front of them. Only what consumes
 * events waits for it (the feature groups' stacks). Stateful: termination protection from config.
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
      // The Firehose archive of the topics (Features stack) reaches the brokers privately.
      ...(config.features.topics.some((t) => t.archive) ? { privateConnectivityFor: ['firehose.amazonaws.com'] } : {}),
    });

    this.admitSpark(props.spark);

    // What clients need to find the platform's event streams.
    new CfnOutput(this, 'KafkaBootstrapBrokersSaslIam', {
      value: this.streaming.bootstrapBrokersSaslIam,
      description: 'IAM-authenticated TLS bootstrap brokers (host:9098,...) of the event streams',
    });
    new CfnOutput(this, 'KafkaClusterArn', { value: this.streaming.clusterArn });
  }

  /**
   * Spark (Data stack) consumes the configured topics: its job role gets the grant in a managed
   * policy of this stack, and its security group reaches the brokers' port (egress and ingress,
   * both here), so that the dependency runs Streaming -> Data and never the other way.
   */
  private admitSpark(spark: SparkApplication): void {
    const sp = this.config.spark;
    const policy = new iam.ManagedPolicy(this, 'SparkConsumePolicy', {
      description: 'Spark jobs consume the configured topics of the event streams',
      roles: [spark.jobRole],
    });
    this.streaming.grantConsume(
      { grantPrincipal: new ManagedPolicyPrincipal(spark.jobRole, policy) },
      sp.consumeTopicPattern,
      sp.consumerGroupPattern,
    );
    acknowledgeWildcards(
      policy,
      when(
        /^Resource::arn:aws:kafka:[a-z0-9-]+:\d{12}:(topic|group)\/[^/]+\/.+$/,
        'The wildcard is inside one MSK cluster (by UUID): the configured topic and consumer-group patterns of the Spark jobs.',
      ),
    );
    const port = this.streaming.connections.defaultPort!.toRuleJson();
    for (const [i, sg] of this.streaming.connections.securityGroups.entries()) {
      const suffix = i === 0 ? '' : `${i}`;
      new ec2.CfnSecurityGroupIngress(this, `BrokersFromSpark${suffix}`, {
        groupId: sg.securityGroupId,
        sourceSecurityGroupId: spark.securityGroup.securityGroupId,
        ...port,
        description: 'Spark jobs consume events',
      });
      new ec2.CfnSecurityGroupEgress(this, `SparkToBrokers${suffix}`, {
        groupId: spark.securityGroup.securityGroupId,
        destinationSecurityGroupId: sg.securityGroupId,
        ...port,
        description: 'Spark jobs consume events',
      });
    }
  }
}
