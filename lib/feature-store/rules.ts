import { featureGroupProblems, ONLINE_STORE_NODE_TYPE } from '../../constructs/featurestore';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';

/** Environments whose online store must survive an AZ failure. */
const RESILIENT = new Set<EnvironmentConfig['name']>(['staging', 'prod']);

export function checkFeatureStore(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('featureStore', c.featureStore)) return;
  const fs = c.featureStore;
  p.oneOf('featureStore.engine', fs.engine, ['valkey', 'redis']);
  p.matches(
    'featureStore.nodeType',
    fs.nodeType,
    ONLINE_STORE_NODE_TYPE,
    'a current ElastiCache node type such as cache.r7g.large or cache.t4g.small',
  );
  p.integer('featureStore.shards', fs.shards, 1, 500);
  if (p.integer('featureStore.replicasPerShard', fs.replicasPerShard, 0, 5) && fs.multiAz) {
    p.check(
      fs.replicasPerShard >= 1,
      'featureStore.replicasPerShard',
      fs.replicasPerShard,
      'is not allowed; multiAz needs at least 1 replica per shard',
    );
  }
  p.integer('featureStore.snapshotRetentionDays', fs.snapshotRetentionDays, 0, 35);
  if (RESILIENT.has(c.name)) {
    p.check(fs.multiAz === true, 'featureStore.multiAz', fs.multiAz, `is not allowed; ${c.name} needs Multi-AZ with automatic failover`);
    p.check(
      fs.snapshotRetentionDays >= 15,
      'featureStore.snapshotRetentionDays',
      fs.snapshotRetentionDays,
      `is too short; ${c.name} keeps at least 15 days of snapshots`,
    );
  }
  if (c.name === 'prod') {
    p.check(
      fs.replicasPerShard >= 2,
      'featureStore.replicasPerShard',
      fs.replicasPerShard,
      'is too few; prod keeps 2 replicas per shard so a failover still leaves a replica',
    );
    p.check(
      !fs.nodeType.startsWith('cache.t4g.'),
      'featureStore.nodeType',
      fs.nodeType,
      'is not allowed in prod; burstable nodes throttle under sustained load',
    );
  }

  const names = new Set<string>();
  fs.featureGroups.forEach((group, i) => {
    const field = `featureStore.featureGroups[${i}]`;
    for (const problem of featureGroupProblems(group)) p.add(`${field}.${problem.field}`, problem.value, problem.message);
    p.check(!names.has(group.name), `${field}.name`, group.name, 'is declared twice; feature group names are unique per environment');
    names.add(group.name);
  });
}
