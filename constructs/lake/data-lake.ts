import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { KMS_DECRYPT_ACTIONS, S3_OBJECT_READ_ACTIONS, S3_OBJECT_WRITE_ACTIONS } from '../core/perms';
import { acknowledge, packs } from '../private/acknowledge';

/** The zones of the lake, in the order data flows through them. */
export const LAKE_ZONES = ['raw', 'curated', 'features', 'models'] as const;
export type LakeZone = (typeof LAKE_ZONES)[number];

/** S3 actions of a zone reader (objects and listing). */
export const LAKE_READ_ACTIONS = {
  bucket: ['s3:ListBucket', 's3:GetBucketLocation'],
  objects: S3_OBJECT_READ_ACTIONS,
  /** Reading SSE-KMS objects (with or without bucket keys) needs Decrypt only. */
  kms: KMS_DECRYPT_ACTIONS,
  glue: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
} as const;

/** S3 actions of a zone writer: put, overwrite/delete, multipart uploads, listing. */
export const LAKE_WRITE_ACTIONS = {
  bucket: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
  objects: [...S3_OBJECT_WRITE_ACTIONS, 's3:ListMultipartUploadParts'],
  /** SSE-KMS puts need a data key; completing a multipart upload needs Decrypt. */
  kms: ['kms:GenerateDataKey', 'kms:Decrypt'],
  /** Writing tables of an encrypted Data Catalog also needs Encrypt (through Glue only). */
  kmsCatalog: ['kms:Encrypt'],
  glue: [
    'glue:GetDatabase',
    'glue:GetTable',
    'glue:GetTables',
    'glue:CreateTable',
    'glue:UpdateTable',
    'glue:GetPartition',
    'glue:GetPartitions',
    'glue:BatchGetPartition',
    'glue:CreatePartition',
    'glue:BatchCreatePartition',
    'glue:UpdatePartition',
    'glue:BatchUpdatePartition',
    'glue:DeletePartition',
    'glue:BatchDeletePartition',
  ],
} as const;

/** Lifecycle of the objects of one zone. Transitions are counted from object creation. */
export interface LakeZoneLifecycle {
  /**
   * Days after which objects move to S3 Standard-IA (at least 30, an S3 rule).
   * @default - objects stay in S3 Standard
   */
  readonly infrequentAccessAfter?: Duration;
  /**
   * Days after which objects move to S3 Glacier Instant Retrieval (archive that Spark and Athena
   * can still read without a restore); at least 30 days after `infrequentAccessAfter`.
   * @default - never archived
   */
  readonly archiveAfter?: Duration;
  /**
   * Days after which current objects expire (become noncurrent versions).
   * @default - never expire
   */
  readonly expireAfter?: Duration;
  /**
   * Days after which noncurrent versions are deleted.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
}

export interface DataLakeProps {
  /** The environment's data key: encrypts every zone bucket (and the Glue catalog if `encryptCatalog`). */
  readonly encryptionKey: kms.IKey;
  /** Destination of the S3 server access logs (SSE-S3, e.g. the platform's audit bucket). */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Prefix of the access logs in `accessLogsBucket`; each zone logs under `<prefix><zone>/`.
   * @default 'lake/'
   */
  readonly accessLogsPrefix?: string;
  /**
   * Lifecycle per zone.
   * @default - per zone: noncurrent versions deleted after 90 days, no transitions, no expiry
   */
  readonly lifecycle?: Partial<Record<LakeZone, LakeZoneLifecycle>>;
  /**
   * Prefix of the Glue database names: databases are `<prefix>_<zone>` (lower case, digits, `_`).
   * @default - names generated from the construct path
   */
  readonly databaseNamePrefix?: string;
  /**
   * Encrypt the account's Glue Data Catalog with `encryptionKey` (SSE-KMS). The setting is
   * account- and region-wide: enable it in exactly one stack per account and region.
   * @default false
   */
  readonly encryptCatalog?: boolean;
  /**
   * What happens to the buckets and Glue databases when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** One zone of the lake: its bucket and its Glue database. */
export interface LakeZoneResources {
  readonly bucket: s3.Bucket;
  readonly database: glue.Database;
}

const ZONE_IDS: Record<LakeZone, string> = { raw: 'Raw', curated: 'Curated', features: 'Features', models: 'Models' };
const DEFAULT_NONCURRENT_DAYS = 90;

/** What a team holds of the data lake: each zone's bucket and Glue database, and grants by zone. */
export interface IDataLake extends IConstruct {
  readonly encryptionKey: kms.IKey;
  /** The bucket of a zone. */
  bucket(zone: LakeZone): s3.IBucket;
  /** The Glue database name of a zone. */
  databaseName(zone: LakeZone): string;
  /** Lets `grantee` read a zone (objects, Glue tables, the key through S3). */
  grantRead(grantee: iam.IGrantable, zone: LakeZone): iam.Grant;
  /** Lets `grantee` write a zone (objects, Glue tables and partitions, data keys through S3). */
  grantWrite(grantee: iam.IGrantable, zone: LakeZone): iam.Grant;
  /** `grantRead` and `grantWrite` on one zone. */
  grantReadWrite(grantee: iam.IGrantable, zone: LakeZone): iam.Grant;
}

/** An existing lake (e.g. the platform's, referenced from a team's app). */
export interface DataLakeAttributes {
  readonly encryptionKey: kms.IKey;
  /** Each zone's bucket name and Glue database name. */
  readonly zones: Readonly<Record<LakeZone, { readonly bucketName: string; readonly databaseName: string }>>;
  /**
   * Whether the Glue Data Catalog is encrypted with `encryptionKey`.
   * @default false
   */
  readonly catalogEncrypted?: boolean;
}

abstract class DataLakeBase extends Construct implements IDataLake {
  abstract readonly encryptionKey: kms.IKey;
  abstract readonly catalogEncrypted: boolean;
  abstract bucket(zone: LakeZone): s3.IBucket;
  abstract databaseName(zone: LakeZone): string;
  /** ARN of a zone's Glue database. */
  protected abstract databaseArn(zone: LakeZone): string;

