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
  /** Archive the topic into the lake's raw zone (Firehose; needs multi-VPC connectivity on the brokers). */
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
  /** Node.js image of the processor, pinned by digest. */
  readonly image: string;
  /** AWS CLI v2 image that fetches the bundle, pinned by digest. */
  readonly fetchImage: string;
}

export interface FeaturesConfig {
  /** The feature views (lib/features/views.ts: one list for every environment). */
  readonly views: readonly FeatureView[];
  /** The topics of the environment's MSK cluster. */
  readonly topics: readonly TopicConfig[];
  readonly consumer: FeatureConsumerConfig;
  /** Prefix under the curated zone that training-set jobs read labels from. */
  readonly labelsPrefix: string;
}

/** Suffix of a topic's dead-letter topic. */
export const DEAD_LETTER_SUFFIX = '-dlq';
/** Schema of every dead-letter topic. */
export const DEAD_LETTER_SCHEMA_FILE = 'schemas/topics/dead-letter.schema.json';

/**
 * Images of the consumer, pinned by digest. PLACEHOLDER DIGESTS, like the committed account ids:
 * this machine cannot reach a container registry. Before `cdk deploy`, mirror the two images into
 * the account's ECR (or resolve the public ones) and put their digests here:
 * `crane digest public.ecr.aws/docker/library/node:22-alpine`,
 * `crane digest public.ecr.aws/aws-cli/aws-cli:2`.
 */
export const NODE_IMAGE = `public.ecr.aws/docker/library/node:22-alpine@sha256:${'0'.repeat(64)}`;
export const AWS_CLI_IMAGE = `public.ecr.aws/aws-cli/aws-cli:2@sha256:${'0'.repeat(64)}`;

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
        // Dev's t3.small brokers offer no private connectivity for Firehose (see lib/streaming/config.ts).
        archive: false,
        deadLetter: { partitions: 1, retentionHours: 168 },
      },
    ],
    consumer: { namespace: 'features', replicas: 1, cpu: 0.25, memoryMiB: 256, image: NODE_IMAGE, fetchImage: AWS_CLI_IMAGE },
    labelsPrefix: 'labels/',
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
    consumer: { namespace: 'features', replicas: 2, cpu: 0.5, memoryMiB: 512, image: NODE_IMAGE, fetchImage: AWS_CLI_IMAGE },
    labelsPrefix: 'labels/',
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
    consumer: { namespace: 'features', replicas: 3, cpu: 1, memoryMiB: 1024, image: NODE_IMAGE, fetchImage: AWS_CLI_IMAGE },
    labelsPrefix: 'labels/',
  },
};
