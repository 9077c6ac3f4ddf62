import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('committed features configuration', () => {
  test('every environment declares the views, their source topics (all archived) and a consumer', () => {
    // GIVEN / WHEN the committed environments
    // THEN they are valid
    expect(validate(ENVIRONMENTS)).toEqual([]);
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const f = ENVIRONMENTS[env].features;
      expect(f.views.map((v) => v.name)).toEqual(['applicant_txn_aggregates']);
      expect(f.topics.map((t) => [t.name, t.archive])).toEqual([['card-transactions', true]]);
      // dev's t3.small brokers have no multi-VPC connectivity: its archive goes through a pipe
      expect(f.archiveDelivery).toBe(env === 'dev' ? 'pipe' : 'msk-source');
    }
    // AND prod replicates 3 times and runs consumers on every partition it can use
    expect(ENVIRONMENTS.prod.features.topics[0].replicationFactor).toBe(3);
    expect(ENVIRONMENTS.prod.features.consumer.replicas).toBeLessThanOrEqual(ENVIRONMENTS.prod.features.topics[0].partitions);
  });
});

describe('features rules: one line per problem naming environment, field, value and what is allowed', () => {
  test.each([
    [
      'a feature view that breaks the definition (featureViewProblems)',
      'dev',
      (c: any) =>
        (c.features.views = [{ ...c.features.views[0], features: [{ name: 's', aggregation: 'sum', field: 'status', window: '1h' }] }]),
      /^dev\.features\.views\[0\]: 'applicant_txn_aggregates' is not allowed: feature view 'applicant_txn_aggregates': feature 's': sum of field 'status' of type string; allowed on double or bigint fields$/,
    ],
    [
      'a view whose topic is not declared',
      'staging',
      (c: any) => (c.features.topics = []),
      /^staging\.features\.views\[0\]\.source\.topic: 'card-transactions' is not declared in features\.topics; declared: none$/,
    ],
    [
      'a holdout fraction of 0.7 (training sets would train on less than they hold out)',
      'staging',
      (c: any) => (c.features.trainingSetHoldoutFraction = 0.7),
      /^staging\.features\.trainingSetHoldoutFraction: 0\.7 is not allowed; expected a number from 0\.05 to 0\.5$/,
    ],
    [
      "zero partitions (the construct's check)",
      'prod',
      (c: any) => (c.features.topics[0].partitions = 0),
      /^prod\.features\.topics\[0\]\.partitions: 0 is not allowed; expected a whole number from 1 to 1000$/,
    ],
    [
      'a dead-letter topic with 2000 partitions',
      'prod',
      (c: any) => (c.features.topics[0].deadLetter.partitions = 2000),
      /^prod\.features\.topics\[0\]\.deadLetter\.partitions: 2000 is not allowed; expected a whole number from 1 to 1000$/,
    ],
    [
      'an unknown cleanup policy',
      'dev',
      (c: any) => (c.features.topics[0].cleanupPolicy = 'archive'),
      /^dev\.features\.topics\[0\]\.cleanupPolicy: 'archive' is not allowed; expected one of delete, compact, compact,delete$/,
    ],
    [
      'a schema file outside schemas/topics',
      'dev',
      (c: any) => (c.features.topics[0].schemaFile = 'card.json'),
      /^dev\.features\.topics\[0\]\.schemaFile: 'card\.json' is not allowed; expected a file schemas\/topics\/<name>\.schema\.json$/,
    ],
    [
      'a schema file that does not exist',
      'dev',
      (c: any) => (c.features.topics[0].schemaFile = 'schemas/topics/nope.schema.json'),
      /^dev\.features\.topics\[0\]\.schemaFile: 'schemas\/topics\/nope\.schema\.json' cannot be read; expected the path of the topic's JSON Schema$/,
    ],
    [
      'replication above the broker count',
      'dev',
      (c: any) => (c.features.topics[0].replicationFactor = 3),
      /^dev\.features\.topics\[0\]\.replicationFactor: 3 is not allowed; expected at most the 2 brokers of streaming\.brokerCount$/,
    ],
    [
      'replication below 3 outside dev',
      'staging',
      (c: any) => (c.features.topics[0].replicationFactor = 2),
      /^staging\.features\.topics\[0\]\.replicationFactor: 2 is not allowed; staging replicates topics 3 times$/,
    ],
    [
      "an archived topic on kafka.t3.small brokers with Firehose's MSK source",
      'dev',
      (c: any) => (c.features.archiveDelivery = 'msk-source'),
      /^dev\.features\.topics\[0\]\.archive: true is not allowed with streaming\.brokerInstanceType kafka\.t3\.small and features\.archiveDelivery 'msk-source'; MSK offers no multi-VPC connectivity there \(the Firehose MSK source needs it\): set features\.archiveDelivery to 'pipe', or use kafka\.m5\.\*, kafka\.m7g\.\* or express\.m7g\.\* brokers$/,
    ],
    [
      "an archived topic on MSK Serverless with Firehose's MSK source",
      'dev',
      (c: any) => {
        c.streaming = { mode: 'serverless' };
        c.features.archiveDelivery = 'msk-source';
      },
      /^dev\.features\.topics\[0\]\.archive: true is not allowed with streaming\.mode serverless and features\.archiveDelivery 'msk-source'; .*: set features\.archiveDelivery to 'pipe'$/,
    ],
    [
      'an unknown archive delivery',
      'prod',
      (c: any) => (c.features.archiveDelivery = 'firehose'),
      /^prod\.features\.archiveDelivery: 'firehose' is not allowed; expected one of msk-source, pipe$/,
    ],
    [
      'a consumer base image that is no image reference',
      'prod',
      (c: any) => (c.features.consumer.baseImage = 'Node 22'),
      /^prod\.features\.consumer\.baseImage: 'Node 22' is not allowed; expected an image reference/,
    ],
    [
      'one consumer in prod',
      'prod',
      (c: any) => (c.features.consumer.replicas = 1),
      /^prod\.features\.consumer\.replicas: 1 is too small; prod runs at least 2 consumers per view$/,
    ],
    [
      'a topic declared twice',
      'dev',
      (c: any) => c.features.topics.push(c.features.topics[0]),
      /^dev\.features\.topics\[1\]\.name: 'card-transactions' is declared twice; topic names must be unique$/,
    ],
  ] as Array<[string, Env, (c: any) => void, RegExp]>)('%s', (_name, env, change, line) => {
    // GIVEN one environment with the change / WHEN validated
    const problems = problemsOf(env, change);
    // THEN exactly that problem is reported, on one line
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(line);
  });

  test('a missing section is one line', () => {
    expect(problemsOf('dev', (c) => delete c.features)).toEqual(['dev.features: undefined is not allowed; the section is required']);
  });
});
