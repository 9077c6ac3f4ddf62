import type { MonitoringLevel } from '../../constructs/streaming';
import type { EnvironmentName } from '../config/types';

/** Enhanced monitoring levels of MSK provisioned clusters (the StreamingCluster construct's). */
export { MONITORING_LEVELS as MSK_MONITORING_LEVELS } from '../../constructs/streaming';

/** MSK Serverless: no brokers to size (dev only). */
export interface ServerlessStreamingConfig {
  readonly mode: 'serverless';
}

/** An MSK provisioned cluster. */
export interface ProvisionedStreamingConfig {
  readonly mode: 'provisioned';
  /** Apache Kafka version, e.g. `3.8.x`. */
  readonly kafkaVersion: string;
  /** Broker instance type: kafka.t3.small (not prod), kafka.m5.*, kafka.m7g.*, express.m7g.*. */
  readonly brokerInstanceType: string;
  /** Number of brokers: a multiple of the AZ count; prod at least 3. */
  readonly brokerCount: number;
  /** EBS volume per broker in GiB (1 to 16384; ignored by express brokers). */
  readonly volumeSizeGiB: number;
  /** Enhanced monitoring level. */
  readonly monitoring: MonitoringLevel;
  /** Default topic retention (`log.retention.hours`), 1 to 8760; prod at least 168. */
  readonly logRetentionHours: number;
}

export type StreamingConfig = ServerlessStreamingConfig | ProvisionedStreamingConfig;

/**
 * The MSK cluster of each environment. Dev: two small brokers (one per AZ) behave like prod (broker
 * logs, configuration, customer-managed key). They stay kafka.t3.small: Firehose's MSK source needs
 * multi-VPC private connectivity, which MSK does not offer on t3.small, and kafka.m7g.large brokers
 * (+$254 a month) would put dev's idle cost over its $500 budget (npm run report), so dev archives its
 * topics through EventBridge pipes (features.archiveDelivery 'pipe'). Staging and prod archive every
 * topic with Firehose's MSK source.
 */
export const STREAMING: Readonly<Record<EnvironmentName, StreamingConfig>> = {
  dev: {
    mode: 'provisioned',
    kafkaVersion: '3.8.x',
    brokerInstanceType: 'kafka.t3.small',
    brokerCount: 2,
    volumeSizeGiB: 20,
    monitoring: 'DEFAULT',
    logRetentionHours: 24,
  },
  staging: {
    mode: 'provisioned',
    kafkaVersion: '3.8.x',
    brokerInstanceType: 'kafka.m7g.large',
    brokerCount: 3,
    volumeSizeGiB: 500,
    monitoring: 'PER_BROKER',
    logRetentionHours: 168,
  },
  prod: {
    mode: 'provisioned',
    kafkaVersion: '3.8.x',
    brokerInstanceType: 'kafka.m7g.large',
    brokerCount: 6,
    volumeSizeGiB: 1000,
    monitoring: 'PER_TOPIC_PER_BROKER',
    logRetentionHours: 168,
  },
};