  /**
   * Lets `grantee` read a zone: list and get its objects (any version), read its Glue database,
   * tables and partitions, and decrypt with the data key through S3 (and Glue) only.
   */
  grantRead(grantee: iam.IGrantable, zone: LakeZone): iam.Grant {
    const bucket = this.bucket(zone);
    return iam.Grant.addToPrincipal({ grantee, actions: [...LAKE_READ_ACTIONS.bucket], resourceArns: [bucket.bucketArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: [...LAKE_READ_ACTIONS.objects], resourceArns: [bucket.arnForObjects('*')] }))
      .combine(iam.Grant.addToPrincipal({ grantee, actions: [...LAKE_READ_ACTIONS.glue], resourceArns: this.glueArns(zone) }))
      .combine(this.grantKey(grantee, [...LAKE_READ_ACTIONS.kms]));
  }

  /**
   * Lets `grantee` write a zone: put, overwrite and delete objects (multipart uploads included),
   * create and update its Glue tables and partitions, and generate data keys with the data key
   * through S3 (and Glue) only. Reading object contents is not included: see `grantReadWrite`.
   */
  grantWrite(grantee: iam.IGrantable, zone: LakeZone): iam.Grant {
    const bucket = this.bucket(zone);
    const kmsActions = [...LAKE_WRITE_ACTIONS.kms, ...(this.catalogEncrypted ? LAKE_WRITE_ACTIONS.kmsCatalog : [])];
    return iam.Grant.addToPrincipal({ grantee, actions: [...LAKE_WRITE_ACTIONS.bucket], resourceArns: [bucket.bucketArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: [...LAKE_WRITE_ACTIONS.objects], resourceArns: [bucket.arnForObjects('*')] }))
      .combine(iam.Grant.addToPrincipal({ grantee, actions: [...LAKE_WRITE_ACTIONS.glue], resourceArns: this.glueArns(zone) }))
      .combine(this.grantKey(grantee, kmsActions));
  }

  /** `grantRead` and `grantWrite` on one zone (e.g. a job that updates features incrementally). */
  grantReadWrite(grantee: iam.IGrantable, zone: LakeZone): iam.Grant {
    return this.grantRead(grantee, zone).combine(this.grantWrite(grantee, zone));
  }

  /** The catalog, the zone's database and its tables (Glue authorizes table calls on all three). */
  private glueArns(zone: LakeZone): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      this.databaseArn(zone),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName(zone)}/*` }),
    ];
  }

  /** KMS actions on the data key, usable only through S3 (and Glue when the catalog is encrypted). */
  private grantKey(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    const region = Stack.of(this).region;
    const services = [`s3.${region}.amazonaws.com`, ...(this.catalogEncrypted ? [`glue.${region}.amazonaws.com`] : [])];
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': services } },
    });
  }
}

