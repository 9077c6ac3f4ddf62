import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Redis from 'iovalkey';
import { type FeatureView, featureViewProblems, readSpanMs } from '../../jobs/features/definition';
import { backfill, replay } from '../../jobs/features/local';
import { type RunningRedis, startRedis } from '../../jobs/features/local-redis';
import { FeatureReader, onlineKeys } from '../../jobs/features/online/store';
import { features } from './cli';
import { generateLines } from './generate';

const T = Date.parse('2026-11-29T12:00:00Z');

/** A view using every aggregation, filter operator and a ratio with a denominator (not deployed: test only). */
const ALL_AGGREGATIONS: FeatureView = {
  name: 'parity_all_aggregations',
  description: 'Every aggregation kind, for the parity test',
  entityKeys: [{ name: 'applicant_id', type: 'string' }],
  source: { kind: 'stream', topic: 'card-transactions' },
  eventIdField: 'event_id',
  eventTimeField: 'event_time',
  fields: { merchant_id: 'string', amount: 'double', status: 'string' },
  features: [
    { name: 'count_15m', aggregation: 'count', window: '15m' },
    { name: 'min_amount_24h', aggregation: 'min', field: 'amount', window: '24h' },
    { name: 'max_amount_7d', aggregation: 'max', field: 'amount', window: '7d', filter: { field: 'status', op: '!=', value: 'approved' } },
    {
      name: 'sum_not_declined_1h',
      aggregation: 'sum',
      field: 'amount',
      window: '1h',
      filter: { field: 'status', op: '!=', value: 'declined' },
    },
    { name: 'avg_amount_1h', aggregation: 'avg', field: 'amount', window: '1h' },
    { name: 'last_merchant_1h', aggregation: 'last', field: 'merchant_id', window: '1h' },
    { name: 'last_amount_30d', aggregation: 'last', field: 'amount', window: '30d' },
    {
      name: 'distinct_approved_merchants_24h',
      aggregation: 'distinct_count',
      field: 'merchant_id',
      window: '24h',
      filter: { field: 'status', op: 'in', values: ['approved'] },
    },
    {
      name: 'approved_ratio_2h',
      aggregation: 'ratio',
      window: '2h',
      numerator: { field: 'status', op: '==', value: 'approved' },
      denominator: { field: 'status', op: 'in', values: ['approved', 'declined'] },
    },
    { name: 'sum_amount_30d', aggregation: 'sum', field: 'amount', window: '30d' },
  ],
  onlineTtlSeconds: 3600,
  offlinePartitioning: 'date',
};

let redis: RunningRedis;
let dir: string;
let file: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(path.join(tmpdir(), 'features-parity-'));
  file = path.join(dir, 'events.jsonl');
  writeFileSync(file, generateLines({ seed: 12, asOfMs: T, entities: 40, events: 4000 }).join('\n') + '\n');
});
afterAll(async () => {
  await redis?.stop();
});

test('the generated stream is messy: duplicates, invalid lines, out-of-order arrival, events after the as-of time', async () => {
  // GIVEN the generated file WHEN inspected THEN it holds every kind of mess the parity must survive
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const parsed = lines.flatMap((l) => {
    try {
      const v = JSON.parse(l);
      return v && typeof v === 'object' && !Array.isArray(v) && 'event_time' in v ? [v] : [];
    } catch {
      return [];
    }
  });
  const ids = parsed.map((v) => v.event_id);
  expect(ids.length - new Set(ids).size).toBeGreaterThan(100);
  expect(parsed.filter((v) => Date.parse(v.event_time) > T).length).toBeGreaterThan(10);
  let outOfOrder = 0;
  for (let i = 1; i < parsed.length; i++) if (Date.parse(parsed[i].event_time) < Date.parse(parsed[i - 1].event_time)) outOfOrder++;
  expect(outOfOrder).toBeGreaterThan(100);
  expect(lines.filter((l) => !l.includes('"event_id":"e-')).length).toBeGreaterThan(100);
});

