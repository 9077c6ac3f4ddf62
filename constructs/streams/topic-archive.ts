import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../private/acknowledge';
import type { KafkaClusterRef } from './event-streams';
import { TOPIC_NAME } from './event-streams';

/** What the Firehose role may do on the MSK cluster, topic and groups (Firehose's MSK-source policy). */
export const FIREHOSE_MSK_ACTIONS = {
  cluster: ['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka-cluster:Connect'],
  /** No resource type (Service Authorization Reference): granted on `*`, scoped to a cluster it is denied. */
  bootstrap: ['kafka:GetBootstrapBrokers'],
  topic: ['kafka-cluster:DescribeTopic', 'kafka-cluster:DescribeTopicDynamicConfiguration', 'kafka-cluster:ReadData'],
  /** Firehose names its own consumer group: describing groups of this cluster only. */
  group: ['kafka-cluster:DescribeGroup'],
} as const;

/** S3 actions Firehose needs on its destination (objects scoped to the archive's prefixes). */
export const FIREHOSE_S3_ACTIONS = {
  bucket: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
  objects: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
} as const;

/**
 * The JQ query that turns an event's `event_time` (ISO-8601 UTC, `2026-11-29T13:05:00Z` or with
 * fractional seconds) into the partition keys: the event's date and hour, not its arrival time.
 */
export const EVENT_TIME_PARTITION_QUERY = '{event_date: .event_time[0:10], event_hour: .event_time[11:13]}';

/** The lake location events land in (the raw zone fits: `{ bucket: lake.bucket('raw'), encryptionKey: keys.data }`). */
export interface ArchiveDestination {
  readonly bucket: s3.IBucket;
  /** The bucket's SSE-KMS key: Firehose encrypts every object with it. */
  readonly encryptionKey: kms.IKey;
}

