import type { LakeZone } from '../../constructs/lake';
import type { EnvironmentName } from '../config/types';

/** The zones of the data lake: the DataLake construct's `LAKE_ZONES`. */
export { LAKE_ZONES as LAKE_ZONE_NAMES } from '../../constructs/lake';
export type LakeZoneName = LakeZone;

/** Lifecycle of one lake zone, in days from object creation; 0 means never. */
export interface LakeZoneLifecycleConfig {
  /** Move to S3 Standard-IA after this many days (0 or at least 30). */
  readonly infrequentAccessAfterDays: number;
  /** Move to S3 Glacier Instant Retrieval after this many days (0, or at least 30 after IA). */
  readonly archiveAfterDays: number;
  /** Expire current objects after this many days (0 = keep; else after every transition). */
  readonly expireAfterDays: number;
  /** Delete noncurrent versions after this many days (1 to 3650). */
  readonly noncurrentVersionExpirationDays: number;
}

export interface LakeConfig {
  /** Lifecycle per zone. */
  readonly lifecycle: Readonly<Record<LakeZoneName, LakeZoneLifecycleConfig>>;
  /** Encrypt the account's Glue Data Catalog with the data key (an account/region-wide setting). */
  readonly encryptCatalog: boolean;
}

export interface SparkConfig {
  /** EMR release label, `emr-<major>.<minor>.<patch>`. */
  readonly releaseLabel: string;
  readonly architecture: 'ARM64' | 'X86_64';
  /** Size of each pre-initialized worker. */
  readonly worker: { readonly cpu: number; readonly memoryGiB: number; readonly diskGiB: number };
  /** Pre-initialized (warm) drivers and executors; 0 and 0 for scale-to-zero. */
  readonly initialDrivers: number;
  readonly initialExecutors: number;
  /** Upper bound of the application's capacity (vCPU, GiB, GiB). */
  readonly maximumCapacity: { readonly cpu: number; readonly memoryGiB: number; readonly diskGiB: number };
  /** Minutes idle before the application stops (1 to 10080). */
  readonly idleTimeoutMinutes: number;
  /** Topics the Spark jobs may consume (kafka topic pattern, `*` wildcard). */
  readonly consumeTopicPattern: string;
  /** Consumer groups the Spark jobs may use. */
  readonly consumerGroupPattern: string;
}

/** A zone lifecycle: IA after, archive after, expire after, noncurrent versions after (days; 0 = never). */
const zone = (
  infrequentAccessAfterDays: number,
  archiveAfterDays: number,
  expireAfterDays: number,
  noncurrentVersionExpirationDays: number,
): LakeZoneLifecycleConfig => ({ infrequentAccessAfterDays, archiveAfterDays, expireAfterDays, noncurrentVersionExpirationDays });

/**
 * The lake of each environment; lifecycle columns: `zone(IA, archive, expire, noncurrent)` in days.
 * Dev data is disposable (short-lived objects and versions, no archive). Prod keeps raw events
 * 7 years (credit decisions must be reproducible), archived after 6 months.
 */
export const LAKE: Readonly<Record<EnvironmentName, LakeConfig>> = {
  dev: {
    lifecycle: { raw: zone(0, 0, 90, 7), curated: zone(0, 0, 180, 7), features: zone(0, 0, 180, 7), models: zone(0, 0, 0, 30) },
    encryptCatalog: true,
  },
  staging: {
    lifecycle: { raw: zone(30, 90, 365, 30), curated: zone(60, 180, 0, 30), features: zone(60, 0, 0, 30), models: zone(90, 0, 0, 90) },
    encryptCatalog: true,
  },
  prod: {
    lifecycle: { raw: zone(30, 180, 2557, 90), curated: zone(90, 365, 0, 90), features: zone(90, 0, 0, 90), models: zone(180, 0, 0, 365) },
    encryptCatalog: true,
  },
};

/** The EMR Serverless Spark application of each environment. */
export const SPARK: Readonly<Record<EnvironmentName, SparkConfig>> = {
  dev: {
    releaseLabel: 'emr-7.9.0',
    architecture: 'ARM64',
    worker: { cpu: 4, memoryGiB: 16, diskGiB: 20 },
    initialDrivers: 0,
    initialExecutors: 0,
    maximumCapacity: { cpu: 32, memoryGiB: 128, diskGiB: 400 },
    idleTimeoutMinutes: 5,
    consumeTopicPattern: 'events.*',
    consumerGroupPattern: 'spark-*',
  },
  staging: {
    releaseLabel: 'emr-7.9.0',
    architecture: 'ARM64',
    worker: { cpu: 4, memoryGiB: 16, diskGiB: 20 },
    initialDrivers: 0,
    initialExecutors: 0,
    maximumCapacity: { cpu: 128, memoryGiB: 512, diskGiB: 2000 },
    idleTimeoutMinutes: 15,
    consumeTopicPattern: 'events.*',
    consumerGroupPattern: 'spark-*',
  },
  prod: {
    releaseLabel: 'emr-7.9.0',
    architecture: 'ARM64',
    worker: { cpu: 4, memoryGiB: 16, diskGiB: 20 },
    initialDrivers: 1,
    initialExecutors: 4,
    maximumCapacity: { cpu: 400, memoryGiB: 1600, diskGiB: 8000 },
    idleTimeoutMinutes: 15,
    consumeTopicPattern: 'events.*',
    consumerGroupPattern: 'spark-*',
  },
};