test('replay into redis-server and backfill on DuckDB print identical values for every entity and feature (the CLI)', async () => {
  // GIVEN the generated file WHEN both commands run as of T
  const args = ['--group', 'applicant_txn_aggregates', '--events', file, '--as-of', '2026-11-29T12:00:00Z', '--json'];
  const online = await features(['replay', ...args, '--redis', redis.url, '--dead-letter', path.join(dir, 'r.jsonl')]);
  const offline = await features(['backfill', ...args, '--dead-letter', path.join(dir, 'b.jsonl')]);
  // THEN both succeed, cover the same 40 entities, and agree exactly; both dead-lettered the same lines
  expect(online.code).toBe(0);
  expect(offline.code).toBe(0);
  const a = JSON.parse(online.stdout);
  const b = JSON.parse(offline.stdout);
  expect(Object.keys(a)).toHaveLength(40);
  expect(a).toStrictEqual(b);
  expect(Object.values(a).some((v: any) => v.txn_count_1h > 0 && v.txn_amount_max_24h !== null)).toBe(true);
  const reasons = (f: string) => readFileSync(path.join(dir, f), 'utf8').trim().split('\n').length;
  expect(reasons('r.jsonl')).toBe(reasons('b.jsonl'));
});

test.each([
  ['as of T', T],
  ['37 minutes before T', T - 37 * 60_000],
  ['exactly one hour before T (events on the inclusive end)', T - 3_600_000],
  // The online store keeps (longest window + 1 day) behind an entity's newest event (up to T + 6h here).
  ['18 hours before T', T - 18 * 3_600_000],
  ['5 hours after T', T + 5 * 3_600_000],
])('every aggregation kind agrees between the two computations %s', async (_label, asOfMs) => {
  // GIVEN a view with every aggregation kind
  expect(featureViewProblems(ALL_AGGREGATIONS)).toStrictEqual([]);
  // WHEN the file is replayed (again: re-deliveries are harmless) and backfilled as of the time
  const asOf = new Date(asOfMs);
  const online = await replay(ALL_AGGREGATIONS, file, asOf, redis.url, path.join(dir, 'all-r.jsonl'));
  const offline = await backfill(ALL_AGGREGATIONS, file, asOf, path.join(dir, 'all-b.jsonl'));
  // THEN the vectors are identical, and non-trivial
  expect(online.vectors).toStrictEqual(offline.vectors);
  const values = Object.values(online.vectors);
  expect(values.filter((v) => v.last_merchant_1h !== null).length).toBeGreaterThan(0);
  expect(values.filter((v) => v.approved_ratio_2h !== null).length).toBeGreaterThan(0);
});

test('the Python reader for model code computes the same vectors from the documented key layout', async () => {
  // GIVEN the store the tests above filled, and each entity's raw ZRANGEBYSCORE reply as of T
  const client = new Redis(redis.url);
  try {
    const asOf = T - 37 * 60_000;
    const entities = Object.keys((await backfill(ALL_AGGREGATIONS, file, new Date(asOf), path.join(dir, 'py-b.jsonl'))).vectors);
    const replies: Record<string, string[]> = {};
    for (const e of entities)
      replies[e] = await client.zrangebyscore(
        onlineKeys(ALL_AGGREGATIONS, e).events,
        `(${asOf - readSpanMs(ALL_AGGREGATIONS)}`,
        asOf,
        'WITHSCORES',
      );
    const viewFile = path.join(dir, 'all.view.json');
    writeFileSync(viewFile, JSON.stringify(ALL_AGGREGATIONS));
    // WHEN python3 computes the vectors (jobs/features/python/feature_vector.py) and the TypeScript client reads them
    const py = spawnSync(
      'python3',
      [path.join(__dirname, '..', '..', 'jobs', 'features', 'python', 'feature_vector.py'), '--view', viewFile, '--as-of-ms', String(asOf)],
      {
        input: JSON.stringify(replies),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect(py.stderr).toBe('');
    const ts = await new FeatureReader(client, ALL_AGGREGATIONS).getMany(entities, new Date(asOf));
    // THEN they are identical for every entity and feature
    expect(Object.keys(ts)).toHaveLength(40);
    expect(JSON.parse(py.stdout)).toStrictEqual(ts);
  } finally {
    client.disconnect();
  }
});
