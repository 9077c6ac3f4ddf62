/**
 * What AWS services offer, for config checks that would otherwise pass synth and fail mid-deploy.
 * Each table names its source; checked 2026-11-29.
 */

/**
 * Kafka versions Amazon MSK accepts for NEW provisioned clusters (versions with a passed end of
 * support, such as 3.6.0 on 2026-06-01 and 3.7.x on 2026-09-01, are refused).
 * Source: Amazon MSK Developer Guide, "Supported Apache Kafka versions".
 */
export const MSK_KAFKA_VERSIONS: readonly string[] = ['3.8.x', '3.8.x.kraft', '3.9.x', '3.9.x.kraft', '4.0.x.kraft', '4.1.x.kraft'];

/**
 * MSK broker instance types. Source: Amazon MSK Developer Guide, "Broker instance sizes"
 * (Standard brokers) and "Express brokers".
 */
export const MSK_BROKER_TYPES: readonly string[] = [
  'kafka.t3.small',
  ...['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'].map((s) => `kafka.m5.${s}`),
  ...['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'].map((s) => `kafka.m7g.${s}`),
  ...['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'].map((s) => `express.m7g.${s}`),
];

/**
 * EMR Serverless release labels (EMR Serverless starts at 6.6.0).
 * Source: Amazon EMR Serverless User Guide, "Amazon EMR Serverless release versions".
 */
export const EMR_SERVERLESS_RELEASES: readonly string[] = [
  ...Array.from({ length: 10 }, (_, i) => `emr-6.${i + 6}.0`),
  ...Array.from({ length: 15 }, (_, i) => `emr-7.${i}.0`),
];

const GRAVITON_CACHE_SIZES = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];

/**
 * ElastiCache node types for Valkey/Redis OSS, with memory in GiB.
 * Source: Amazon ElastiCache User Guide, "Supported node types"; memory from the ElastiCache
 * pricing page's node table.
 */
export const ELASTICACHE_NODE_TYPES: Readonly<Record<string, number>> = {
  'cache.t4g.micro': 0.5,
  'cache.t4g.small': 1.37,
  'cache.t4g.medium': 3.09,
  ...Object.fromEntries(GRAVITON_CACHE_SIZES.map((s, i) => [`cache.m7g.${s}`, [6.38, 12.93, 26.04, 52.26, 103.68, 157.12, 209.55][i]])),
  ...Object.fromEntries(GRAVITON_CACHE_SIZES.map((s, i) => [`cache.r7g.${s}`, [13.07, 26.32, 52.82, 105.81, 209.55, 317.77, 419.09][i]])),
  ...Object.fromEntries(GRAVITON_CACHE_SIZES.map((s, i) => [`cache.r6g.${s}`, [13.07, 26.32, 52.82, 105.81, 209.55, 317.77, 419.09][i]])),
  ...Object.fromEntries(GRAVITON_CACHE_SIZES.map((s, i) => [`cache.m6g.${s}`, [6.38, 12.93, 26.04, 52.26, 103.68, 157.12, 209.55][i]])),
};

/**
 * SageMaker real-time hosting (and processing) instance types: vCPUs and GPUs.
 * Source: Amazon SageMaker AI pricing page, "Real-Time Inference" instance table.
 */
export const SAGEMAKER_INSTANCE_TYPES: Readonly<Record<string, { readonly vcpus: number; readonly gpus: number }>> = {
  'ml.t2.medium': { vcpus: 2, gpus: 0 },
  ...sagemakerLadder('m5', ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'], 0),
  ...sagemakerLadder('c5', ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'], 0),
  ...sagemakerLadder('m6i', ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'], 0),
  ...sagemakerLadder('c6i', ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'], 0),
  ...sagemakerLadder('c7g', ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'], 0),
  ...sagemakerLadder('g5', ['xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge'], 1),
  ...sagemakerLadder('g5', ['12xlarge', '24xlarge'], 4),
  'ml.g5.48xlarge': { vcpus: 192, gpus: 8 },
  ...sagemakerLadder('g6', ['xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge'], 1),
  ...sagemakerLadder('g6', ['12xlarge', '24xlarge'], 4),
  'ml.g6.48xlarge': { vcpus: 192, gpus: 8 },
  'ml.p4d.24xlarge': { vcpus: 96, gpus: 8 },
  'ml.p5.48xlarge': { vcpus: 192, gpus: 8 },
};

function sagemakerLadder(family: string, sizes: readonly string[], gpus: number): Record<string, { vcpus: number; gpus: number }> {
  const vcpus: Record<string, number> = {
    large: 2,
    xlarge: 4,
    '2xlarge': 8,
    '4xlarge': 16,
    '8xlarge': 32,
    '9xlarge': 36,
    '12xlarge': 48,
    '16xlarge': 64,
    '18xlarge': 72,
    '24xlarge': 96,
    '32xlarge': 128,
  };
  return Object.fromEntries(sizes.map((s) => [`ml.${family}.${s}`, { vcpus: vcpus[s], gpus }]));
}

/** "is not one AWS offers; <family> sizes: …" or the list of known values, for one-line problems. */
export function unknownValueReason(value: string, known: readonly string[], what: string): string {
  const family = value.split('.').slice(0, -1).join('.');
  const sameFamily = family ? known.filter((k) => k.startsWith(`${family}.`)) : [];
  const shown = sameFamily.length > 0 ? sameFamily : known;
  return `is not ${what} AWS offers; expected one of ${shown.join(', ')}`;
}
