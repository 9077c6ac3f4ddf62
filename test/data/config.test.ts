import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('committed data configuration', () => {
  test('dev is cheap: Spark scales to zero', () => {
    // THEN
    expect(ENVIRONMENTS.dev.spark.initialDrivers + ENVIRONMENTS.dev.spark.initialExecutors).toBe(0);
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
    // WHEN
    const problems = problemsOf(env, change);
    // THEN
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('every data problem is reported at once, one line each', () => {
    // GIVEN / WHEN
    const problems = problemsOf('prod', (c) => {
      c.streaming.brokerCount = 4;
      c.spark.releaseLabel = 'emr-latest';
      c.lake.lifecycle.raw.infrequentAccessAfterDays = 5;
    });
    // THEN
    expect(problems).toHaveLength(3);
    for (const line of problems) expect(line).toMatch(/^prod\.(streaming|spark|lake)\.[\w.]+: .+/);
  });
});
