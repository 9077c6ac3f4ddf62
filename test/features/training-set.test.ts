import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { features } from './cli';

/*
 * Applicant A: a1 approved 100 at 10:00, a2 approved 40 at 11:30, a3 declined 5 at 12:30.
 * Label L1 at 11:00 sees only a1, and not in its 1h window (10:00, 11:00]: a1 is exactly on the
 * exclusive start (a2 and a3 are in its future).
 * Label L2 at 12:00 sees a1 and a2 (1h window (11:00, 12:00]: a2 only).
 * Label L3 at 12:30 sees all three (1h window (11:30, 12:30]: a3 only; a2 at 11:30 is excluded).
 */
const dir = mkdtempSync(path.join(tmpdir(), 'features-training-'));
const ev = (id: string, time: string, amount: number, status: string) =>
  JSON.stringify({ event_id: id, applicant_id: 'A', merchant_id: `m-${id}`, amount, status, event_time: time });
writeFileSync(
  path.join(dir, 'events.jsonl'),
  [
    ev('a3', '2026-11-29T12:30:00Z', 5, 'declined'),
    ev('a1', '2026-11-29T10:00:00Z', 100, 'approved'),
    ev('a2', '2026-11-29T11:30:00Z', 40, 'approved'),
  ].join('\n'),
);
writeFileSync(
  path.join(dir, 'labels.jsonl'),
  [
    { applicant_id: 'A', label_time: '2026-11-29T11:00:00Z', defaulted: false, id: 'L1' },
    { applicant_id: 'A', label_time: '2026-11-29T12:00:00Z', defaulted: true, id: 'L2' },
    { applicant_id: 'A', label_time: '2026-11-29T12:30:00Z', defaulted: false, id: 'L3' },
  ]
    .map((l) => JSON.stringify(l))
    .join('\n'),
);

test('every label gets the features as of its own time, nothing from its future', () => {
  // GIVEN events and three labels of one applicant WHEN the local training set is built
  const r = features([
    'training-set',
    '--group',
    'applicant_txn_aggregates',
    '--events',
    path.join(dir, 'events.jsonl'),
    '--labels',
    path.join(dir, 'labels.jsonl'),
    '--dead-letter',
    path.join(dir, 'dead.jsonl'),
  ]);
  expect(r.stderr).toBe('');
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  // THEN the label columns are kept and the features are those hand-computed above
  const pick = (x: Record<string, unknown>) => [
    x.id,
    x.defaulted,
    x.txn_count_1h,
    x.txn_amount_sum_1h,
    x.txn_count_24h,
    x.txn_amount_sum_24h,
    x.declined_ratio_30d,
  ];
  expect(rows.map(pick)).toStrictEqual([
    ['L1', false, 0, 0, 1, 100, 0],
    ['L2', true, 1, 40, 2, 140, 0],
    ['L3', false, 1, 0, 3, 140, 0.333333],
  ]);
});

test('a label without a valid label_time is a one-line error', () => {
  // GIVEN a label with a local time WHEN the training set is built THEN it names the line, field and what is allowed
  writeFileSync(path.join(dir, 'bad.jsonl'), JSON.stringify({ applicant_id: 'A', label_time: '2026-11-29 11:00' }));
  const r = features([
    'training-set',
    '--group',
    'applicant_txn_aggregates',
    '--events',
    path.join(dir, 'events.jsonl'),
    '--labels',
    path.join(dir, 'bad.jsonl'),
  ]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toMatch(/^features: --labels .*bad\.jsonl:1: label_time must be ISO-8601 UTC, got "2026-11-29 11:00"$/);
});
