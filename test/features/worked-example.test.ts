import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type RunningRedis, startRedis } from '../../jobs/features/local-redis';
import { features } from './cli';

/*
 * The worked example of issue 12 (item 7), values computed by hand. As of T = 2026-11-29T12:00:00Z:
 * 1h window (2026-11-29T11:00:00Z, T], 24h window (2026-11-28T12:00:00Z, T], 30d window
 * (2026-10-30T12:00:00Z, T] (November has 30 days). File order below is arrival order.
 *
 * A1 (line: id time merchant amount status → in 1h / 24h / 30d)
 *   a1  11:30:00              m1 100    approved → 1h 24h 30d
 *   a3  12:00:00 (= T)        m3  25.5  declined → 1h 24h 30d   (the end is inclusive)
 *   a2  11:00:00 (= T − 1h)   m2  50    approved → 24h 30d      (arrives after a3: out of order; the start is exclusive)
 *   a4  11-28T12:00:00.001Z   m1 200    approved → 24h 30d
 *   a5  11-28T12:00:00 (=T−24h) m4 300  approved → 30d
 *   a6  11-10T08:00:00        m2  10    declined → 30d
 *   a7  10-30T12:00:00 (=T−30d) m5 999  approved → none
 *   a1 again (re-delivery)                       → counted once
 *   a8  12:00:00.001Z (after T) m6 70   approved → none
 *   a9  amount -5 (breaks the schema), a10 status 'pending' → dead letter, never counted
 *  txn_count_1h = 2 (a1, a3); txn_amount_sum_1h = 100 (a1; a3 is declined)
 *  txn_count_24h = 4 (a1 a3 a2 a4); txn_amount_sum_24h = 100 + 50 + 200 = 350; txn_amount_max_24h = 200
 *  txn_count_30d = 6 (+ a5 a6); txn_amount_avg_30d = (100 + 50 + 200 + 300) / 4 = 162.5
 *  distinct_merchants_30d = 4 (m1 m3 m2 m4); declined_ratio_30d = 2 / 6 (a3, a6) = 0.333333 (6 decimals)
 * A2: b1 11:45 m1 12.34 declined, b2 11:50 m1 7.66 declined
 *  counts 2/2/2, sums 0 (0 when none), max_24h null, avg_30d null (null when none), distinct 1, ratio 2/2 = 1
 * A3: c1 0.1 and c2 0.2, both approved at 11:59 from m7 and m8, and c3 at 12:30 (after T)
 *  counts 2/2/2, sum_1h = sum_24h = 0.3 (not 0.30000000000000004: doubles have 6 decimals),
 *  max 0.2, avg 0.15, distinct 2, ratio 0
 * A4: only d1 at 13:00 (after T) → counts 0, sums 0, max/avg/ratio null, distinct 0
 */
const ev = (id: string, applicant: string, time: string, merchant: string, amount: number, status: string) =>
  JSON.stringify({ event_id: id, applicant_id: applicant, merchant_id: merchant, amount, status, event_time: time });
const LINES = [
  ev('a1', 'A1', '2026-11-29T11:30:00Z', 'm1', 100, 'approved'),
  ev('a3', 'A1', '2026-11-29T12:00:00Z', 'm3', 25.5, 'declined'),
  ev('a2', 'A1', '2026-11-29T11:00:00Z', 'm2', 50, 'approved'),
  ev('a4', 'A1', '2026-11-28T12:00:00.001Z', 'm1', 200, 'approved'),
  ev('a5', 'A1', '2026-11-28T12:00:00Z', 'm4', 300, 'approved'),
  ev('a6', 'A1', '2026-11-10T08:00:00Z', 'm2', 10, 'declined'),
  ev('a7', 'A1', '2026-10-30T12:00:00Z', 'm5', 999, 'approved'),
  ev('a1', 'A1', '2026-11-29T11:30:00Z', 'm1', 100, 'approved'),
  ev('a8', 'A1', '2026-11-29T12:00:00.001Z', 'm6', 70, 'approved'),
  ev('a9', 'A1', '2026-11-29T11:40:00Z', 'm1', -5, 'approved'),
  ev('a10', 'A1', '2026-11-29T11:41:00Z', 'm1', 5, 'pending'),
  ev('b1', 'A2', '2026-11-29T11:45:00Z', 'm1', 12.34, 'declined'),
  ev('b2', 'A2', '2026-11-29T11:50:00Z', 'm1', 7.66, 'declined'),
  ev('c1', 'A3', '2026-11-29T11:59:00Z', 'm7', 0.1, 'approved'),
  ev('c2', 'A3', '2026-11-29T11:59:00Z', 'm8', 0.2, 'approved'),
  ev('c3', 'A3', '2026-11-29T12:30:00Z', 'm7', 1, 'approved'),
  ev('d1', 'A4', '2026-11-29T13:00:00Z', 'm1', 5, 'approved'),
];

