import Redis from 'iovalkey';
import { type FeatureView, onlineHistoryMs } from '../../jobs/features/definition';
import type { FeatureEvent } from '../../jobs/features/events';
import { type RunningRedis, startRedis } from '../../jobs/features/local-redis';
import { FeatureReader, OnlineWriter, onlineKeys } from '../../jobs/features/online/store';
import { APPLICANT_TXN_AGGREGATES_VIEW as VIEW } from '../../lib/features';

const DAY = 86_400_000;
const T = Date.parse('2026-11-29T12:00:00Z');
const event = (id: string, timeMs: number, amount = 10): FeatureEvent => ({
  id,
  entity: 'A-1',
  entityValues: { applicant_id: 'A-1' },
  timeMs,
  attrs: { merchant_id: 'm-1', amount, status: 'approved' },
});

let redis: RunningRedis;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});
beforeEach(async () => {
  await client.flushall();
});

test('an entity keeps max(TTL, longest window) + 1 day: both keys expire that long after the last write', async () => {
  // GIVEN the committed view (TTL 2 days, longest window 30 days)
  expect(onlineHistoryMs(VIEW)).toBe(31 * DAY);
  // WHEN one event is written
  await new OnlineWriter(client, VIEW).write([event('e1', T)]);
  // THEN the events and id keys exist, with that expiry, under the documented names
  const k = onlineKeys(VIEW, 'A-1');
  expect(k).toStrictEqual({ events: 'fs:applicant_txn_aggregates:v2:{A-1}:ev', ids: 'fs:applicant_txn_aggregates:v2:{A-1}:id' });
  for (const key of [k.events, k.ids]) {
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(31 * DAY - 60_000);
    expect(ttl).toBeLessThanOrEqual(31 * DAY);
  }
  expect(await client.zrange(k.events, 0, -1)).toStrictEqual(['["e1",10,"m-1","approved"]']);
});

test('a view whose TTL exceeds its windows keeps entities for the TTL', () => {
  // GIVEN a view with a 1h window and a 7-day TTL WHEN its history is computed THEN TTL + 1 day
  const v: FeatureView = { ...VIEW, onlineTtlSeconds: 7 * 86_400, features: [{ name: 'c', aggregation: 'count', window: '1h' }] };
  expect(onlineHistoryMs(v)).toBe(8 * DAY);
});

test('duplicates count once, events older than the kept history are dropped, and trimmed events leave the dedupe set', async () => {
  // GIVEN an entity with an event at T − 31.5 days (inside the history while it is the newest)
  const w = new OnlineWriter(client, VIEW);
  expect(await w.write([event('old', T - 31.5 * DAY), event('old', T - 31.5 * DAY)])).toStrictEqual({
    counted: 1,
    duplicates: 1,
    tooOld: 0,
  });
  // WHEN a newer event moves the history past it, then an even older event arrives
  expect(await w.write([event('new', T), event('older', T - 32 * DAY)])).toStrictEqual({ counted: 1, duplicates: 0, tooOld: 1 });
  // THEN only the new event remains, in the sorted set and in the dedupe hash
  const k = onlineKeys(VIEW, 'A-1');
  expect(await client.hkeys(k.ids)).toStrictEqual(['new']);
  expect(await client.zcard(k.events)).toBe(1);
  const v = await new FeatureReader(client, VIEW).get('A-1', new Date(T));
  expect(v.txn_count_30d).toBe(1);
});

test('the read client batches entities and reads as of now by default', async () => {
  // GIVEN events of two entities a few seconds ago and one unknown entity
  const now = Date.now();
  await new OnlineWriter(client, VIEW).write([
    event('a', now - 5_000, 12.5),
    { ...event('b', now - 2_000, 7), entity: 'A-2', entityValues: { applicant_id: 'A-2' } },
  ]);
  // WHEN read without an as-of time
  const v = await new FeatureReader(client, VIEW).getMany(['A-1', 'A-2', 'A-3']);
  // THEN each has its own last-hour values and the unknown one the "none" values
  expect([v['A-1'].txn_count_1h, v['A-1'].txn_amount_sum_1h]).toStrictEqual([1, 12.5]);
  expect([v['A-2'].txn_count_1h, v['A-2'].txn_amount_max_24h]).toStrictEqual([1, 7]);
  expect([v['A-3'].txn_count_1h, v['A-3'].txn_amount_sum_1h, v['A-3'].txn_amount_avg_30d]).toStrictEqual([0, 0, null]);
});
