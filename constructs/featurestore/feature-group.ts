import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  LOG_GROUP_DISCOVERY_ACTIONS,
  LOG_GROUP_DISCOVERY_REASON,
  LOG_STREAM_WRITE_ACTIONS,
  S3_OBJECT_READ_ACTIONS,
  S3_OBJECT_WRITE_ACTIONS,
} from '../core/perms';
import { acknowledgeWildcards, when } from '../private/acknowledge';
import { ManagedPolicyPrincipal } from '../private/managed-policy-principal';
import type { IStreamingCluster } from '../streaming/streaming-cluster';
import { type FeatureGroupDefinition, featureGroupProblems, onlineKeyTemplate } from './feature-definition';
import type { IOnlineFeatureStore } from './online-feature-store';

/** A Kafka source the streaming job consumes from, when it is not an `IStreamingCluster`. */
export interface IFeatureStream {
  /** Bootstrap brokers for IAM authentication (host:port,...). */
  readonly bootstrapBrokers: string;
  readonly connections: ec2.Connections;
  /** Grants consuming topics matching `topicPattern` in consumer groups matching `groupPattern`. */
  grantConsume(grantee: iam.IGrantable, topicPattern: string, groupPattern: string): iam.Grant;
}

/** A lake zone: its bucket (KMS-encrypted) and its Glue database. */
export interface FeatureZone {
  readonly bucket: s3.IBucket;
  readonly databaseName: string;
}

/** The EMR Serverless application that runs the feature jobs. */
export interface FeatureSparkApplication {
  readonly applicationId: string;
  readonly connections: ec2.Connections;
  /**
   * The application's CloudWatch log group (the platform's `SparkApplication` logs every job
   * there): the job roles may write their log streams in it.
   */
  readonly logGroup: logs.ILogGroup;
  /** Where job code lives (`<bucket>/<prefix>/<job>.py`), and where job logs go. */
  readonly artifacts: { readonly bucket: s3.IBucket; readonly codePrefix: string; readonly logPrefix: string };
}

export interface FeatureGroupProps {
  readonly definition: FeatureGroupDefinition;
  /** The features zone: the offline store. */
  readonly offlineStore: FeatureZone;
  readonly onlineStore: IOnlineFeatureStore;
  readonly spark: FeatureSparkApplication;
  /** Batch sources: the zones the source table may live in. Required for a batch source. */
  readonly sourceZones?: Partial<Record<'raw' | 'curated', FeatureZone>>;
  /**
   * Streaming sources: the cluster of the topic (the platform's `StreamingCluster`, or one imported
   * with `StreamingCluster.fromStreamingClusterAttributes`). Required for a stream source.
   */
  readonly stream?: IStreamingCluster | IFeatureStream;
  /** The lake's key: it encrypts the zone buckets, the Glue catalog and the job logs. */
  readonly lakeKey: kms.IKey;
  /** Prefix of the SSM parameters that publish the job definitions, e.g. `/mlp/prod`. */
  readonly parameterPrefix: string;
  /**
   * What happens to the offline Glue table when it leaves the stack (the data in S3 is the
   * bucket's concern).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The request an orchestrator (Step Functions, Airflow, `aws emr-serverless start-job-run
 * --cli-input-json`) sends to run one of a feature group's jobs. Published as JSON in SSM.
 */
export interface SparkJobDefinition {
  readonly name: string;
  readonly applicationId: string;
  readonly executionRoleArn: string;
  /** BATCH for backfills, STREAMING for continuous materialization. */
  readonly mode: 'BATCH' | 'STREAMING';
  readonly jobDriver: {
    readonly sparkSubmit: {
      readonly entryPoint: string;
      readonly entryPointArguments: readonly string[];
      readonly sparkSubmitParameters: string;
    };
  };
  readonly configurationOverrides: {
    readonly monitoringConfiguration: {
      readonly s3MonitoringConfiguration: { readonly logUri: string; readonly encryptionKeyArn: string };
    };
  };
}

const OBJECT_READ = [...S3_OBJECT_READ_ACTIONS];
const OBJECT_WRITE = [...S3_OBJECT_WRITE_ACTIONS];
const GLUE_READ = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'];
const GLUE_WRITE_PARTITIONS = ['glue:BatchCreatePartition', 'glue:CreatePartition', 'glue:UpdatePartition'];

/**
 * How an ML team declares features. From one definition it creates:
 * - the **offline** table in the features zone's Glue database (Parquet under
 *   `s3://<features>/<name>/`, partitioned by event date (and hour) with partition projection, so
 *   Athena and Spark find new partitions without crawlers);
 * - the **online** key layout: one hash per entity, `fs:<name>:v1:{<entity keys>}`, one field per
 *   feature, expiring after the online TTL — so one `HGETALL` (or `HMGET` of the features a model
 *   needs) reads a whole vector in one round trip;
 * - the **jobs**, as EMR Serverless job definitions with one execution role each, holding exactly
 *   the IAM that job needs: `backfill` (batch: source table -> offline table + online store) and,
 *   for stream sources, `materialize` (streaming: topic -> both stores).
 *
 * The network path is the caller's: the Spark application's security group must reach the online
 * store's port and (stream sources) the brokers. It is opened once per application, not per group.
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
 *   onlineStore,
 *   spark: {
 *     applicationId: spark.applicationId,
 *     connections: spark.connections,
 *     logGroup: spark.logGroup,
 *     artifacts: { bucket: lake.bucket('models'), codePrefix: 'feature-jobs/code', logPrefix: 'feature-jobs/logs' },
 *   },
 *   stream: msk, lakeKey: keys.data, parameterPrefix: '/mlp/dev',
 * });
 */
export class FeatureGroup extends Construct {
  readonly definition: FeatureGroupDefinition;
  readonly table: glue.CfnTable;
  readonly tableName: string;
  /** S3 URI of the offline data. */
  readonly offlineLocation: string;
  /** Online key of one entity, with `<key>` placeholders. */
  readonly onlineKeyTemplate: string;
  readonly backfillRole: iam.Role;
  readonly materializeRole?: iam.Role;
  readonly jobs: Readonly<Record<string, SparkJobDefinition>>;

