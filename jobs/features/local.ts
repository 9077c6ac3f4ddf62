import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Redis from 'iovalkey';
import { holdoutFromMs, runBatch } from './batch/duckdb';
import { HOLDOUT_FRACTION_RANGE } from './batch/sql';
import type { FeatureView } from './definition';
import { EventParser, type FeatureEvent } from './events';
import type { FeatureVector } from './online/compute';
import { FeatureReader, OnlineWriter } from './online/store';
import { FileDeadLetterSink, fileSource } from './stream/file-source';
import { type ProcessStats, StreamProcessor } from './stream/processor';

/** A CLI/job input error: printed as one line, no stack trace. */
export class UsageError extends Error {}

/** Output of both commands: entity key → feature name → value (null where undefined), keys sorted. */
export type EntityVectors = Record<string, FeatureVector>;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Parses `--as-of`: ISO-8601 UTC, e.g. 2026-11-29T12:00:00Z. */
export function parseAsOf(s: string | undefined): Date {
  if (s === undefined) return new Date();
  const t = Date.parse(s);
  if (!ISO_UTC.test(s) || !Number.isFinite(t) || new Date(t).toISOString().slice(0, 19) !== s.slice(0, 19))
    throw new UsageError(`--as-of '${s}' is not an ISO-8601 UTC time; allowed e.g. 2026-11-29T12:00:00Z or 2026-11-29T12:00:00.000Z`);
  return new Date(t);
}

function requireFile(file: string): void {
  if (!existsSync(file)) throw new UsageError(`--events '${file}' does not exist`);
}

/** Default dead-letter file of a local run. */
export function defaultDeadLetter(view: FeatureView, mode: string): string {
  const dir = path.join(tmpdir(), 'features-dead-letter');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${view.name}-${mode}-${process.pid}.jsonl`);
}

function sortedObject(entries: [string, FeatureVector][]): EntityVectors {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface RunResult {
  readonly vectors: EntityVectors;
  readonly stats: ProcessStats;
  readonly deadLetter: string;
}

/**
 * Streaming path: the file through the stream processor into the Redis/Valkey at `url`, then every
 * entity's vector read back as of `asOf` with the read client.
 */
export async function replay(view: FeatureView, eventsFile: string, asOf: Date, url: string, deadLetter: string): Promise<RunResult> {
  requireFile(eventsFile);
  if (!/^rediss?:\/\//.test(url)) throw new UsageError(`--redis '${url}' is not a redis:// or rediss:// URL`);
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    lastError = e;
  });
  try {
    await client.connect().catch((e: Error) => {
      throw new UsageError(`cannot connect to --redis '${url}': ${(lastError ?? e).message}`);
    });
    const entities = new Set<string>();
    const processor = new StreamProcessor(view, new OnlineWriter(client, view), new FileDeadLetterSink(deadLetter));
    for await (const batch of fileSource(eventsFile)) for (const e of await processor.processBatch(batch)) entities.add(e.entity);
    const vectors = await new FeatureReader(client, view).getMany([...entities], asOf);
    return { vectors: sortedObject(Object.entries(vectors)), stats: processor.stats, deadLetter };
  } finally {
    client.disconnect();
  }
}

/** Batch path: the file's valid events (invalid ones to the dead letter) through the generated SQL on DuckDB, every entity as of `asOf`. */
export async function backfill(view: FeatureView, eventsFile: string, asOf: Date, deadLetter: string): Promise<RunResult> {
  const { events, read, invalid } = await readValidEvents(view, eventsFile, deadLetter);
  const spine = new Map<string, FeatureEvent['entityValues']>();
  for (const e of events) spine.set(e.entity, e.entityValues);
  const rows = await runBatch(
    view,
    events,
    [...spine.values()].map((entityValues) => ({ entityValues, asOfMs: asOf.getTime() })),
  );
  return {
    vectors: sortedObject(rows.map((r) => [r.entity, r.vector])),
    stats: { read, invalid, counted: events.length, duplicates: 0, tooOld: 0 },
    deadLetter,
  };
}

