import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('committed streaming configuration', () => {
  test('prod runs a provisioned cluster of at least 3 brokers, a multiple of its AZs', () => {
    // GIVEN
    const s = ENVIRONMENTS.prod.streaming;
    // THEN
    expect(s.mode).toBe('provisioned');
    if (s.mode !== 'provisioned') return;
    expect(s.brokerCount).toBeGreaterThanOrEqual(3);
    expect(s.brokerCount % ENVIRONMENTS.prod.availabilityZones.length).toBe(0);
  });

  test('dev: one small broker per AZ (no multi-VPC connectivity, so dev archives its topics through pipes: its idle budget)', () => {
    const s = ENVIRONMENTS.dev.streaming;
    expect(s.mode).toBe('provisioned');
    if (s.mode !== 'provisioned') return;
    expect(s.brokerInstanceType).toBe('kafka.t3.small');
    expect(ENVIRONMENTS.dev.features.topics.every((t) => t.archive)).toBe(true);
    expect(ENVIRONMENTS.dev.features.archiveDelivery).toBe('pipe');
    expect(s.brokerCount).toBe(ENVIRONMENTS.dev.availabilityZones.length);
  });

  test('MSK Serverless is a valid dev choice when no topic is archived, or when they are archived through pipes', () => {
    // GIVEN / WHEN: dev switched to MSK Serverless, its topics not archived
    const problems = problemsOf('dev', (c) => {
      c.streaming = { mode: 'serverless' };
      c.features = { ...c.features, topics: c.features.topics.map((t: any) => ({ ...t, archive: false })) };
    });
    // THEN
    expect(problems).toEqual([]);
    expect(problemsOf('dev', (c) => (c.streaming = { mode: 'serverless' }))).toEqual([]);
  });
});

describe('streaming rules', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
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
  ];
  test.each(cases)('%s', (_title, env, change, message) => {
    // GIVEN: one committed environment with one change
    // WHEN
    const problems = problemsOf(env, change);
    // THEN: the problem names the environment, the field, the value and what is allowed
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });
});