/**
 * The data lake of an environment: one bucket per zone (raw events, curated tables, the offline
 * feature store, model artifacts), each SSE-KMS with the given key and S3 bucket keys, versioned,
 * TLS 1.2+ only, public access blocked, bucket-owner-enforced, access-logged, with lifecycle rules;
 * and one Glue database per zone, located at its bucket.
 *
 * Grants are by intent and zone: `grantRead(grantee, 'curated')`, `grantWrite(grantee, 'features')`.
 * They cover the zone's objects, its Glue database and tables, and exactly the KMS actions S3 (and
 * Glue, for an encrypted catalog) needs on the key, usable only through those services.
 *
 * @example
 * const lake = new DataLake(this, 'Lake', {
 *   encryptionKey: keys.data,
 *   accessLogsBucket: audit.bucket,
 *   databaseNamePrefix: 'mlp_dev',
 *   lifecycle: { raw: { infrequentAccessAfter: Duration.days(30), archiveAfter: Duration.days(90) } },
 *   removalPolicy: RemovalPolicy.DESTROY,
 * });
 * lake.grantRead(sparkJob, 'raw');
 * lake.grantWrite(sparkJob, 'features');
 */
export class DataLake extends DataLakeBase {
  /** References an existing lake (no resources are created). */
  static fromDataLakeAttributes(scope: Construct, id: string, attrs: DataLakeAttributes): IDataLake {
    return new ImportedDataLake(scope, id, attrs);
  }

  /** The zones, by name. */
  readonly zones: Readonly<Record<LakeZone, LakeZoneResources>>;
  readonly encryptionKey: kms.IKey;
  /** Whether the account's Glue Data Catalog is encrypted with `encryptionKey` by this lake. */
  readonly catalogEncrypted: boolean;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const prefix = props.accessLogsPrefix ?? 'lake/';
    if (!/^[A-Za-z0-9!_.*'()/-]*$/.test(prefix) || (prefix !== '' && !prefix.endsWith('/'))) {
      throw new Error(`DataLake accessLogsPrefix must be empty or end with '/' (letters, digits, !_.*'()/-), got '${prefix}'`);
    }
    const dbPrefix = props.databaseNamePrefix;
    if (dbPrefix !== undefined && !Token.isUnresolved(dbPrefix) && !/^[a-z][a-z0-9_]{0,200}$/.test(dbPrefix)) {
      throw new Error(
        `DataLake databaseNamePrefix must start with a lower-case letter and hold only lower-case letters, digits and '_', got '${dbPrefix}'`,
      );
    }
    for (const zone of Object.keys(props.lifecycle ?? {})) {
      if (!(LAKE_ZONES as readonly string[]).includes(zone)) {
        throw new Error(`DataLake lifecycle has an unknown zone '${zone}'; expected one of ${LAKE_ZONES.join(', ')}`);
      }
    }
    // Every zone's lifecycle is validated before anything is created.
    const lifecycleRules = Object.fromEntries(
      LAKE_ZONES.map((zone) => [zone, lifecycleRule(zone, props.lifecycle?.[zone] ?? {})]),
    ) as Record<LakeZone, s3.LifecycleRule>;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey;
    this.catalogEncrypted = props.encryptCatalog ?? false;

    // The account catalog must be configured before any database touches it.
    const catalog = this.catalogEncrypted
      ? glue.Catalog.encryptAccount(this, { encryptionAtRest: glue.DataCatalogEncryptionAtRest.kms(props.encryptionKey) })
      : undefined;

    const zones = {} as Record<LakeZone, LakeZoneResources>;
    for (const zone of LAKE_ZONES) {
      const zoneId = ZONE_IDS[zone];
      const bucket = new s3.Bucket(this, `${zoneId}Bucket`, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: props.encryptionKey,
        bucketKeyEnabled: true,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: props.accessLogsBucket,
        serverAccessLogsPrefix: `${prefix}${zone}/`,
        lifecycleRules: [lifecycleRules[zone]],
        removalPolicy,
        autoDeleteObjects: false,
      });
      acknowledge(
        bucket,
        'The platform is single-region; lake buckets are versioned, KMS-encrypted and retained in staging and prod. Cross-region replication (a second region, its keys and buckets) is an account-level DR decision outside this repository.',
        ...packs.both('S3BucketReplicationEnabled'),
      );
      const database = new glue.Database(this, `${zoneId}Database`, {
        databaseName: dbPrefix === undefined ? undefined : `${dbPrefix}_${zone}`,
        description: `The ${zone} zone of the data lake`,
        locationUri: bucket.s3UrlForObject(),
        catalog,
        removalPolicy,
      });
      zones[zone] = { bucket, database };
    }
    this.zones = zones;
  }

  /** The bucket of a zone. */
  bucket(zone: LakeZone): s3.IBucket {
    return this.zoneOf(zone).bucket;
  }

  /** The Glue database of a zone. */
  database(zone: LakeZone): glue.Database {
    return this.zoneOf(zone).database;
  }

  /** The Glue database name of a zone. */
  databaseName(zone: LakeZone): string {
    return this.zoneOf(zone).database.databaseName;
  }

  protected databaseArn(zone: LakeZone): string {
    return this.zoneOf(zone).database.databaseArn;
  }

  private zoneOf(zone: LakeZone): LakeZoneResources {
    const found = this.zones[zone];
    if (!found) throw new Error(`DataLake has no zone '${String(zone)}'; expected one of ${LAKE_ZONES.join(', ')}`);
    return found;
  }
}

