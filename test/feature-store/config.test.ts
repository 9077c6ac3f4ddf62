import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

function problemsOf(name: 'dev' | 'staging' | 'prod', change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

const group = (c: any) => c.featureStore.featureGroups[0];
/** Feature groups are shared between environments: copy before changing one. */
const withGroup = (change: (g: any) => void) => (c: any) => {
  c.featureStore.featureGroups = [structuredClone(group(c))];
  change(group(c));
};

describe('feature store config', () => {
  test('prod and staging are Multi-AZ with replicas and 15+ days of snapshots; dev is one small node', () => {
    // THEN
    for (const env of ['staging', 'prod'] as const) {
      expect(ENVIRONMENTS[env].featureStore.multiAz).toBe(true);
      expect(ENVIRONMENTS[env].featureStore.replicasPerShard).toBeGreaterThanOrEqual(1);
      expect(ENVIRONMENTS[env].featureStore.snapshotRetentionDays).toBeGreaterThanOrEqual(15);
    }
    expect(ENVIRONMENTS.dev.featureStore).toMatchObject({ shards: 1, replicasPerShard: 0, multiAz: false });
  });

  test('every environment declares the worked example feature group', () => {
    // THEN
    for (const env of Object.values(ENVIRONMENTS)) {
      expect(env.featureStore.featureGroups.map((g) => g.name)).toContain('applicant_txn_aggregates');
    }
  });

  const cases: Array<[string, 'dev' | 'staging' | 'prod', (c: any) => void, string]> = [
    [
      'unknown engine',
      'dev',
      (c) => (c.featureStore.engine = 'memcached'),
      "dev.featureStore.engine: 'memcached' is not allowed; expected one of 'valkey', 'redis'",
    ],
    [
      'old node type',
      'dev',
      (c) => (c.featureStore.nodeType = 'cache.m3.medium'),
      "dev.featureStore.nodeType: 'cache.m3.medium' is not allowed; expected a current ElastiCache node type",
    ],
    [
      'typo in node type',
      'prod',
      (c) => (c.featureStore.nodeType = 'cache.r7g.xlarg'),
      "prod.featureStore.nodeType: 'cache.r7g.xlarg' is not allowed",
    ],
    [
      'no shards',
      'dev',
      (c) => (c.featureStore.shards = 0),
      'dev.featureStore.shards: 0 is not allowed; expected a whole number from 1 to 500',
    ],
    [
      'too many replicas',
      'dev',
      (c) => (c.featureStore.replicasPerShard = 6),
      'dev.featureStore.replicasPerShard: 6 is not allowed; expected a whole number from 0 to 5',
    ],
    [
      'Multi-AZ without replicas',
      'dev',
      (c) => (c.featureStore.multiAz = true),
      'dev.featureStore.replicasPerShard: 0 is not allowed; multiAz needs at least 1 replica per shard',
    ],
    [
      'staging without Multi-AZ',
      'staging',
      (c) => (c.featureStore.multiAz = false),
      'staging.featureStore.multiAz: false is not allowed; staging needs Multi-AZ',
    ],
    [
      'prod with a week of snapshots',
      'prod',
      (c) => (c.featureStore.snapshotRetentionDays = 7),
      'prod.featureStore.snapshotRetentionDays: 7 is too short; prod keeps at least 15 days',
    ],
    [
      'snapshots beyond 35 days',
      'dev',
      (c) => (c.featureStore.snapshotRetentionDays = 36),
      'dev.featureStore.snapshotRetentionDays: 36 is not allowed',
    ],
    ['prod with one replica', 'prod', (c) => (c.featureStore.replicasPerShard = 1), 'prod.featureStore.replicasPerShard: 1 is too few'],
    [
      'prod on burstable nodes',
      'prod',
      (c) => (c.featureStore.nodeType = 'cache.t4g.medium'),
      "prod.featureStore.nodeType: 'cache.t4g.medium' is not allowed in prod",
    ],
    [
      'group name in camelCase',
      'dev',
      withGroup((g) => (g.name = 'ApplicantTxn')),
      "dev.featureStore.featureGroups[0].name: 'ApplicantTxn' is not allowed; expected snake_case",
    ],
    [
      'no entity key',
      'dev',
      withGroup((g) => (g.entityKeys = [])),
      'dev.featureStore.featureGroups[0].entityKeys: [] has 0 keys; expected 1 to 3',
    ],
    [
      'entity key of type double',
      'dev',
      withGroup((g) => (g.entityKeys = [{ name: 'id', type: 'double' }])),
      "dev.featureStore.featureGroups[0].entityKeys[0].type: 'double' is not allowed; expected one of string, bigint",
    ],
    [
      'feature of unknown type',
      'dev',
      withGroup((g) => (g.features[0].type = 'decimal')),
      "dev.featureStore.featureGroups[0].features[0].type: 'decimal' is not allowed",
    ],
    [
      'feature named with a dash',
      'dev',
      withGroup((g) => (g.features[0].name = 'txn-count')),
      "dev.featureStore.featureGroups[0].features[0].name: 'txn-count' is not allowed",
    ],
    [
      'feature declared twice',
      'dev',
      withGroup((g) => (g.features[1].name = g.features[0].name)),
      'dev.featureStore.featureGroups[0].features: ["txn_count_1h"] are declared twice',
    ],
    [
      'reserved column',
      'dev',
      withGroup((g) => (g.features[0].name = 'event_time')),
      'dev.featureStore.featureGroups[0].features: ["event_time"] use reserved column names',
    ],
    [
      'TTL under a minute',
      'dev',
      withGroup((g) => (g.onlineTtlSeconds = 30)),
      'dev.featureStore.featureGroups[0].onlineTtlSeconds: 30 is not allowed; expected whole seconds from 60',
    ],
    [
      'TTL over 30 days',
      'dev',
      withGroup((g) => (g.onlineTtlSeconds = 31 * 86400)),
      'dev.featureStore.featureGroups[0].onlineTtlSeconds: 2678400 is not allowed',
    ],
    [
      'topic with a space',
      'dev',
      withGroup((g) => (g.source = { kind: 'stream', topic: 'card transactions' })),
      "dev.featureStore.featureGroups[0].source.topic: 'card transactions' is not a Kafka topic name",
    ],
    [
      'batch source in an unknown zone',
      'dev',
      withGroup((g) => (g.source = { kind: 'batch', zone: 'gold', table: 'x' })),
      "dev.featureStore.featureGroups[0].source.zone: 'gold' is not allowed",
    ],
    [
      'unknown partitioning',
      'dev',
      withGroup((g) => (g.offlinePartitioning = 'month')),
      "dev.featureStore.featureGroups[0].offlinePartitioning: 'month' is not allowed",
    ],
    [
      'two groups with one name',
      'dev',
      (c) => (c.featureStore.featureGroups = [group(c), group(c)]),
      "dev.featureStore.featureGroups[1].name: 'applicant_txn_aggregates' is declared twice",
    ],
  ];
  test.each(cases)('%s', (_title, env, change, message) => {
    // THEN
    expect(problemsOf(env, change)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });
});
