import {
  DOUBLE_DECIMALS,
  type FeatureDefinition,
  type FeatureView,
  type Filter,
  featureValueType,
  readSpanMs,
  windowMs,
} from '../definition';

/**
 * The batch computation of a view as ONE SQL query, in the dialect DuckDB and Spark SQL share (no
 * quoting, epoch-millisecond BIGINTs instead of timestamp types, CASE/COUNT/SUM/MIN/MAX/MAX_BY/
 * LPAD/ROUND). DuckDB runs it locally, the EMR Serverless job runs the very same text. It expects:
 *
 *   events(event_id, <entity keys>, <fields>, event_time_ms BIGINT, _seq BIGINT)  valid events only;
 *          _seq orders deliveries (the first delivery of an event_id per entity wins)
 *   spine(<entity keys>, as_of_ms BIGINT)                                         what to compute:
 *          every entity as of T (backfill), each label at its timestamp (training set)
 *
 * and returns one row per spine row: <entity keys>, as_of_ms, <features…>. A window W covers
 * as_of − W < event_time ≤ as_of; with no event in a window, count/sum/distinct_count are 0 and
 * min/max/avg/last/ratio are NULL (the online computation's rules).
 */
export function featureSql(view: FeatureView): string {
  const keys = view.entityKeys.map((k) => k.name);
  const fields = Object.keys(view.fields);
  const span = readSpanMs(view);
  const on = keys.map((k) => `d.${k} = s.${k}`).join(' AND ');
  const aggs = view.features.map((f) => `    ${aggregate(view, f)} AS ${f.name}`);
  return `-- Generated from feature view '${view.name}' by jobs/features/batch/sql.ts: do not edit.
WITH deduped AS (
  SELECT * FROM (
    SELECT e.*, ROW_NUMBER() OVER (PARTITION BY ${keys.map((k) => `e.${k}`).join(', ')}, e.${view.eventIdField} ORDER BY e._seq) AS _rn
    FROM events e
  ) x WHERE _rn = 1
),
joined AS (
  SELECT ${keys.map((k) => `s.${k}`).join(', ')}, s.as_of_ms, d.${view.eventIdField} AS _event_id, d.event_time_ms${fields.map((f) => `, d.${f}`).join('')}
  FROM spine s
  LEFT JOIN deduped d
    ON ${on} AND d.event_time_ms <= s.as_of_ms AND d.event_time_ms > s.as_of_ms - ${span}
)
SELECT ${keys.join(', ')}, as_of_ms,
${aggs.join(',\n')}
FROM joined
GROUP BY ${keys.join(', ')}, as_of_ms
`;
}

function literal(v: string | number | boolean): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return String(v);
}

function filterSql(f: Filter | undefined): string | undefined {
  if (!f) return undefined;
  switch (f.op) {
    case '==':
      return `${f.field} = ${literal(f.value)}`;
    case '!=':
      return `(${f.field} IS NOT NULL AND ${f.field} <> ${literal(f.value)})`;
    case 'in':
      return `${f.field} IN (${f.values.map(literal).join(', ')})`;
  }
}

const and = (...c: (string | undefined)[]) => c.filter(Boolean).join(' AND ');
const round = (x: string) => `ROUND(${x}, ${DOUBLE_DECIMALS})`;

function aggregate(view: FeatureView, f: FeatureDefinition): string {
  const inWindow = `event_time_ms > as_of_ms - ${windowMs(f.window)}`;
  if (f.aggregation === 'ratio') {
    const den = and(inWindow, filterSql(f.denominator));
    const num = and(den, filterSql(f.numerator));
    return `CASE WHEN COUNT(CASE WHEN ${den} THEN 1 END) = 0 THEN NULL ELSE ${round(
      `CAST(COUNT(CASE WHEN ${num} THEN 1 END) AS DOUBLE) / COUNT(CASE WHEN ${den} THEN 1 END)`,
    )} END`;
  }
  const cond = and(inWindow, filterSql(f.filter));
  if (f.aggregation === 'count') return `COUNT(CASE WHEN ${cond} THEN 1 END)`;
  const x = `CASE WHEN ${cond} THEN ${f.field} END`;
  const dbl = featureValueType(view, f) === 'double';
  const num = (e: string) => (dbl ? round(e) : e);
  switch (f.aggregation) {
    case 'sum':
      return num(`COALESCE(SUM(${x}), ${dbl ? 'CAST(0 AS DOUBLE)' : '0'})`);
    case 'min':
      return num(`MIN(${x})`);
    case 'max':
      return num(`MAX(${x})`);
    case 'avg':
      return `CASE WHEN COUNT(${x}) = 0 THEN NULL ELSE ${round(`CAST(SUM(${x}) AS DOUBLE) / COUNT(${x})`)} END`;
    case 'distinct_count':
      return `COUNT(DISTINCT ${x})`;
    case 'last': {
      // The value of the event with the greatest (event time, event id).
      const order = `CASE WHEN ${cond} AND ${f.field} IS NOT NULL THEN CONCAT(LPAD(CAST(event_time_ms AS STRING), 16, '0'), '|', _event_id) END`;
      return num(`MAX_BY(${x}, ${order})`);
    }
  }
}

/**
 * The training set's time-based holdout, in the dialect DuckDB and Spark SQL share: the NEWEST
 * labels (by label time) are held out, so the evaluation scores the model on labels later than
 * every label it trained on (what a credit model meets in production). It expects
 *
 *   label_times(label_time_ms BIGINT)   one row per label
 *   split_params(holdout_bp BIGINT)     the holdout fraction in basis points (2000 = 20 %)
 *
 * and returns one row, `holdout_from_ms`: the earliest label time of the holdout. Labels with
 * label time < holdout_from_ms are `train/`, the others `holdout/`. The holdout is the smallest
 * suffix of label times holding at least the fraction of the labels; labels of one timestamp are
 * never split. Integer arithmetic only, so both engines draw the same line. The Spark job
 * (jobs/features/spark/training_set.py, SPLIT_SQL) holds this very text (test/features/spark.test.ts).
 */
export const TRAINING_SET_SPLIT_SQL = `SELECT MIN(CASE WHEN cum * 10000 > n * (10000 - holdout_bp) THEN label_time_ms END) AS holdout_from_ms
FROM (
  SELECT label_time_ms,
    COUNT(*) OVER (ORDER BY label_time_ms RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
    COUNT(*) OVER () AS n
  FROM label_times
) t CROSS JOIN split_params
`;

/** Allowed holdout fractions of a training set (the job's `--holdout-fraction`). */
export const HOLDOUT_FRACTION_RANGE = { min: 0.05, max: 0.5 } as const;