function zoneAttributes(attrs: DataLakeAttributes, zone: LakeZone): { readonly bucketName: string; readonly databaseName: string } {
  const found = attrs.zones[zone];
  if (!found) throw new Error(`DataLake.fromDataLakeAttributes has no zone '${String(zone)}'; expected one of ${LAKE_ZONES.join(', ')}`);
  return found;
}

function lifecycleRule(zone: LakeZone, l: LakeZoneLifecycle): s3.LifecycleRule {
  const days = (d: Duration | undefined): number | undefined => (d === undefined ? undefined : d.toDays());
  const ia = days(l.infrequentAccessAfter);
  const archive = days(l.archiveAfter);
  const expire = days(l.expireAfter);
  const noncurrent = days(l.noncurrentVersionExpiration) ?? DEFAULT_NONCURRENT_DAYS;
  const field = (name: string) => `DataLake lifecycle.${zone}.${name}`;
  const whole = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
      throw new Error(`${field(name)} must be a whole number of days of at least ${min}, got ${value}`);
    }
  };
  whole('infrequentAccessAfter', ia, 30);
  whole('archiveAfter', archive, 1);
  whole('expireAfter', expire, 1);
  whole('noncurrentVersionExpiration', noncurrent, 1);
  if (ia !== undefined && archive !== undefined && archive < ia + 30) {
    throw new Error(`${field('archiveAfter')} must be at least 30 days after infrequentAccessAfter (${ia}), got ${archive}`);
  }
  const latestTransition = Math.max(ia ?? 0, archive ?? 0);
  if (expire !== undefined && expire <= latestTransition) {
    throw new Error(`${field('expireAfter')} must be later than the last transition (day ${latestTransition}), got ${expire}`);
  }
  const transitions: s3.Transition[] = [];
  if (ia !== undefined) transitions.push({ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(ia) });
  if (archive !== undefined) {
    transitions.push({ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(archive) });
  }
  return {
    id: `${zone}-lifecycle`,
    transitions: transitions.length > 0 ? transitions : undefined,
    expiration: expire === undefined ? undefined : Duration.days(expire),
    noncurrentVersionExpiration: Duration.days(noncurrent),
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  };
}

/** An existing data lake, from its attributes. */
class ImportedDataLake extends DataLakeBase {
  readonly encryptionKey: kms.IKey;
  readonly catalogEncrypted: boolean;
  private readonly buckets = new Map<LakeZone, s3.IBucket>();

  constructor(
    scope: Construct,
    id: string,
    private readonly attrs: DataLakeAttributes,
  ) {
    super(scope, id);
    this.encryptionKey = attrs.encryptionKey;
    this.catalogEncrypted = attrs.catalogEncrypted ?? false;
  }

  bucket(zone: LakeZone): s3.IBucket {
    let bucket = this.buckets.get(zone);
    if (!bucket) {
      const { bucketName } = zoneAttributes(this.attrs, zone);
      bucket = s3.Bucket.fromBucketAttributes(this, `${ZONE_IDS[zone]}Bucket`, { bucketName, encryptionKey: this.encryptionKey });
      this.buckets.set(zone, bucket);
    }
    return bucket;
  }

  databaseName(zone: LakeZone): string {
    return zoneAttributes(this.attrs, zone).databaseName;
  }

  protected databaseArn(zone: LakeZone): string {
    return Stack.of(this).formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName(zone) });
  }
}
