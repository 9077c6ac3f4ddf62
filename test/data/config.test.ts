import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('committed data configuration', () => {
  test('prod runs a provisioned cluster of at least 3 brokers, a multiple of its AZs', () => {
    const s = ENVIRONMENTS.prod.streaming;
    expect(s.mode).toBe('provisioned');
    if (s.mode !== 'provisioned') return;
    expect(s.brokerCount).toBeGreaterThanOrEqual(3);
    expect(s.brokerCount % ENVIRONMENTS.prod.availabilityZones.length).toBe(0);
  });

  test('dev is cheap: small brokers (or serverless) and Spark scales to zero', () => {
    const s = ENVIRONMENTS.dev.streaming;
    if (s.mode === 'provisioned') {
      expect(s.brokerInstanceType).toBe('kafka.t3.small');
      expect(s.brokerCount).toBe(ENVIRONMENTS.dev.availabilityZones.length);
    }
    expect(ENVIRONMENTS.dev.spark.initialDrivers + ENVIRONMENTS.dev.spark.initialExecutors).toBe(0);
  });

  test('MSK Serverless is a valid dev choice', () => {
    expect(problemsOf('dev', (c) => (c.streaming = { mode: 'serverless' }))).toEqual([]);
  });
});

describe('data rules', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    // Lake.
    [
      'IA transition before 30 days',
      'prod',
      (c) => (c.lake.lifecycle.raw.infrequentAccessAfterDays = 10),
      'prod.lake.lifecycle.raw.infrequentAccessAfterDays: 10 is not allowed; S3 moves objects to Standard-IA after 30 days at the earliest',
    ],
    [
      'negative IA days',
      'dev',
      (c) => (c.lake.lifecycle.curated.infrequentAccessAfterDays = -1),
      'dev.lake.lifecycle.curated.infrequentAccessAfterDays: -1 is not allowed; expected a whole number from 0 to 3650',
    ],
    [
      'archive before IA + 30 days',
      'staging',
      (c) => (c.lake.lifecycle.raw.archiveAfterDays = 45),
      'staging.lake.lifecycle.raw.archiveAfterDays: 45 must be at least 30 days after infrequentAccessAfterDays (30)',
    ],
    [
      'fractional archive days',
      'prod',
      (c) => (c.lake.lifecycle.raw.archiveAfterDays = 180.5),
      'prod.lake.lifecycle.raw.archiveAfterDays: 180.5 is not allowed; expected a whole number from 0 to 3650',
    ],
    [
      'expiry before the archive transition',
      'prod',
      (c) => (c.lake.lifecycle.raw.expireAfterDays = 100),
      'prod.lake.lifecycle.raw.expireAfterDays: 100 must be later than the last transition (day 180)',
    ],
    [
      'noncurrent versions kept 0 days',
      'dev',
      (c) => (c.lake.lifecycle.models.noncurrentVersionExpirationDays = 0),
      'dev.lake.lifecycle.models.noncurrentVersionExpirationDays: 0 is not allowed; expected a whole number from 1 to 3650',
    ],
    [
      'prod expiring models',
      'prod',
      (c) => (c.lake.lifecycle.models.expireAfterDays = 3650),
      'prod.lake.lifecycle.models.expireAfterDays: 3650 is not allowed; prod keeps models data (expected 0)',
    ],
    [
      'staging expiring curated data',
      'staging',
      (c) => (c.lake.lifecycle.curated.expireAfterDays = 400),
      'staging.lake.lifecycle.curated.expireAfterDays: 400 is not allowed; staging keeps curated data (expected 0)',
    ],
    ['missing zone lifecycle', 'dev', (c) => delete c.lake.lifecycle.features, 'dev.lake.lifecycle.features: undefined is missing'],
    [
      'catalog flag not a boolean',
      'dev',
      (c) => (c.lake.encryptCatalog = 'yes'),
      "dev.lake.encryptCatalog: 'yes' is not allowed; expected true or false",
    ],
    // Streaming.
    [
      'unknown mode',
      'dev',
      (c) => (c.streaming.mode = 'kinesis'),
      "dev.streaming.mode: 'kinesis' is not allowed; expected one of 'provisioned', 'serverless'",
    ],
    [
      'serverless in prod',
      'prod',
      (c) => (c.streaming = { mode: 'serverless' }),
      "prod.streaming.mode: 'serverless' is not allowed in prod; MSK Serverless is for dev, prod needs a provisioned cluster",
    ],
    [
      'serverless in staging',
      'staging',
      (c) => (c.streaming = { mode: 'serverless' }),
      "staging.streaming.mode: 'serverless' is not allowed in staging",
    ],
    [
      'broker count not a multiple of the AZs',
      'prod',
      (c) => (c.streaming.brokerCount = 4),
      'prod.streaming.brokerCount: 4 is not a multiple of the 3 AZs',
    ],
    [
      'dev brokers not a multiple of 2 AZs',
      'dev',
      (c) => (c.streaming.brokerCount = 3),
      'dev.streaming.brokerCount: 3 is not a multiple of the 2 AZs',
    ],
    [
      'zero brokers',
      'staging',
      (c) => (c.streaming.brokerCount = 0),
      'staging.streaming.brokerCount: 0 is not allowed; expected a whole number from 1 to 60',
    ],
    [
      'prod with fewer than 3 brokers',
      'prod',
      (c) => {
        c.availabilityZones = ['eu-west-1a', 'eu-west-1b'];
        c.network.natGateways = 2;
        c.streaming.brokerCount = 2;
      },
      'prod.streaming.brokerCount: 2 is too small; prod needs at least 3 brokers (replication factor 3)',
    ],
    [
      'EC2 instance type for a broker',
      'prod',
      (c) => (c.streaming.brokerInstanceType = 'm5.large'),
      "prod.streaming.brokerInstanceType: 'm5.large' is not allowed; expected an MSK broker type",
    ],
    [
      'typo in the broker size',
      'staging',
      (c) => (c.streaming.brokerInstanceType = 'kafka.m7g.larg'),
      "staging.streaming.brokerInstanceType: 'kafka.m7g.larg' is not allowed",
    ],
    [
      'size m7g does not come in',
      'staging',
      (c) => (c.streaming.brokerInstanceType = 'kafka.m7g.24xlarge'),
      "staging.streaming.brokerInstanceType: 'kafka.m7g.24xlarge' is not allowed",
    ],
    [
      'unknown express size',
      'prod',
      (c) => (c.streaming.brokerInstanceType = 'express.m7g.medium'),
      "prod.streaming.brokerInstanceType: 'express.m7g.medium' is not allowed; expected an Express broker type",
    ],
    [
      'express brokers with 2 AZs',
      'dev',
      (c) => (c.streaming.brokerInstanceType = 'express.m7g.large'),
      "dev.streaming.brokerInstanceType: 'express.m7g.large' needs exactly 3 AZs (express brokers); dev has 2",
    ],
    [
      'burstable brokers in prod',
      'prod',
      (c) => (c.streaming.brokerInstanceType = 'kafka.t3.small'),
      "prod.streaming.brokerInstanceType: 'kafka.t3.small' is not allowed in prod; kafka.t3.small is burstable and for dev only",
    ],
    [
      'bad Kafka version',
      'prod',
      (c) => (c.streaming.kafkaVersion = 'latest'),
      "prod.streaming.kafkaVersion: 'latest' is not allowed; expected an MSK Kafka version",
    ],
    [
      'volume too large',
      'prod',
      (c) => (c.streaming.volumeSizeGiB = 20000),
      'prod.streaming.volumeSizeGiB: 20000 is not allowed; expected a whole number from 1 to 16384',
    ],
    [
      'unknown monitoring level',
      'staging',
      (c) => (c.streaming.monitoring = 'FULL'),
      "staging.streaming.monitoring: 'FULL' is not allowed; expected one of 'DEFAULT'",
    ],
    [
      'retention beyond a year',
      'dev',
      (c) => (c.streaming.logRetentionHours = 10000),
      'dev.streaming.logRetentionHours: 10000 is not allowed; expected a whole number from 1 to 8760',
    ],
    [
      'retention of zero hours',
      'staging',
      (c) => (c.streaming.logRetentionHours = 0),
      'staging.streaming.logRetentionHours: 0 is not allowed',
    ],
    [
      'prod retention under a week',
      'prod',
      (c) => (c.streaming.logRetentionHours = 48),
      'prod.streaming.logRetentionHours: 48 is too short; prod keeps events at least 168 hours (7 days) for replay',
    ],
    // Spark.
    [
      'release label not emr-',
      'prod',
      (c) => (c.spark.releaseLabel = 'spark-3.5.1'),
      "prod.spark.releaseLabel: 'spark-3.5.1' is not allowed; expected an EMR release label",
    ],
    ['release label without patch', 'dev', (c) => (c.spark.releaseLabel = 'emr-7.9'), "dev.spark.releaseLabel: 'emr-7.9' is not allowed"],
    [
      'unknown architecture',
      'dev',
      (c) => (c.spark.architecture = 'ARM'),
      "dev.spark.architecture: 'ARM' is not allowed; expected one of 'ARM64', 'X86_64'",
    ],
    [
      'worker vCPUs not offered',
      'prod',
      (c) => (c.spark.worker.cpu = 6),
      'prod.spark.worker.cpu: 6 is not allowed; expected one of 1, 2, 4, 8, 16',
    ],
    [
      'worker memory out of range',
      'prod',
      (c) => (c.spark.worker.memoryGiB = 64),
      'prod.spark.worker.memoryGiB: 64 is not allowed; a 4-vCPU worker takes 8 to 30 GiB',
    ],
    [
      'worker disk too large',
      'dev',
      (c) => (c.spark.worker.diskGiB = 500),
      'dev.spark.worker.diskGiB: 500 is not allowed; expected a whole number from 20 to 200',
    ],
    [
      'executors without a driver',
      'staging',
      (c) => (c.spark.initialExecutors = 2),
      'staging.spark.initialDrivers: 0 is not allowed; 2 initial executors need at least one initial driver',
    ],
    [
      'negative drivers',
      'dev',
      (c) => (c.spark.initialDrivers = -1),
      'dev.spark.initialDrivers: -1 is not allowed; expected a whole number from 0 to 100',
    ],
    [
      'maximum capacity below initial capacity',
      'prod',
      (c) => (c.spark.maximumCapacity.cpu = 16),
      'prod.spark.maximumCapacity.cpu: 16 is too small for the initial capacity: 5 worker(s) x 4 = 20',
    ],
    [
      'maximum memory below one worker',
      'dev',
      (c) => (c.spark.maximumCapacity.memoryGiB = 8),
      'dev.spark.maximumCapacity.memoryGiB: 8 is too small for the initial capacity: 1 worker(s) x 16 = 16',
    ],
    [
      'maximum vCPUs above the quota',
      'prod',
      (c) => (c.spark.maximumCapacity.cpu = 5000),
      'prod.spark.maximumCapacity.cpu: 5000 is not allowed; expected a whole number from 1 to 2000',
    ],
    [
      'idle timeout of zero',
      'dev',
      (c) => (c.spark.idleTimeoutMinutes = 0),
      'dev.spark.idleTimeoutMinutes: 0 is not allowed; expected a whole number from 1 to 10080',
    ],
    [
      'topic pattern with a slash',
      'prod',
      (c) => (c.spark.consumeTopicPattern = 'events/*'),
      "prod.spark.consumeTopicPattern: 'events/*' is not allowed; expected a Kafka topic pattern",
    ],
    [
      'empty consumer group pattern',
      'prod',
      (c) => (c.spark.consumerGroupPattern = ''),
      "prod.spark.consumerGroupPattern: '' is not allowed",
    ],
  ];
  test.each(cases)('%s', (_title, env, change, message) => {
    const problems = problemsOf(env, change);
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('every data problem is reported at once, one line each', () => {
    const problems = problemsOf('prod', (c) => {
      c.streaming.brokerCount = 4;
      c.spark.releaseLabel = 'emr-latest';
      c.lake.lifecycle.raw.infrequentAccessAfterDays = 5;
    });
    expect(problems).toHaveLength(3);
    for (const line of problems) expect(line).toMatch(/^prod\.(streaming|spark|lake)\.[\w.]+: .+/);
  });
});
