import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FEATURE_VIEWS, featureView } from '../../lib/features/views';
import { writeJobBundle } from './batch/bundle';
import { featureSql } from './batch/sql';
import { featureViewProblems } from './definition';
import { backfill, defaultDeadLetter, parseAsOf, parseHoldoutFraction, replay, trainingSet, UsageError, writeTrainingSet } from './local';

const USAGE = `usage:
  features replay   --group NAME --events FILE.jsonl [--as-of ISO] --redis URL [--dead-letter FILE] [--json]
  features backfill --group NAME --events FILE.jsonl [--as-of ISO] [--dead-letter FILE] [--json]
  features sql      --group NAME [--out FILE]     the batch SQL the EMR Serverless jobs run
  features training-set --group NAME --events FILE.jsonl --labels FILE.jsonl [--dead-letter FILE]
                                                  labels + features as of each label_time (JSON lines)
  features training-set ... --output DIR [--version YYYYMMDDTHHMMSSZ] [--holdout-fraction 0.2]
                                                  the EMR job's layout: DIR/<view>/version=<v>/{train,holdout}/
                                                  (CSV; the newest labels by label_time held out), prints the manifest
  features bundle   --group NAME --out DIR        SQL, view, schema and PySpark files of the EMR jobs`;

/** Where the CLI writes (the process's streams; tests pass collectors). */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Runs the CLI: 0 on success, 2 with one `features: …` line on stderr otherwise (no stack trace). */
export async function main(argv: string[], io: CliIo = process): Promise<number> {
  try {
    await run(argv, io);
    return 0;
  } catch (e: unknown) {
    const msg = e instanceof UsageError ? e.message : `failed: ${(e as Error)?.message ?? String(e)}`.split('\n')[0];
    io.stderr.write(`features: ${msg}\n`);
    return 2;
  }
}

async function run(argv: string[], io: CliIo): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!['replay', 'backfill', 'training-set', 'sql', 'bundle'].includes(command))
    throw new UsageError(`unknown command '${command}'; allowed replay, backfill, training-set, sql, bundle`);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        group: { type: 'string' },
        events: { type: 'string' },
        'as-of': { type: 'string' },
        redis: { type: 'string' },
        'dead-letter': { type: 'string' },
        out: { type: 'string' },
        labels: { type: 'string' },
        json: { type: 'boolean' },
        output: { type: 'string' },
        version: { type: 'string' },
        'holdout-fraction': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  const group = values.group as string | undefined;
  if (!group) throw new UsageError(`--group is required; allowed ${FEATURE_VIEWS.map((v) => v.name).join(', ')}`);
  const view = featureView(group);
  if (!view) throw new UsageError(`--group '${group}' is not a feature view; allowed ${FEATURE_VIEWS.map((v) => v.name).join(', ')}`);
  const problems = featureViewProblems(view);
  if (problems.length) throw new UsageError(problems[0]);
  if (command === 'bundle') {
    if (!values.out) throw new UsageError('--out DIR is required for bundle');
    for (const f of writeJobBundle(view, values.out as string)) io.stdout.write(path.join(values.out as string, f) + '\n');
    return;
  }
  if (command === 'sql') {
    const sql = featureSql(view);
    if (values.out) writeFileSync(values.out as string, sql);
    else io.stdout.write(sql);
    return;
  }
  const events = values.events as string | undefined;
  if (!events) throw new UsageError('--events FILE.jsonl is required');
  const deadLetter = (values['dead-letter'] as string | undefined) ?? defaultDeadLetter(view, command);
  if (command === 'training-set') {
    const labels = values.labels as string | undefined;
    if (!labels) throw new UsageError('--labels FILE.jsonl is required for training-set');
    if (values.output) {
      const manifest = await writeTrainingSet(view, events, labels, deadLetter, {
        output: values.output as string,
        version: values.version as string | undefined,
        holdoutFraction: parseHoldoutFraction(values['holdout-fraction'] as string | undefined),
      });
      io.stdout.write(JSON.stringify(manifest) + '\n');
      return;
    }
    for (const row of await trainingSet(view, events, labels, deadLetter)) io.stdout.write(JSON.stringify(row) + '\n');
    return;
  }
  const asOf = parseAsOf(values['as-of'] as string | undefined);
  let result: Awaited<ReturnType<typeof backfill>>;
  if (command === 'replay') {
    const url = values.redis as string | undefined;
    if (!url) throw new UsageError('--redis URL is required for replay (e.g. redis://127.0.0.1:6379)');
    result = await replay(view, events, asOf, url, deadLetter);
  } else {
    result = await backfill(view, events, asOf, deadLetter);
  }
  io.stdout.write(values.json ? JSON.stringify(result.vectors) + '\n' : JSON.stringify(result.vectors, null, 2) + '\n');
  const s = result.stats;
  io.stderr.write(
    `${command}: ${s.read} records, ${s.invalid} invalid (dead letter: ${s.invalid ? result.deadLetter : 'none'}), ${s.duplicates} duplicates, ${Object.keys(result.vectors).length} entities as of ${asOf.toISOString()}\n`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