/** Where and how a topic's events land in the lake (the same for every delivery of the archive). */
export interface ArchiveDestinationOptions {
  /** The topic to archive. */
  readonly topicName: string;
  readonly destination: ArchiveDestination;
  /**
   * Prefix of the archived events; objects land under
   * `<prefix>event_date=YYYY-MM-DD/event_hour=HH/`.
   * @default '<topicName>/'
   */
  readonly prefix?: string;
  /**
   * Prefix of records Firehose could not partition or deliver (e.g. no parsable `event_time`),
   * followed by the error type and the arrival date.
   * @default '_errors/<topicName>/'
   */
  readonly errorPrefix?: string;
  /**
   * How long Firehose buffers before writing an object: 0 to 900 seconds.
   * @default Duration.seconds(300)
   */
  readonly bufferInterval?: Duration;
  /**
   * Buffer size in MiB before writing an object: 64 to 128 (dynamic partitioning needs at least 64).
   * @default 128
   */
  readonly bufferSizeMiB?: number;
  /** Key of Firehose's error log group (its policy must admit CloudWatch Logs). */
  readonly logsKey: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the error log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface TopicArchiveProps extends ArchiveDestinationOptions {
  readonly cluster: KafkaClusterRef;
}

/** The resolved, checked destination settings of an archive. */
export interface CheckedArchiveDestination {
  readonly topic: string;
  readonly prefix: string;
  readonly errorPrefix: string;
  readonly interval: number;
  readonly size: number;
}

/**
 * Checks the destination options of an archive (`construct` names the construct in messages) and
 * resolves their defaults. Both deliveries (TopicArchive, TopicArchivePipe) use it.
 */
export function checkArchiveDestination(construct: string, props: ArchiveDestinationOptions): CheckedArchiveDestination {
  const topic = props.topicName;
  if (!Token.isUnresolved(topic) && !TOPIC_NAME.test(topic)) {
    throw new Error(`${construct} topicName must be 1-249 letters, digits, '.', '_', '-', got '${topic}'`);
  }
  const prefix = props.prefix ?? `${topic}/`;
  const errorPrefix = props.errorPrefix ?? `_errors/${topic}/`;
  for (const [field, value] of [
    ['prefix', prefix],
    ['errorPrefix', errorPrefix],
  ] as const) {
    if (!/^[A-Za-z0-9!_.*'()/=-]+\/$/.test(value) || value.startsWith('/')) {
      throw new Error(`${construct} ${topic}: ${field} must be a key prefix ending in '/' (letters, digits, !_.*'()=-/), got '${value}'`);
    }
  }
  if (prefix.startsWith(errorPrefix) || errorPrefix.startsWith(prefix)) {
    throw new Error(
      `${construct} ${topic}: errorPrefix '${errorPrefix}' must not overlap prefix '${prefix}' (failed records would look like events)`,
    );
  }
  const interval = (props.bufferInterval ?? Duration.seconds(300)).toSeconds();
  if (!(Number.isInteger(interval) && interval >= 0 && interval <= 900)) {
    throw new Error(`${construct} ${topic}: bufferInterval must be 0 to 900 whole seconds, got ${interval}`);
  }
  const size = props.bufferSizeMiB ?? 128;
  if (!(Number.isInteger(size) && size >= 64 && size <= 128)) {
    throw new Error(`${construct} ${topic}: bufferSizeMiB must be a whole number from 64 to 128 (dynamic partitioning), got ${size}`);
  }
  return { topic, prefix, errorPrefix, interval, size };
}

/** The error log group and stream of an archive's delivery (ids `Logs` and `DeliveryErrors` of `scope`). */
export function archiveErrorLog(
  scope: Construct,
  props: ArchiveDestinationOptions,
): { logGroup: logs.LogGroup; logStream: logs.LogStream } {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    encryptionKey: props.logsKey,
    retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  const logStream = new logs.LogStream(scope, 'DeliveryErrors', {
    logGroup,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  return { logGroup, logStream };
}

/** What Firehose needs on the lake: the bucket, objects under the two prefixes, the key through S3, the error log. */
export function archiveDestinationStatements(
  stack: Stack,
  d: CheckedArchiveDestination,
  destination: ArchiveDestination,
  log: { logGroup: logs.ILogGroup; logStream: logs.LogStream },
): iam.PolicyStatement[] {
  const { bucket, encryptionKey } = destination;
  return [
    new iam.PolicyStatement({ sid: 'Bucket', actions: [...FIREHOSE_S3_ACTIONS.bucket], resources: [bucket.bucketArn] }),
    new iam.PolicyStatement({
      sid: 'ArchiveObjects',
      actions: [...FIREHOSE_S3_ACTIONS.objects],
      resources: [bucket.arnForObjects(`${d.prefix}*`), bucket.arnForObjects(`${d.errorPrefix}*`)],
    }),
    new iam.PolicyStatement({
      sid: 'LakeKeyThroughS3',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }),
    new iam.PolicyStatement({
      sid: 'ErrorLogs',
      actions: ['logs:PutLogEvents'],
      resources: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: `${log.logGroup.logGroupName}:log-stream:${log.logStream.logStreamName}`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  ];
}

/**
 * The S3 destination of an archive: newline-delimited JSON, GZIP, SSE-KMS with the lake key,
 * partitioned by the event's date and hour (dynamic partitioning on `event_time`), failures under
 * the error prefix, delivery errors logged. Whatever reads the topic (MSK source or Direct PUT),
 * the raw zone gets this one layout.
 */
export function archiveS3Destination(
  d: CheckedArchiveDestination,
  destination: ArchiveDestination,
  roleArn: string,
  log: { logGroup: logs.ILogGroup; logStream: logs.LogStream },
): firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty {
  return {
    bucketArn: destination.bucket.bucketArn,
    roleArn,
    prefix: `${d.prefix}event_date=!{partitionKeyFromQuery:event_date}/event_hour=!{partitionKeyFromQuery:event_hour}/`,
    errorOutputPrefix: `${d.errorPrefix}!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/`,
    bufferingHints: { intervalInSeconds: d.interval, sizeInMBs: d.size },
    compressionFormat: 'GZIP',
    fileExtension: '.json.gz',
    encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: destination.encryptionKey.keyArn } },
    cloudWatchLoggingOptions: { enabled: true, logGroupName: log.logGroup.logGroupName, logStreamName: log.logStream.logStreamName },
    dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
    processingConfiguration: {
      enabled: true,
      processors: [
        {
          type: 'MetadataExtraction',
          parameters: [
            { parameterName: 'MetadataExtractionQuery', parameterValue: EVENT_TIME_PARTITION_QUERY },
            { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
          ],
        },
        // One event per line: Spark and Athena read the objects as JSON Lines.
        { type: 'AppendDelimiterToRecord', parameters: [{ parameterName: 'Delimiter', parameterValue: '\\n' }] },
      ],
    },
    s3BackupMode: 'Disabled',
  };
}

/**
 * Acknowledges the wildcards an archive's Firehose policy has by design: objects under its two
 * prefixes. (The MSK-source archive adds its own for the cluster's groups and GetBootstrapBrokers.)
 */
export function archiveObjectsReason(d: CheckedArchiveDestination, finding: string): string | undefined {
  return [d.prefix, d.errorPrefix].some((prefix) => finding.endsWith(`/${prefix}*`))
    ? 'Firehose writes objects with generated keys under the archive and error prefixes (objects are scoped to those two prefixes of one bucket).'
    : undefined;
}

/**
 * Archives one topic into the lake with Amazon Data Firehose reading the MSK cluster directly
 * (`MSKAsSource`, IAM authentication, private connectivity): newline-delimited JSON, GZIP, SSE-KMS
 * with the lake key, partitioned by the EVENT's date and hour (dynamic partitioning on
 * `event_time`), records that cannot be partitioned or delivered under an error prefix, delivery
 * errors in a KMS-encrypted log group.
 *
 * Prerequisites on the MSK cluster (not created here; the cluster's owner enables them): multi-VPC
 * private connectivity for IAM authentication, and a cluster policy that lets the service principal
 * `firehose.amazonaws.com` call `kafka:CreateVpcConnection` (plus `kafka:GetBootstrapBrokers`,
 * `kafka:DescribeCluster`, `kafka:DescribeClusterV2`) on the cluster.
 *
 * @example
 * new TopicArchive(this, 'CardTransactionsArchive', {
 *   cluster: msk, topicName: 'card-transactions',
 *   destination: { bucket: lake.bucket('raw'), encryptionKey: keys.data },
 *   logsKey: keys.logs,
 * });
 */
export class TopicArchive extends Construct {
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly logGroup: logs.LogGroup;
  /** Where events land, e.g. `card-transactions/`. */
  readonly prefix: string;
  readonly errorPrefix: string;

  constructor(scope: Construct, id: string, props: TopicArchiveProps) {
    super(scope, id);
    const d = checkArchiveDestination('TopicArchive', props);
    const topic = d.topic;
    this.prefix = d.prefix;
    this.errorPrefix = d.errorPrefix;

    const stack = Stack.of(this);
    const log = archiveErrorLog(this, props);
    this.logGroup = log.logGroup;

    this.role = new iam.Role(this, 'Role', {
      description: `Firehose archive of MSK topic ${topic}`,
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com').withConditions({
        StringEquals: { 'sts:ExternalId': stack.account },
      }),
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Firehose archive of ${topic}: read the topic, write the archive prefixes, log errors`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ sid: 'Cluster', actions: [...FIREHOSE_MSK_ACTIONS.cluster], resources: [props.cluster.clusterArn] }),
        new iam.PolicyStatement({ sid: 'BootstrapBrokers', actions: [...FIREHOSE_MSK_ACTIONS.bootstrap], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'Topic',
          actions: [...FIREHOSE_MSK_ACTIONS.topic],
          resources: [kafkaArn(stack, props.cluster, 'topic', topic)],
        }),
        new iam.PolicyStatement({
          sid: 'Groups',
          actions: [...FIREHOSE_MSK_ACTIONS.group],
          resources: [kafkaArn(stack, props.cluster, 'group', '*')],
        }),
        ...archiveDestinationStatements(stack, d, props.destination, log),
      ],
    });

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'Resource', {
      deliveryStreamType: 'MSKAsSource',
      mskSourceConfiguration: {
        mskClusterArn: props.cluster.clusterArn,
        topicName: topic,
        authenticationConfiguration: { connectivity: 'PRIVATE', roleArn: this.role.roleArn },
      },
      extendedS3DestinationConfiguration: archiveS3Destination(d, props.destination, this.role.roleArn, log),
    });
    // Firehose checks its role's permissions when the stream is created.
    this.deliveryStream.node.addDependency(this.policy);

    // Only the wildcards this construct wrote: objects under its two prefixes, and groups of its cluster.
    acknowledgeWildcards(this.policy, (finding) => {
      if (finding === 'Resource::*') {
        // Only if GetBootstrapBrokers is the one action on '*'.
        const onStar = (this.policy.document.toJSON()?.Statement ?? []).filter((st: { Resource?: unknown }) =>
          [st.Resource].flat().includes('*'),
        );
        return onStar.every((st: { Action?: unknown }) => [st.Action].flat().every((a) => a === 'kafka:GetBootstrapBrokers'))
          ? 'kafka:GetBootstrapBrokers supports no resource type, so its resource is *; it returns broker host names only (no data, no write).'
          : undefined;
      }
      const objects = archiveObjectsReason(d, finding);
      if (objects) return objects;
      if (finding.startsWith('Resource::') && finding.includes(':group/') && finding.endsWith('/*')) {
        return 'Firehose names its own consumer group; it may only describe groups of this one cluster.';
      }
      return undefined;
    });
    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'Firehose server-side encryption applies to Direct PUT streams only; with an MSK source the records are encrypted ' +
        'in MSK (KMS at rest, TLS in transit) and in S3 with the lake key (ExtendedS3DestinationConfiguration.EncryptionConfiguration).',
    });
  }
}

/** ARN of a topic or consumer group (pattern) of an MSK cluster. */
export function kafkaArn(stack: Stack, cluster: KafkaClusterRef, kind: 'topic' | 'group', name: string): string {
  return stack.formatArn({
    service: 'kafka',
    resource: kind,
    resourceName: `${cluster.clusterName}/${cluster.clusterUuid}/${name}`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