const EXPECTED = {
  A1: {
    txn_count_1h: 2,
    txn_amount_sum_1h: 100,
    txn_count_24h: 4,
    txn_amount_sum_24h: 350,
    txn_amount_max_24h: 200,
    txn_count_30d: 6,
    txn_amount_avg_30d: 162.5,
    distinct_merchants_30d: 4,
    declined_ratio_30d: 0.333333,
  },
  A2: {
    txn_count_1h: 2,
    txn_amount_sum_1h: 0,
    txn_count_24h: 2,
    txn_amount_sum_24h: 0,
    txn_amount_max_24h: null,
    txn_count_30d: 2,
    txn_amount_avg_30d: null,
    distinct_merchants_30d: 1,
    declined_ratio_30d: 1,
  },
  A3: {
    txn_count_1h: 2,
    txn_amount_sum_1h: 0.3,
    txn_count_24h: 2,
    txn_amount_sum_24h: 0.3,
    txn_amount_max_24h: 0.2,
    txn_count_30d: 2,
    txn_amount_avg_30d: 0.15,
    distinct_merchants_30d: 2,
    declined_ratio_30d: 0,
  },
  A4: {
    txn_count_1h: 0,
    txn_amount_sum_1h: 0,
    txn_count_24h: 0,
    txn_amount_sum_24h: 0,
    txn_amount_max_24h: null,
    txn_count_30d: 0,
    txn_amount_avg_30d: null,
    distinct_merchants_30d: 0,
    declined_ratio_30d: null,
  },
};

let redis: RunningRedis;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(path.join(tmpdir(), 'features-worked-'));
  writeFileSync(path.join(dir, 'events.jsonl'), LINES.join('\n') + '\n');
});
afterAll(async () => {
  await redis?.stop();
});

const common = ['--group', 'applicant_txn_aggregates', '--as-of', '2026-11-29T12:00:00Z', '--json'];

test('replay (streaming computation into a real redis-server) gives the hand-computed values', async () => {
  // GIVEN the worked example's events WHEN replayed into Redis and read as of T
  const dead = path.join(dir, 'replay-dead.jsonl');
  const r = await features(['replay', ...common, '--events', path.join(dir, 'events.jsonl'), '--redis', redis.url, '--dead-letter', dead]);
  // THEN the output is exactly the hand-computed vectors, and the two bad lines are dead letters with reasons
  expect(r.stderr).not.toMatch(/features:/);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toStrictEqual(EXPECTED);
  const letters = readFileSync(dead, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(letters.map((l) => l.reason)).toStrictEqual([
    "field 'amount' must be >= 0, got -5",
    'field \'status\' must be one of approved, declined, got "pending"',
  ]);
});

test('backfill (the generated SQL on DuckDB) gives the same hand-computed values', async () => {
  // GIVEN the same file WHEN computed through the batch path
  const dead = path.join(dir, 'backfill-dead.jsonl');
  const r = await features(['backfill', ...common, '--events', path.join(dir, 'events.jsonl'), '--dead-letter', dead]);
  // THEN the same values and the same dead letters
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toStrictEqual(EXPECTED);
  expect(readFileSync(dead, 'utf8').trim().split('\n')).toHaveLength(2);
});

test('a read later in time drops what left the window (the 1h count decays without new events)', async () => {
  // GIVEN the events already in Redis (previous test) WHEN read as of T + 30 min
  const r = await features([
    'replay',
    '--group',
    'applicant_txn_aggregates',
    '--as-of',
    '2026-11-29T12:30:00Z',
    '--json',
    '--events',
    path.join(dir, 'events.jsonl'),
    '--redis',
    redis.url,
    '--dead-letter',
    path.join(dir, 'later-dead.jsonl'),
  ]);
  // THEN A1's 1h window (11:30, 12:30] holds a3 and a8 (a1 at 11:30 left it), the re-replay counted nothing twice
  const out = JSON.parse(r.stdout);
  expect(out.A1.txn_count_1h).toBe(2);
  expect(out.A1.txn_amount_sum_1h).toBe(70);
  expect(out.A1.txn_count_30d).toBe(7);
  expect(out.A3.txn_count_1h).toBe(3);
});