  constructor(scope: Construct, id: string, props: FeatureGroupProps) {
    super(scope, id);
    const def = props.definition;
    const problems = featureGroupProblems(def);
    if (def.source.kind === 'stream' && !props.stream)
      problems.push({ field: 'source', value: def.source.topic, message: 'is a stream source but no stream was given' });
    if (def.source.kind === 'batch' && !props.sourceZones?.[def.source.zone]) {
      problems.push({ field: 'source.zone', value: def.source.zone, message: 'is not one of the sourceZones given' });
    }
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

    const stack = Stack.of(this);
    const glueArn = (resource: string, name: string) => stack.formatArn({ service: 'glue', resource, resourceName: name });
    const catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const offlineTableArn = glueArn('table', `${offline.databaseName}/${def.name}`);
    const applicationArn = stack.formatArn({
      service: 'emr-serverless',
      resource: '/applications',
      resourceName: props.spark.applicationId,
    });
    const artifacts = props.spark.artifacts;

    const region = stack.region;
    const objects = (bucket: s3.IBucket, keyPrefix: string) => `${bucket.bucketArn}/${keyPrefix}*`;
    /** Bucket listing limited to one prefix. */
    const list = (bucket: s3.IBucket, keyPrefix: string) =>
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${keyPrefix}*`] } },
      });

    const jobRole = (roleId: string, description: string): { role: iam.Role; principal: iam.IPrincipal } => {
      const role = new iam.Role(this, roleId, {
        description,
        assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': applicationArn },
        }),
      });
      // Every grant lands in one customer-managed policy (PCI DSS / NIST: no inline policies).
      const policy = new iam.ManagedPolicy(this, `${roleId}Policy`, { roles: [role] });
      acknowledgeWildcards(
        policy,
        when(
          /^Resource::(.+\/\*|arn:aws:kafka:.+\/feature-group-[a-z0-9_]+\*)$/,
          "A feature group's job role reads and writes objects only under its group's prefix of the features zone (and its source table's prefix, its code and log prefixes); S3 object ARNs under a prefix need the trailing wildcard. The streaming job consumes in consumer groups named after its feature group only.",
        ),
      );
      acknowledgeWildcards(policy, when(/^Resource::\*$/, LOG_GROUP_DISCOVERY_REASON));
      const principal = new ManagedPolicyPrincipal(role, policy);
      const codePrefix = `${artifacts.codePrefix}/feature-groups/${def.name}/`;
      const logPrefix = `${artifacts.logPrefix}/feature-groups/${def.name}/`;
      policy.addStatements(
        // Its own code and its own logs (S3 and the application's CloudWatch log group).
        new iam.PolicyStatement({ actions: OBJECT_READ, resources: [objects(artifacts.bucket, codePrefix)] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects(artifacts.bucket, logPrefix)] }),
        new iam.PolicyStatement({ actions: [...LOG_STREAM_WRITE_ACTIONS], resources: [props.spark.logGroup.logGroupArn] }),
        new iam.PolicyStatement({ actions: [...LOG_GROUP_DISCOVERY_ACTIONS], resources: ['*'] }),
        // The offline table: its data and its partitions.
        list(offline.bucket, prefix),
        new iam.PolicyStatement({ actions: [...OBJECT_READ, ...OBJECT_WRITE], resources: [objects(offline.bucket, prefix)] }),
        new iam.PolicyStatement({
          actions: [...GLUE_READ, ...GLUE_WRITE_PARTITIONS],
          resources: [catalogArn, glueArn('database', offline.databaseName), offlineTableArn],
        }),
        // The lake key (buckets, logs, the encrypted Glue catalog), only through S3 and Glue.
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.lakeKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `glue.${region}.amazonaws.com`] } },
        }),
      );
      // The online store, as its writer (the network side is opened below).
      props.onlineStore.grantConnect(principal, 'writer');
      return { role, principal };
    };

    // Backfill: recompute history from a lake table.
    const backfill = jobRole('BackfillRole', `Backfill of feature group ${def.name}`);
    this.backfillRole = backfill.role;
    const sourceZone = def.source.kind === 'batch' ? props.sourceZones![def.source.zone]! : undefined;
    const sourceTable = def.source.kind === 'batch' ? def.source.table : def.source.topic.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
    const backfillSource = sourceZone ?? props.sourceZones?.raw;
    if (backfillSource) {
      backfill.principal.addToPrincipalPolicy(list(backfillSource.bucket, `${sourceTable}/`));
      backfill.principal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: OBJECT_READ, resources: [objects(backfillSource.bucket, `${sourceTable}/`)] }),
      );
      backfill.principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: GLUE_READ,
          resources: [
            catalogArn,
            glueArn('database', backfillSource.databaseName),
            glueArn('table', `${backfillSource.databaseName}/${sourceTable}`),
          ],
        }),
      );
    }

    const job = (name: string, role: iam.Role, mode: SparkJobDefinition['mode'], args: string[]): SparkJobDefinition => ({
      name: `${def.name}-${name}`,
      applicationId: props.spark.applicationId,
      executionRoleArn: role.roleArn,
      mode,
      jobDriver: {
        sparkSubmit: {
          entryPoint: `s3://${artifacts.bucket.bucketName}/${artifacts.codePrefix}/feature-groups/${def.name}/${name}.py`,
          entryPointArguments: [
            '--feature-group',
            def.name,
            '--offline-table',
            `${offline.databaseName}.${def.name}`,
            '--online-endpoint',
            `${props.onlineStore.configurationEndpoint}:${props.onlineStore.port}`,
            '--online-user',
            props.onlineStore.writerUserId,
            '--online-ttl-seconds',
            String(def.onlineTtlSeconds),
            ...args,
          ],
          sparkSubmitParameters:
            '--conf spark.sql.sources.partitionOverwriteMode=dynamic --conf spark.hadoop.hive.metastore.client.factory.class=com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory',
        },
      },
      configurationOverrides: {
        monitoringConfiguration: {
          s3MonitoringConfiguration: {
            logUri: `s3://${artifacts.bucket.bucketName}/${artifacts.logPrefix}/feature-groups/${def.name}/`,
            encryptionKeyArn: props.lakeKey.keyArn,
          },
        },
      },
    });

    const jobs: Record<string, SparkJobDefinition> = {
      backfill: job('backfill', this.backfillRole, 'BATCH', [
        '--source-table',
        backfillSource ? `${backfillSource.databaseName}.${sourceTable}` : sourceTable,
      ]),
    };

    if (def.source.kind === 'stream') {
      const stream = props.stream!;
      const { role, principal } = jobRole('MaterializeRole', `Streaming materialization of feature group ${def.name}`);
      stream.grantConsume(principal, def.source.topic, `feature-group-${def.name}*`);
      this.materializeRole = role;
      jobs.materialize = job('materialize', role, 'STREAMING', [
        '--topic',
        def.source.topic,
        '--consumer-group',
        `feature-group-${def.name}`,
        '--bootstrap-brokers',
        'bootstrapBrokersSaslIam' in stream ? stream.bootstrapBrokersSaslIam : stream.bootstrapBrokers,
      ]);
    }
    this.jobs = jobs;

    for (const [name, definition] of Object.entries(jobs)) {
      new ssm.StringParameter(this, `${name[0].toUpperCase()}${name.slice(1)}Job`, {
        parameterName: `${props.parameterPrefix}/feature-groups/${def.name}/${name}-job`,
        description: `EMR Serverless StartJobRun request for ${def.name} ${name}`,
        stringValue: stack.toJsonString(definition),
      });
    }
  }
}
