import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { features, featuresCommand } from './cli';

const dir = mkdtempSync(path.join(tmpdir(), 'features-cli-'));
const events = path.join(dir, 'events.jsonl');
writeFileSync(
  events,
  '{"event_id":"e1","applicant_id":"A","merchant_id":"m","amount":1,"status":"approved","event_time":"2026-11-29T11:00:00Z"}\n',
);

test.each<[string, string[], RegExp]>([
  [
    'an unknown group',
    ['backfill', '--group', 'nope', '--events', events],
    /^features: --group 'nope' is not a feature view; allowed applicant_txn_aggregates$/,
  ],
  [
    'a missing file',
    ['backfill', '--group', 'applicant_txn_aggregates', '--events', path.join(dir, 'none.jsonl')],
    /^features: --events '.*none.jsonl' does not exist$/,
  ],
  [
    'a bad as-of time',
    ['backfill', '--group', 'applicant_txn_aggregates', '--events', events, '--as-of', '2026-11-29 12:00'],
    /^features: --as-of '2026-11-29 12:00' is not an ISO-8601 UTC time; allowed e\.g\. 2026-11-29T12:00:00Z/,
  ],
  [
    'replay without --redis',
    ['replay', '--group', 'applicant_txn_aggregates', '--events', events],
    /^features: --redis URL is required for replay/,
  ],
  [
    'an unreachable redis',
    ['replay', '--group', 'applicant_txn_aggregates', '--events', events, '--redis', 'redis://127.0.0.1:1'],
    /^features: cannot connect to --redis 'redis:\/\/127\.0\.0\.1:1': connect ECONNREFUSED/,
  ],
  ['an unknown option', ['backfill', '--group', 'applicant_txn_aggregates', '--event', events], /^features: Unknown option '--event'/],
  ['an unknown command', ['materialize'], /^features: unknown command 'materialize'; allowed replay, backfill, training-set, sql, bundle$/],
])('%s: one clear line, no stack trace, non-zero exit', async (_label, args, message) => {
  // GIVEN bad input WHEN the command runs
  const r = await features(args);
  // THEN it exits 2 with one line on stderr and nothing on stdout
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(message);
});

test('sql prints the batch query the EMR jobs run, generated from the view', async () => {
  // GIVEN the committed view WHEN its SQL is printed
  const r = await features(['sql', '--group', 'applicant_txn_aggregates']);
  // THEN it reads the events and spine tables and computes every feature with the exact window bounds
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('FROM spine s');
  expect(r.stdout).toContain('d.event_time_ms <= s.as_of_ms AND d.event_time_ms > s.as_of_ms - 2592000000');
  expect(r.stdout).toMatch(/COUNT\(CASE WHEN event_time_ms > as_of_ms - 3600000 THEN 1 END\) AS txn_count_1h/);
});

test('the command as a process (npm run -s features): exit 2 and one line on bad input, exit 0 and the output on success', () => {
  // GIVEN the package.json command's entry point, run as its own process
  const bad = featuresCommand(['materialize']);
  const sql = featuresCommand(['sql', '--group', 'applicant_txn_aggregates']);
  // THEN the exit codes are the CLI's, with no stack trace
  expect([bad.code, bad.stdout, bad.stderr]).toEqual([
    2,
    '',
    "features: unknown command 'materialize'; allowed replay, backfill, training-set, sql, bundle\n",
  ]);
  expect(sql.code).toBe(0);
  expect(sql.stdout).toContain('FROM spine s');
});
