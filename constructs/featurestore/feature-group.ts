import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type FeatureGroupDefinition, featureGroupProblems, onlineKeyTemplate } from './feature-definition';

/** A lake zone: its bucket (KMS-encrypted) and its Glue database. */
export interface FeatureZone {
  readonly bucket: s3.IBucket;
  readonly databaseName: string;
}

export interface FeatureGroupProps {
  readonly definition: FeatureGroupDefinition;
  /** The features zone: the offline store. */
  readonly offlineStore: FeatureZone;
  /**
   * What happens to the offline Glue table when it leaves the stack (the data in S3 is the
   * bucket's concern).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The catalog side of a feature group (a feature view's names and types, `featureGroupOf(view)`):
 * - the **offline** table in the features zone's Glue database (Parquet under
 *   `s3://<features>/<name>/`, partitioned by event date (and hour) with partition projection, so
 *   Athena and Spark find new partitions without crawlers), which the view's backfill job fills;
 * - the **online** key layout (v2, docs/features.md), recorded on the table: per entity a sorted
 *   set of its events `fs:<name>:v2:{<entity keys joined by |>}:ev` (score = event time in epoch
 *   ms, member = JSON `[event_id, <stored fields in sorted order>]`) and a dedupe hash
 *   `fs:<name>:v2:{<entity>}:id` (event_id → event time). Reads aggregate the events as of the
 *   read time, so no value is precomputed or stale; both keys expire max(TTL, longest window) + 1
 *   day after the entity's newest event.
 *
 * The computations are not here: the streaming consumer (`FeatureStreamConsumer`) keeps the online
 * keys current, and `FeatureJobs` runs the backfill and training-set jobs on EMR Serverless.
 *
 * @example
 * new FeatureGroup(this, 'ApplicantTxnAggregates', {
 *   definition: {
 *     name: 'applicant_txn_aggregates', description: 'Card spend per applicant',
 *     entityKeys: [{ name: 'applicant_id', type: 'string' }],
 *     features: [{ name: 'txn_count_1h', type: 'bigint' }],
 *     onlineTtlSeconds: 172800, offlinePartitioning: 'date-hour',
 *     source: { kind: 'stream', topic: 'card-transactions' },
 *   },
 *   offlineStore: { bucket: lake.bucket('features'), databaseName: lake.databaseName('features') },
 * });
 */
export class FeatureGroup extends Construct {
  readonly definition: FeatureGroupDefinition;
  readonly table: glue.CfnTable;
  readonly tableName: string;
  /** S3 URI of the offline data. */
  readonly offlineLocation: string;
  /** Prefix of an entity's online keys (`<prefix>:ev`, `<prefix>:id`), with `<key>` placeholders. */
  readonly onlineKeyTemplate: string;

  constructor(scope: Construct, id: string, props: FeatureGroupProps) {
    super(scope, id);
    const def = props.definition;
    const problems = featureGroupProblems(def);
    if (problems.length > 0) {
      throw new Error(`FeatureGroup ${def.name}: ${problems.map((p) => `${p.field}: ${JSON.stringify(p.value)} ${p.message}`).join('; ')}`);
    }
    this.definition = def;
    this.tableName = def.name;
    this.onlineKeyTemplate = onlineKeyTemplate(def);

    // Offline store: a Parquet table with partition projection.
    const offline = props.offlineStore;
    const prefix = `${def.name}/`;
    this.offlineLocation = `s3://${offline.bucket.bucketName}/${prefix}`;
    const hourly = def.offlinePartitioning === 'date-hour';
    const partitionKeys = [{ name: 'event_date', type: 'string' }, ...(hourly ? [{ name: 'event_hour', type: 'string' }] : [])];
    this.table = new glue.CfnTable(this, 'OfflineTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: offline.databaseName,
      tableInput: {
        name: def.name,
        description: def.description,
        tableType: 'EXTERNAL_TABLE',
        partitionKeys,
        parameters: {
          classification: 'parquet',
          'parquet.compression': 'SNAPPY',
          'projection.enabled': 'true',
          'projection.event_date.type': 'date',
          'projection.event_date.format': 'yyyy-MM-dd',
          'projection.event_date.range': '2020-01-01,NOW',
          'projection.event_date.interval': '1',
          'projection.event_date.interval.unit': 'DAYS',
          ...(hourly
            ? { 'projection.event_hour.type': 'integer', 'projection.event_hour.range': '0,23', 'projection.event_hour.digits': '2' }
            : {}),
          // biome-ignore lint/suspicious/noTemplateCurlyInString: ${event_date}/${event_hour} are Athena partition-projection placeholders
          'storage.location.template': `${this.offlineLocation}event_date=\${event_date}${hourly ? '/event_hour=${event_hour}' : ''}`,
          'mlp:online-key': this.onlineKeyTemplate,
          'mlp:online-ttl-seconds': String(def.onlineTtlSeconds),
        },
        storageDescriptor: {
          location: this.offlineLocation,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          columns: [
            ...def.entityKeys.map((k) => ({ name: k.name, type: k.type, comment: 'entity key' })),
            ...def.features.map((f) => ({ name: f.name, type: f.type, comment: f.description })),
            { name: 'event_time', type: 'timestamp', comment: 'when the values were true' },
            { name: 'ingested_at', type: 'timestamp', comment: 'when the platform wrote them' },
          ],
        },
      },
    });
    this.table.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
  }
}
