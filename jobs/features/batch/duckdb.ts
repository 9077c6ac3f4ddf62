import { DuckDBInstance } from '@duckdb/node-api';
import type { FeatureView } from '../definition';
import type { FeatureEvent } from '../events';
import type { FeatureVector } from '../online/compute';
import { featureSql, TRAINING_SET_SPLIT_SQL } from './sql';

/** A spine row: an entity (key values joined by `|`, as in FeatureEvent.entity) and a time. */
export interface SpineRow {
  readonly entityValues: Readonly<Record<string, string | number>>;
  readonly asOfMs: number;
}

/** One result row: entity key values, as_of_ms and every feature. */
export interface BatchRow {
  readonly entity: string;
  readonly asOfMs: number;
  readonly vector: FeatureVector;
}

const SQL_TYPE = { string: 'VARCHAR', double: 'DOUBLE', bigint: 'BIGINT', boolean: 'BOOLEAN' } as const;

/**
 * Runs the view's generated SQL (featureSql) on an in-memory DuckDB: `events` are the valid events
 * in delivery order (their index is `_seq`), `spine` the (entity, as-of) rows to compute.
 */
export async function runBatch(view: FeatureView, events: readonly FeatureEvent[], spine: readonly SpineRow[]): Promise<BatchRow[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const keys = view.entityKeys;
    const fields = Object.entries(view.fields);
    const keyCols = keys.map((k) => `${k.name} ${SQL_TYPE[k.type]}`);
    await db.run(
      `CREATE TABLE events (${view.eventIdField} VARCHAR, ${[...keyCols, ...fields.map(([f, t]) => `${f} ${SQL_TYPE[t]}`)].join(', ')}, event_time_ms BIGINT, _seq BIGINT)`,
    );
    await db.run(`CREATE TABLE spine (${keyCols.join(', ')}, as_of_ms BIGINT)`);
    const ev = await db.createAppender('events');
    events.forEach((e, seq) => {
      ev.appendVarchar(e.id);
      for (const k of keys) appendTyped(ev, k.type, e.entityValues[k.name]);
      for (const [f, t] of fields) appendTyped(ev, t, e.attrs[f]);
      ev.appendBigInt(BigInt(e.timeMs));
      ev.appendBigInt(BigInt(seq));
      ev.endRow();
    });
    ev.closeSync();
    const sp = await db.createAppender('spine');
    for (const s of spine) {
      for (const k of keys) appendTyped(sp, k.type, s.entityValues[k.name]);
      sp.appendBigInt(BigInt(s.asOfMs));
      sp.endRow();
    }
    sp.closeSync();
    const rows = (await db.runAndReadAll(featureSql(view))).getRowObjectsJS();
    return rows.map((r) => {
      const vector: FeatureVector = {};
      for (const f of view.features) {
        const v = r[f.name];
        vector[f.name] = typeof v === 'bigint' ? Number(v) : (v as FeatureVector[string]);
      }
      return { entity: keys.map((k) => String(r[k.name])).join('|'), asOfMs: Number(r.as_of_ms), vector };
    });
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

type Appender = Awaited<ReturnType<Awaited<ReturnType<DuckDBInstance['connect']>>['createAppender']>>;

function appendTyped(a: Appender, type: keyof typeof SQL_TYPE, v: unknown): void {
  if (v === null || v === undefined) a.appendNull();
  else if (type === 'string') a.appendVarchar(String(v));
  else if (type === 'double') a.appendDouble(Number(v));
  else if (type === 'bigint') a.appendBigInt(BigInt(v as number));
  else a.appendBoolean(Boolean(v));
}

/**
 * The earliest label time of a training set's holdout (TRAINING_SET_SPLIT_SQL on an in-memory
 * DuckDB): labels before it train, the others are held out.
 */
export async function holdoutFromMs(labelTimesMs: readonly number[], holdoutBasisPoints: number): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    await db.run('CREATE TABLE label_times (label_time_ms BIGINT)');
    await db.run(`CREATE TABLE split_params AS SELECT CAST(${Math.trunc(holdoutBasisPoints)} AS BIGINT) AS holdout_bp`);
    const a = await db.createAppender('label_times');
    for (const t of labelTimesMs) {
      a.appendBigInt(BigInt(t));
      a.endRow();
    }
    a.closeSync();
    const [row] = (await db.runAndReadAll(TRAINING_SET_SPLIT_SQL)).getRowObjectsJS();
    return Number(row.holdout_from_ms);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
