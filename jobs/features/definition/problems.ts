import { MAX_WINDOW_MS, windowMs } from './semantics';
import type { FeatureDefinition, FeatureView, Filter } from './types';

const SNAKE = /^[a-z][a-z0-9_]{2,62}$/;
const IDENT = /^[a-z][a-z0-9_]{0,62}$/;
const TOPIC = /^[a-z0-9][a-z0-9._-]{0,248}$/;
const AGGREGATIONS = ['count', 'sum', 'min', 'max', 'avg', 'last', 'distinct_count', 'ratio'];
const FIELD_TYPES = ['string', 'double', 'bigint', 'boolean'];
const NUMERIC = ['double', 'bigint'];

/**
 * Every problem of a feature view, one line each naming the field, the value and what is allowed;
 * empty when the view is valid. Both the CDK side (synth) and the jobs (start-up) call it.
 */
export function featureViewProblems(view: FeatureView): string[] {
  const p: string[] = [];
  const at = `feature view '${view.name}'`;
  if (!SNAKE.test(view.name)) p.push(`${at}: name '${view.name}' must be snake_case, 3-63 characters ([a-z][a-z0-9_]*)`);
  if (!view.description?.trim()) p.push(`${at}: description is empty; say what the view holds`);
  if (view.entityKeys.length < 1 || view.entityKeys.length > 3)
    p.push(`${at}: entityKeys has ${view.entityKeys.length} keys; allowed 1 to 3`);
  for (const k of view.entityKeys) {
    if (!IDENT.test(k.name)) p.push(`${at}: entity key '${k.name}' must be snake_case`);
    if (k.type !== 'string' && k.type !== 'bigint') p.push(`${at}: entity key '${k.name}' type '${k.type}'; allowed string, bigint`);
  }
  if (view.source.kind === 'stream') {
    if (!TOPIC.test(view.source.topic)) p.push(`${at}: source.topic '${view.source.topic}' must match ${TOPIC}`);
  } else if (view.source.kind === 'batch') {
    if (view.source.zone !== 'raw' && view.source.zone !== 'curated')
      p.push(`${at}: source.zone '${view.source.zone}'; allowed raw, curated`);
    if (!IDENT.test(view.source.table)) p.push(`${at}: source.table '${view.source.table}' must be snake_case`);
  } else {
    p.push(`${at}: source.kind '${(view.source as { kind: string }).kind}'; allowed stream, batch`);
  }
  for (const [name, type] of Object.entries(view.fields)) {
    if (!IDENT.test(name)) p.push(`${at}: field '${name}' must be snake_case`);
    if (!FIELD_TYPES.includes(type)) p.push(`${at}: field '${name}' type '${type}'; allowed ${FIELD_TYPES.join(', ')}`);
  }
  const reserved = [view.eventIdField, view.eventTimeField, ...view.entityKeys.map((k) => k.name)];
  for (const r of reserved)
    if (r in view.fields) p.push(`${at}: field '${r}' is the event id, time or an entity key; do not list it in fields`);
  if (!IDENT.test(view.eventIdField)) p.push(`${at}: eventIdField '${view.eventIdField}' must be snake_case`);
  if (!IDENT.test(view.eventTimeField)) p.push(`${at}: eventTimeField '${view.eventTimeField}' must be snake_case`);
  if (!Number.isInteger(view.onlineTtlSeconds) || view.onlineTtlSeconds < 60 || view.onlineTtlSeconds > 30 * 86400)
    p.push(`${at}: onlineTtlSeconds ${view.onlineTtlSeconds}; allowed a whole number from 60 to 2592000 (30 days)`);
  if (view.offlinePartitioning !== 'date' && view.offlinePartitioning !== 'date-hour')
    p.push(`${at}: offlinePartitioning '${view.offlinePartitioning}'; allowed date, date-hour`);
  if (view.features.length === 0) p.push(`${at}: features is empty; declare at least one`);
  const seen = new Set<string>();
  for (const f of view.features) {
    if (seen.has(f.name)) p.push(`${at}: feature '${f.name}' is declared twice`);
    seen.add(f.name);
    p.push(...featureProblems(view, f, `${at}: feature '${f.name}'`));
  }
  return p;
}

function featureProblems(view: FeatureView, f: FeatureDefinition, at: string): string[] {
  const p: string[] = [];
  if (!IDENT.test(f.name)) p.push(`${at}: name must be snake_case, 1-63 characters`);
  if (f.name === view.eventTimeField || view.entityKeys.some((k) => k.name === f.name))
    p.push(`${at}: name clashes with the entity key or event time column`);
  if (!AGGREGATIONS.includes(f.aggregation)) {
    p.push(`${at}: aggregation '${f.aggregation}'; allowed ${AGGREGATIONS.join(', ')}`);
    return p;
  }
  const w = windowMs(f.window);
  if (w === undefined || w > MAX_WINDOW_MS)
    p.push(`${at}: window '${f.window}'; allowed <n>m, <n>h or <n>d (e.g. 1h, 24h, 30d), at most 90d`);
  if (f.aggregation === 'ratio') {
    p.push(...filterProblems(view, f.numerator, `${at}: numerator`));
    if (f.denominator) p.push(...filterProblems(view, f.denominator, `${at}: denominator`));
    return p;
  }
  if (f.filter) p.push(...filterProblems(view, f.filter, `${at}: filter`));
  if (f.aggregation === 'count') {
    if (f.field !== undefined) p.push(`${at}: count takes no field (got '${f.field}'); use a filter to count some events`);
    return p;
  }
  const type = view.fields[f.field ?? ''];
  if (!type) {
    p.push(`${at}: field '${f.field ?? ''}' is not one of the view's fields (${Object.keys(view.fields).join(', ')})`);
  } else if (['sum', 'min', 'max', 'avg'].includes(f.aggregation) && !NUMERIC.includes(type)) {
    p.push(`${at}: ${f.aggregation} of field '${f.field}' of type ${type}; allowed on double or bigint fields`);
  }
  return p;
}

function filterProblems(view: FeatureView, filter: Filter, at: string): string[] {
  const p: string[] = [];
  const type = view.fields[filter.field];
  if (!type) p.push(`${at} field '${filter.field}' is not one of the view's fields (${Object.keys(view.fields).join(', ')})`);
  if (!['==', '!=', 'in'].includes(filter.op)) p.push(`${at} op '${filter.op}'; allowed ==, !=, in`);
  const values = filter.op === 'in' ? filter.values : [filter.value];
  if (filter.op === 'in' && values.length === 0) p.push(`${at} 'in' has no values`);
  const js = type === 'string' ? 'string' : type === 'boolean' ? 'boolean' : 'number';
  for (const v of values) {
    if (type && typeof v !== js) p.push(`${at} value ${JSON.stringify(v)} is not a ${type} like field '${filter.field}'`);
    if (typeof v === 'string' && /['\\]/.test(v)) p.push(`${at} value ${JSON.stringify(v)} may not contain quotes or backslashes`);
    if (typeof v === 'number' && !Number.isFinite(v)) p.push(`${at} value ${v} must be finite`);
  }
  return p;
}