/**
 * Training set, locally: every label (JSONL: the view's entity keys, `label_time` ISO-8601 UTC, any
 * label columns) with the view's features as of its own label_time — the spine of the same SQL the
 * EMR training-set job runs, so nothing after a label's time leaks into its features.
 */
export async function trainingSet(
  view: FeatureView,
  eventsFile: string,
  labelsFile: string,
  deadLetter: string,
): Promise<Record<string | symbol, unknown>[]> {
  if (!existsSync(labelsFile)) throw new UsageError(`--labels '${labelsFile}' does not exist`);
  const labels: { row: Record<string, unknown>; entity: string; entityValues: Record<string, string | number>; asOfMs: number }[] = [];
  let n = 0;
  for await (const batch of fileSource(labelsFile)) {
    for (const r of batch) {
      n++;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(r.value);
      } catch {
        throw new UsageError(`--labels ${r.position}: not valid JSON`);
      }
      const entityValues: Record<string, string | number> = {};
      for (const k of view.entityKeys) {
        const v = row[k.name];
        if (typeof v !== (k.type === 'string' ? 'string' : 'number'))
          throw new UsageError(`--labels ${r.position}: entity key '${k.name}' must be a ${k.type}, got ${JSON.stringify(v)}`);
        entityValues[k.name] = v as string | number;
      }
      const t = typeof row.label_time === 'string' ? parseAsOfOrUndefined(row.label_time) : undefined;
      if (t === undefined)
        throw new UsageError(`--labels ${r.position}: label_time must be ISO-8601 UTC, got ${JSON.stringify(row.label_time)}`);
      labels.push({ row, entity: view.entityKeys.map((k) => String(entityValues[k.name])).join('|'), entityValues, asOfMs: t });
    }
  }
  if (n === 0) throw new UsageError(`--labels '${labelsFile}' holds no labels`);
  const { events } = await readValidEvents(view, eventsFile, deadLetter);
  const rows = await runBatch(view, events, labels);
  const byKey = new Map(rows.map((r) => [`${r.entity}\u0000${r.asOfMs}`, r.vector]));
  return labels.map((l) => ({ ...l.row, ...byKey.get(`${l.entity}\u0000${l.asOfMs}`), [LABEL_TIME_MS]: l.asOfMs }));
}

/** Label time (epoch ms) of a training-set row, for the split; never written. */
export const LABEL_TIME_MS = Symbol('labelTimeMs');

export interface TrainingSetOutput {
  /** Root of the training sets: the version goes to `<output>/<view>/version=<version>/`. */
  readonly output: string;
  /** `YYYYMMDDTHHMMSSZ`; default: the UTC time of the run. */
  readonly version?: string;
  /** Share of the labels held out, the newest by label time (0.05 to 0.5). */
  readonly holdoutFraction: number;
}

export interface TrainingSetManifest {
  readonly view: string;
  readonly version: string;
  readonly labels: string;
  readonly events: string;
  readonly format: 'csv';
  readonly holdout_fraction: number;
  readonly holdout_from: string;
  readonly rows: number;
  readonly train_rows: number;
  readonly holdout_rows: number;
}

const VERSION = /^\d{8}T\d{6}Z$/;

/** Parses `--holdout-fraction` (one problem line naming the value and what is allowed). */
export function parseHoldoutFraction(s: string | undefined): number {
  const f = s === undefined ? 0.2 : Number(s);
  if (!Number.isFinite(f) || f < HOLDOUT_FRACTION_RANGE.min || f > HOLDOUT_FRACTION_RANGE.max)
    throw new UsageError(
      `--holdout-fraction '${s}' is not allowed; allowed ${HOLDOUT_FRACTION_RANGE.min} to ${HOLDOUT_FRACTION_RANGE.max}`,
    );
  return f;
}

