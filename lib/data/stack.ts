import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DataLake, type LakeZoneLifecycle, type PlatformKeys, SparkApplication, StreamingCluster } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { LAKE_ZONE_NAMES, type LakeZoneLifecycleConfig, type LakeZoneName } from './config';

/** Name of an environment's MSK cluster (MSK needs one; it is part of topic and group ARNs). */
export function streamingClusterName(env: string): string {
  return `mlp-${env}-events`;
}

export interface DataStackProps extends PlatformStackProps {
  /** The environment's keys (Security stack): data for the lake, streaming for MSK, logs for log groups. */
  readonly keys: PlatformKeys;
  /** Destination of the lake buckets' server access logs (Security stack's audit bucket). */
  readonly accessLogsBucket: s3.IBucket;
  /** The environment's VPC (Network stack). */
  readonly vpc: ec2.IVpc;
}

/**
 * The data layer of one environment: the lake (zone buckets + Glue databases), MSK event streams
 * and the EMR Serverless Spark application, whose job role reads raw and curated, reads and writes
 * features, and consumes the configured topics. Stateful: termination protection from config.
 *
 * Construct ids ('Lake', 'Streaming', 'Spark' and their children) are logical IDs of stateful
 * resources: never rename them.
 */
export class DataStack extends PlatformStack {
  readonly lake: DataLake;
  readonly streaming: StreamingCluster;
  readonly spark: SparkApplication;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config, keys } = props;
    const removalPolicy = this.statefulRemovalPolicy;
    const logRetention = config.logging.retentionDays;

    this.lake = new DataLake(this, 'Lake', {
      encryptionKey: keys.data,
      accessLogsBucket: props.accessLogsBucket,
      accessLogsPrefix: 'lake/',
      databaseNamePrefix: `mlp_${config.name}`,
      encryptCatalog: config.lake.encryptCatalog,
      lifecycle: Object.fromEntries(LAKE_ZONE_NAMES.map((zone) => [zone, lifecycleOf(config.lake.lifecycle[zone])])) as Record<
        LakeZoneName,
        LakeZoneLifecycle
      >,
      removalPolicy,
    });

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
      logRetention,
      removalPolicy,
      // The Firehose archive of the topics (Features stack) reaches the brokers privately.
      ...(config.features.topics.some((t) => t.archive) ? { privateConnectivityFor: ['firehose.amazonaws.com'] } : {}),
    });

    const sp = config.spark;
    this.spark = new SparkApplication(this, 'Spark', {
      releaseLabel: sp.releaseLabel,
      vpc: props.vpc,
      architecture: sp.architecture,
      workerSize: sp.worker,
      initialDrivers: sp.initialDrivers,
      initialExecutors: sp.initialExecutors,
      maximumCapacity: sp.maximumCapacity,
      idleTimeout: Duration.minutes(sp.idleTimeoutMinutes),
      logsKey: keys.logs,
      logRetention,
      removalPolicy,
    });
    this.lake.grantRead(this.spark, 'raw');
    this.lake.grantRead(this.spark, 'curated');
    this.lake.grantReadWrite(this.spark, 'features');
    this.streaming.grantConsume(this.spark, sp.consumeTopicPattern, sp.consumerGroupPattern);
    this.streaming.connections.allowDefaultPortFrom(this.spark, 'Spark jobs consume events');

    // What clients need to find the platform's data services.
    new CfnOutput(this, 'KafkaBootstrapBrokersSaslIam', {
      value: this.streaming.bootstrapBrokersSaslIam,
      description: 'IAM-authenticated TLS bootstrap brokers (host:9098,...) of the event streams',
    });
    new CfnOutput(this, 'KafkaClusterArn', { value: this.streaming.clusterArn });
    new CfnOutput(this, 'SparkApplicationId', { value: this.spark.applicationId });
    new CfnOutput(this, 'SparkJobRoleArn', { value: this.spark.jobRole.roleArn });
  }
}

function lifecycleOf(l: LakeZoneLifecycleConfig): LakeZoneLifecycle {
  const days = (n: number) => (n > 0 ? Duration.days(n) : undefined);
  return {
    infrequentAccessAfter: days(l.infrequentAccessAfterDays),
    archiveAfter: days(l.archiveAfterDays),
    expireAfter: days(l.expireAfterDays),
    noncurrentVersionExpiration: Duration.days(l.noncurrentVersionExpirationDays),
  };
}
