import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DataLake, type LakeZoneLifecycle, type PlatformKeys, SparkApplication } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { LAKE_ZONE_NAMES, type LakeZoneLifecycleConfig, type LakeZoneName } from './config';

export interface DataStackProps extends PlatformStackProps {
  /** The environment's keys (Security stack): data for the lake, logs for log groups. */
  readonly keys: PlatformKeys;
  /** Destination of the lake buckets' server access logs (Security stack's audit bucket). */
  readonly accessLogsBucket: s3.IBucket;
  /** The environment's VPC (Network stack). */
  readonly vpc: ec2.IVpc;
}

/**
 * The data layer of one environment: the lake (zone buckets + Glue databases) and the EMR
 * Serverless Spark application, whose job role reads raw and curated and reads and writes features
 * (the Streaming stack grants it the configured topics). Light: it deploys in minutes, and the
 * stacks that need the lake never wait for the brokers. Stateful: termination protection from config.
 *
 * Construct ids ('Lake', 'Spark' and their children) are logical IDs of stateful
 * resources: never rename them.
 */
export class DataStack extends PlatformStack {
  readonly lake: DataLake;
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
    // Spark's access to the brokers (grant and network path) is wired in the Streaming stack.

    // What clients need to find the platform's data services.
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