/**
 * The local twin of the EMR training-set job's output: the training set split by label time
 * (TRAINING_SET_SPLIT_SQL on DuckDB, the SQL the Spark job runs) into
 *
 *   <output>/<view>/version=<v>/train/part-00000.csv     labels before the holdout's first label time
 *   <output>/<view>/version=<v>/holdout/part-00000.csv   the newest labels (at least the fraction)
 *   <output>/<view>/version=<v>/_manifest/part-00000.json
 *
 * CSV with a header (what the lifecycle's training pipeline reads: the training channel, the
 * evaluation and the Model Monitor baseline), booleans as 1/0, missing values empty. An existing
 * version is never overwritten.
 */
export async function writeTrainingSet(
  view: FeatureView,
  eventsFile: string,
  labelsFile: string,
  deadLetter: string,
  out: TrainingSetOutput,
): Promise<TrainingSetManifest> {
  const version =
    out.version ??
    new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  if (!VERSION.test(version))
    throw new UsageError(`--version '${version}' is not allowed; allowed YYYYMMDDTHHMMSSZ, e.g. 20261129T120000Z`);
  const holdoutFraction = parseHoldoutFraction(String(out.holdoutFraction));
  const target = path.join(out.output, view.name, `version=${version}`);
  if (existsSync(target)) throw new UsageError(`training set ${target} exists; a version is never overwritten`);
  const rows = await trainingSet(view, eventsFile, labelsFile, deadLetter);
  const times = rows.map((r) => r[LABEL_TIME_MS] as number);
  const from = await holdoutFromMs(times, Math.round(holdoutFraction * 10000));
  const train = rows.filter((r) => (r[LABEL_TIME_MS] as number) < from);
  const holdout = rows.filter((r) => (r[LABEL_TIME_MS] as number) >= from);
  if (train.length === 0)
    throw new UsageError(
      `holdout fraction ${holdoutFraction} leaves no training labels: all ${rows.length} labels are at or after ${new Date(from).toISOString()} (label times must differ)`,
    );
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  for (const [name, part] of [
    ['train', train],
    ['holdout', holdout],
  ] as const) {
    mkdirSync(path.join(target, name), { recursive: true });
    writeFileSync(path.join(target, name, 'part-00000.csv'), toCsv(columns, part));
  }
  const manifest: TrainingSetManifest = {
    view: view.name,
    version,
    labels: labelsFile,
    events: eventsFile,
    format: 'csv',
    holdout_fraction: holdoutFraction,
    holdout_from: new Date(from).toISOString(),
    rows: rows.length,
    train_rows: train.length,
    holdout_rows: holdout.length,
  };
  mkdirSync(path.join(target, '_manifest'), { recursive: true });
  writeFileSync(path.join(target, '_manifest', 'part-00000.json'), JSON.stringify(manifest) + '\n');
  return manifest;
}

function csvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  return [columns.map(csvValue).join(','), ...rows.map((r) => columns.map((c) => csvValue(r[c])).join(','))].join('\n') + '\n';
}

function parseAsOfOrUndefined(s: string): number | undefined {
  try {
    return parseAsOf(s).getTime();
  } catch {
    return undefined;
  }
}

/** The file's valid events in delivery order; invalid ones to the dead letter. */
async function readValidEvents(view: FeatureView, eventsFile: string, deadLetter: string) {
  requireFile(eventsFile);
  const parser = new EventParser(view);
  const sink = new FileDeadLetterSink(deadLetter);
  const events: FeatureEvent[] = [];
  let read = 0;
  let invalid = 0;
  for await (const batch of fileSource(eventsFile)) {
    const dead = [];
    for (const r of batch) {
      read++;
      const p = parser.parse(r.value);
      if (p.ok) events.push(p.event);
      else dead.push({ position: r.position, reason: p.reason, value: r.value });
    }
    invalid += dead.length;
    if (dead.length) await sink.write(dead);
  }
  return { events, read, invalid };
}
