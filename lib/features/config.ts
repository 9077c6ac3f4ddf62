import type { CleanupPolicy } from '../../constructs/streams';
import type { FeatureView } from '../../jobs/features/definition';
import type { EnvironmentName } from '../config/types';
import { FEATURE_VIEWS } from './views';

/** One event topic of an environment (created on the MSK cluster with its schema and its dead-letter topic). */
export interface TopicConfig {
  /** Kafka topic name, e.g. `card-transactions`. */
  readonly name: string;
  /** Partitions: the most consumers of one group that can work in parallel (1-1000; only ever increased). */
  readonly partitions: number;
  /** How long records are kept (`retention.ms`), in hours: 1 to 87600. */
  readonly retentionHours: number;
  /** Replicas per partition: 1 to 3, at most the broker count (staging/prod: 3). */
  readonly replicationFactor: number;
  /** `delete` (events), `compact` or `compact,delete`. */
  readonly cleanupPolicy: CleanupPolicy;
  /** The events' JSON Schema, a file under `schemas/topics/` (path from the repository root). */
  readonly schemaFile: string;
  /** Archive the topic into the lake's raw zone (how: `features.archiveDelivery`). */
  readonly archive: boolean;
  /**
   * The topic's dead-letter topic (`<name>-dlq`, schema `schemas/topics/dead-letter.schema.json`):
   * records the feature computations reject, with the reason.
   */
  readonly deadLetter: { readonly partitions: number; readonly retentionHours: number };
}

/** The streaming consumers on EKS (one Deployment per stream-sourced view). */
export interface FeatureConsumerConfig {
  /** Namespace of the consumers (created by the Features stack). */
  readonly namespace: string;
  /** Pods per view (at most the source topic's partitions do work). */
  readonly replicas: number;
  /** CPU cores and memory per pod (requests = limits). */
  readonly cpu: number;
  readonly memoryMiB: number;
  /**
   * Node.js base image (`FROM`) of the consumer's image. `cdk deploy` builds the image (the bundled
   * processor on this base) and publishes it to the account's container-assets ECR repository,
   * whose tags are immutable content hashes: pods run exactly what was built. Pin it by digest to
   * make rebuilds reproducible too.
   */
  readonly baseImage: string;
}

/**
 * How archived topics reach the raw zone (the same layout either way):
 * - `msk-source`: Amazon Data Firehose reads the topic itself (MSK source); needs multi-VPC private
 *   connectivity on the brokers (not kafka.t3.small, not MSK Serverless).
 * - `pipe`: an EventBridge pipe reads the topic in the brokers' subnets and puts the events into a
 *   Direct PUT Firehose stream; for brokers without multi-VPC connectivity. Nothing at idle but two
 *   private endpoints (Pipes, STS) in one AZ.
 */
export const ARCHIVE_DELIVERIES = ['msk-source', 'pipe'] as const;
export type ArchiveDelivery = (typeof ARCHIVE_DELIVERIES)[number];

export interface FeaturesConfig {
  /** The feature views (lib/features/views.ts: one list for every environment). */
  readonly views: readonly FeatureView[];
  /** The topics of the environment's MSK cluster. */
  readonly topics: readonly TopicConfig[];
  /** How the archived topics reach the raw zone (see {@link ARCHIVE_DELIVERIES}). */
  readonly archiveDelivery: ArchiveDelivery;
  readonly consumer: FeatureConsumerConfig;
  /** Prefix under the curated zone that training-set jobs read labels from. */
  readonly labelsPrefix: string;
  /**
   * Share of a training set's labels held out (`holdout/`, the newest by label time; the rest is
   * `train/`, the layout the lifecycle's training pipelines read). 0.05 to 0.5.
   */
  readonly trainingSetHoldoutFraction: number;
}

/** Suffix of a topic's dead-letter topic. */
export const DEAD_LETTER_SUFFIX = '-dlq';
/** Schema of every dead-letter topic. */
export const DEAD_LETTER_SCHEMA_FILE = 'schemas/topics/dead-letter.schema.json';

/** Base of the consumer's image: Node.js 22 (the runtime the processor is bundled for). */
export const NODE_BASE_IMAGE = 'public.ecr.aws/docker/library/node:22-alpine';

const CARD_TRANSACTIONS = 'schemas/topics/card-transactions.schema.json';

/** Topics, consumers and labels of each environment. */
export const FEATURES: Readonly<Record<EnvironmentName, FeaturesConfig>> = {
  dev: {
    views: FEATURE_VIEWS,
    topics: [
      {
        name: 'card-transactions',
        partitions: 3,
        retentionHours: 72,
        replicationFactor: 2,
        cleanupPolicy: 'delete',
        schemaFile: CARD_TRANSACTIONS,
        // Through an EventBridge pipe: dev's t3.small brokers offer no private connectivity for Firehose.
        archive: true,
        deadLetter: { partitions: 1, retentionHours: 168 },
      },
    ],
    archiveDelivery: 'pipe',
    consumer: { namespace: 'features', replicas: 1, cpu: 0.25, memoryMiB: 256, baseImage: NODE_BASE_IMAGE },
    labelsPrefix: 'labels/',
    trainingSetHoldoutFraction: 0.2,
  },
  staging: {
    views: FEATURE_VIEWS,
    topics: [
      {
        name: 'card-transactions',
        partitions: 6,
        retentionHours: 168,
        replicationFactor: 3,
        cleanupPolicy: 'delete',
        schemaFile: CARD_TRANSACTIONS,
        archive: true,
        deadLetter: { partitions: 3, retentionHours: 336 },
      },
    ],
    archiveDelivery: 'msk-source',
    consumer: { namespace: 'features', replicas: 2, cpu: 0.5, memoryMiB: 512, baseImage: NODE_BASE_IMAGE },
    labelsPrefix: 'labels/',
    trainingSetHoldoutFraction: 0.2,
  },
  prod: {
    views: FEATURE_VIEWS,
    topics: [
      {
        name: 'card-transactions',
        partitions: 12,
        retentionHours: 168,
        replicationFactor: 3,
        cleanupPolicy: 'delete',
        schemaFile: CARD_TRANSACTIONS,
        archive: true,
        deadLetter: { partitions: 3, retentionHours: 720 },
      },
    ],
    archiveDelivery: 'msk-source',
    consumer: { namespace: 'features', replicas: 3, cpu: 1, memoryMiB: 1024, baseImage: NODE_BASE_IMAGE },
    labelsPrefix: 'labels/',
    trainingSetHoldoutFraction: 0.2,
  },
};
