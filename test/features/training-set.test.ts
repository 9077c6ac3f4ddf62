import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** `features training-set` of the committed view over the events above, with these labels and options. */
const trainingSet = (labelsFile: string, ...options: string[]) =>
  features([
    'training-set',
    '--group',
    'applicant_txn_aggregates',
    '--events',
    path.join(dir, 'events.jsonl'),
    '--labels',
    labelsFile,
    ...options,
  ]);

test('every label gets the features as of its own time, nothing from its future', async () => {
  // GIVEN events and three labels of one applicant WHEN the local training set is built
  const r = await trainingSet(path.join(dir, 'labels.jsonl'), '--dead-letter', path.join(dir, 'dead.jsonl'));
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

test('a label without a valid label_time is a one-line error', async () => {
  // GIVEN a label with a local time WHEN the training set is built THEN it names the line, field and what is allowed
  writeFileSync(path.join(dir, 'bad.jsonl'), JSON.stringify({ applicant_id: 'A', label_time: '2026-11-29 11:00' }));
  const r = await trainingSet(path.join(dir, 'bad.jsonl'));
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toMatch(/^features: --labels .*bad\.jsonl:1: label_time must be ISO-8601 UTC, got "2026-11-29 11:00"$/);
});

describe('the versioned training set is split train/holdout by label time, as the training pipeline reads it', () => {
  // Ten labels of two applicants at 8 distinct times (L5/L6 and L9/L10 share a timestamp).
  const times = ['10:05', '10:10', '10:20', '10:40', '11:00', '11:00', '11:20', '11:40', '12:10', '12:10'];
  const labels = path.join(dir, 'ten-labels.jsonl');
  writeFileSync(
    labels,
    times
      .map((t, i) =>
        JSON.stringify({ applicant_id: i % 2 ? 'A' : 'B', label_time: `2026-11-29T${t}:00Z`, defaulted: i % 3 === 0, id: `L${i + 1}` }),
      )
      .join('\n'),
  );
  const run = (out: string, version: string, ...extra: string[]) =>
    trainingSet(labels, '--dead-letter', path.join(dir, 'dead.jsonl'), '--output', out, '--version', version, ...extra);
  const csv = (file: string) => {
    const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
    const cols = header.split(',');
    return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
  };

  test('the newest labels are held out, ties stay together, CSV with a header, booleans as 1/0', async () => {
    // GIVEN ten labels WHEN the local job writes version 20261129T130000Z with a 0.25 holdout
    const out = path.join(dir, 'sets');
    const r = await run(out, '20261129T130000Z', '--holdout-fraction', '0.25');
    expect(r.stderr).toBe('');
    // THEN it lands where the training pipeline and the retraining trigger look (<view>/version=<v>/)
    const version = path.join(out, 'applicant_txn_aggregates', 'version=20261129T130000Z');
    expect(readdirSync(version).sort()).toStrictEqual(['_manifest', 'holdout', 'train']);
    const train = csv(path.join(version, 'train', 'part-00000.csv'));
    const holdout = csv(path.join(version, 'holdout', 'part-00000.csv'));
    // AND the holdout is the smallest suffix of label times with at least 25 % of the labels: the
    // 12:10 pair is 2/10 < 25 %, so 11:40 joins it (3/10)
    expect(holdout.map((x) => x.id)).toStrictEqual(['L8', 'L9', 'L10']);
    expect(train.map((x) => x.id)).toStrictEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7']);
    expect(
      train
        .map((x) => x.label_time)
        .sort()
        .at(-1)! < holdout.map((x) => x.label_time).sort()[0],
    ).toBe(true);
    // AND the rows carry label columns and features, the label as 0/1 (what evaluate.py accepts)
    expect(Object.keys(train[0])).toEqual(
      expect.arrayContaining(['applicant_id', 'label_time', 'defaulted', 'txn_count_1h', 'declined_ratio_30d']),
    );
    expect(new Set([...train, ...holdout].map((x) => x.defaulted))).toStrictEqual(new Set(['0', '1']));
    // AND the manifest records the split
    const manifest = JSON.parse(readFileSync(path.join(version, '_manifest', 'part-00000.json'), 'utf8'));
    expect(manifest).toMatchObject({
      version: '20261129T130000Z',
      format: 'csv',
      holdout_fraction: 0.25,
      holdout_from: '2026-11-29T11:40:00.000Z',
      rows: 10,
      train_rows: 7,
      holdout_rows: 3,
    });
    expect(JSON.parse(r.stdout)).toStrictEqual(manifest);
  });

  test('the split is deterministic; a pair of labels at one time is never split', async () => {
    // GIVEN two runs into two versions with a 0.2 holdout (the 12:10 pair is exactly 20 %)
    const out = path.join(dir, 'sets-2');
    expect((await run(out, '20261129T130000Z')).stderr).toBe('');
    expect((await run(out, '20261129T140000Z')).stderr).toBe('');
    const read = (v: string, part: string) =>
      readFileSync(path.join(out, 'applicant_txn_aggregates', `version=${v}`, part, 'part-00000.csv'), 'utf8');
    // THEN both versions hold the same rows, and the holdout is exactly the 12:10 pair
    expect(read('20261129T140000Z', 'train')).toBe(read('20261129T130000Z', 'train'));
    expect(read('20261129T140000Z', 'holdout')).toBe(read('20261129T130000Z', 'holdout'));
    expect(
      csv(path.join(out, 'applicant_txn_aggregates', 'version=20261129T130000Z', 'holdout', 'part-00000.csv')).map((x) => x.id),
    ).toStrictEqual(['L9', 'L10']);
  });

  test('an existing version, a bad fraction and labels all at one time are one-line errors', async () => {
    const out = path.join(dir, 'sets-3');
    expect((await run(out, '20261129T130000Z')).code).toBe(0);
    // GIVEN the same version again THEN it is refused, nothing overwritten
    const again = await run(out, '20261129T130000Z');
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toMatch(/^features: training set .*version=20261129T130000Z exists; a version is never overwritten$/);
    // GIVEN a fraction outside 0.05-0.5 THEN it names the value and the range
    const bad = await run(out, '20261129T150000Z', '--holdout-fraction', '0.7');
    expect(bad.stderr.trim()).toBe("features: --holdout-fraction '0.7' is not allowed; allowed 0.05 to 0.5");
    // GIVEN labels all at one time THEN no training labels would remain: refused
    writeFileSync(
      labels + '.same',
      [1, 2, 3].map((i) => JSON.stringify({ applicant_id: 'A', label_time: '2026-11-29T11:00:00Z', id: `S${i}` })).join('\n'),
    );
    const same = await trainingSet(`${labels}.same`, '--output', out, '--version', '20261129T160000Z');
    expect(same.code).toBe(2);
    expect(same.stderr.trim()).toBe(
      'features: holdout fraction 0.2 leaves no training labels: all 3 labels are at or after 2026-11-29T11:00:00.000Z (label times must differ)',
    );
  });
});
