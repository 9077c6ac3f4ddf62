import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SPARK_FILES, SPARK_JOB_DIR, writeJobBundle } from '../../jobs/features/batch/bundle';
import { featureSql, TRAINING_SET_SPLIT_SQL } from '../../jobs/features/batch/sql';
import { EventParser } from '../../jobs/features/events';
import { APPLICANT_TXN_AGGREGATES_VIEW as VIEW } from '../../lib/features';
import { generateLines } from './generate';

const dir = mkdtempSync(path.join(tmpdir(), 'features-spark-'));

test('every PySpark job file and the Python reader byte-compile', () => {
  // GIVEN the job files WHEN python3 compiles each (into a temp dir, not the tree)
  const files = readdirSync(SPARK_JOB_DIR).filter((f) => f.endsWith('.py'));
  expect(files.sort()).toStrictEqual([...SPARK_FILES].sort());
  const pythonDir = path.join(SPARK_JOB_DIR, '..', 'python');
  for (const f of [...files, ...readdirSync(pythonDir).map((p) => path.join('..', 'python', p))]) {
    const r = spawnSync(
      'python3',
      [
        '-c',
        'import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)',
        path.join(SPARK_JOB_DIR, f),
        path.join(dir, `${path.basename(f)}c`),
      ],
      { encoding: 'utf8' },
    );
    // THEN none fails
    expect(`${f}: ${r.status} ${r.stderr}`).toBe(`${f}: 0 `);
  }
});

test('the bundle holds the very SQL the local DuckDB path runs, the view and the topic schema', () => {
  // GIVEN the committed view WHEN its EMR bundle is written
  const out = path.join(dir, 'bundle');
  const files = writeJobBundle(VIEW, out);
  // THEN the SQL is byte-identical to the generator's and the view round-trips
  expect(files).toContain('card-transactions.schema.json');
  expect(readFileSync(path.join(out, 'applicant_txn_aggregates.sql'), 'utf8')).toBe(featureSql(VIEW));
  expect(JSON.parse(readFileSync(path.join(out, 'applicant_txn_aggregates.view.json'), 'utf8'))).toStrictEqual(VIEW);
});

test("the Spark jobs' Python validator accepts, rejects and normalizes exactly like the TypeScript one", () => {
  // GIVEN messy generated events and the bundle
  const out = path.join(dir, 'bundle-py');
  writeJobBundle(VIEW, out);
  const lines = generateLines({ seed: 7, asOfMs: Date.parse('2026-11-29T12:00:00Z'), entities: 20, events: 1500 });
  const events = path.join(dir, 'events.jsonl');
  writeFileSync(events, lines.join('\n') + '\n');
  // WHEN python3 validates them with the same schema file
  const r = spawnSync(
    'python3',
    [
      path.join(out, 'feature_events.py'),
      '--schema',
      path.join(out, 'card-transactions.schema.json'),
      '--view',
      path.join(out, 'applicant_txn_aggregates.view.json'),
      '--events',
      events,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  expect(r.stderr).toBe('');
  const py = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  // THEN every line gets the same verdict, reason and columns
  const parser = new EventParser(VIEW);
  const ts = lines.map((l) => {
    const p = parser.parse(l);
    if (!p.ok) return { ok: false, reason: p.reason };
    const e = p.event;
    return { ok: true, event: { event_id: e.id, event_time_ms: e.timeMs, ...e.entityValues, ...e.attrs } };
  });
  expect(py.filter((x) => !x.ok).length).toBeGreaterThan(30);
  expect(py).toStrictEqual(ts);
});

test('the Spark training-set job splits with the very SQL the local DuckDB path runs, and checks the fraction alike', () => {
  // GIVEN training_set.py WHEN python3 prints its SPLIT_SQL and checks two fractions
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import sys, json, training_set as t; print(json.dumps([t.SPLIT_SQL, t.holdout_basis_points("0.25")]))\n' +
        'try:\n  t.holdout_basis_points("0.7")\nexcept SystemExit as e:\n  print(e)',
    ],
    { cwd: SPARK_JOB_DIR, encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  const [json, error] = r.stdout.trim().split('\n');
  // THEN the SQL is byte-identical to TRAINING_SET_SPLIT_SQL, 0.25 is 2500 basis points, 0.7 is refused
  expect(JSON.parse(json)).toStrictEqual([TRAINING_SET_SPLIT_SQL, [0.25, 2500]]);
  expect(error).toBe("training-set: --holdout-fraction '0.7' is not allowed; allowed 0.05 to 0.5");
});
