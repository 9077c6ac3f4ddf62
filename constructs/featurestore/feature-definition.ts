/**
 * How an ML team declares a feature group, and the checks every declaration passes (used by the
 * FeatureGroup construct and by the platform's config validation, so both say the same thing).
 */

export const FEATURE_TYPES = ['string', 'bigint', 'int', 'double', 'float', 'boolean', 'timestamp'] as const;
export type FeatureValueType = (typeof FEATURE_TYPES)[number];
export const ENTITY_KEY_TYPES = ['string', 'bigint'] as const;

/** Columns the platform adds to every offline table; features may not use these names. */
export const RESERVED_COLUMNS = ['event_time', 'ingested_at', 'event_date', 'event_hour'] as const;

export interface FeatureDefinition {
  readonly name: string;
  readonly type: FeatureValueType;
  readonly description?: string;
}

export interface EntityKeyDefinition {
  readonly name: string;
  readonly type: (typeof ENTITY_KEY_TYPES)[number];
}

/** Where a feature group's values come from. */
export type FeatureSource =
  /** Streaming features: computed from an MSK topic and materialized into both stores. */
  | { readonly kind: 'stream'; readonly topic: string }
  /** Batch features: computed from a lake table (Glue database of a zone) and backfilled. */
  | { readonly kind: 'batch'; readonly zone: 'raw' | 'curated'; readonly table: string };

export interface FeatureGroupDefinition {
  /** snake_case, 3 to 63 characters: names the Glue table, the online keys and the jobs. */
  readonly name: string;
  readonly description: string;
  /** 1 to 3 columns that identify the entity, e.g. `applicant_id`. */
  readonly entityKeys: readonly EntityKeyDefinition[];
  /** 1 to 500 features. */
  readonly features: readonly FeatureDefinition[];
  /** Seconds a feature vector lives in the online store: 60 (1 minute) to 2592000 (30 days). */
  readonly onlineTtlSeconds: number;
  /** Offline partitions: by event date, or by event date and hour. */
  readonly offlinePartitioning: 'date' | 'date-hour';
  readonly source: FeatureSource;
}

const NAME = /^[a-z][a-z0-9_]{2,62}$/;
const COLUMN = /^[a-z][a-z0-9_]{0,62}$/;
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** A problem found in a definition: the field (relative to the definition) and the message. */
export interface DefinitionProblem {
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
}

/** Every problem of one feature-group definition (empty when valid). */
export function featureGroupProblems(def: FeatureGroupDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const add = (field: string, value: unknown, message: string) => problems.push({ field, value, message });

  if (!NAME.test(def.name))
    add('name', def.name, 'is not allowed; expected snake_case: a lowercase letter, then 2 to 62 lowercase letters, digits or _');
  if (!def.description || def.description.trim().length === 0)
    add('description', def.description, 'is empty; describe what the features mean');

  if (def.entityKeys.length < 1 || def.entityKeys.length > 3)
    add(
      'entityKeys',
      def.entityKeys.map((k) => k.name),
      `has ${def.entityKeys.length} keys; expected 1 to 3`,
    );
  def.entityKeys.forEach((k, i) => {
    if (!COLUMN.test(k.name)) add(`entityKeys[${i}].name`, k.name, 'is not allowed; expected a lowercase column name (letters, digits, _)');
    if (!(ENTITY_KEY_TYPES as readonly string[]).includes(k.type))
      add(`entityKeys[${i}].type`, k.type, `is not allowed; expected one of ${ENTITY_KEY_TYPES.join(', ')}`);
  });

  if (def.features.length < 1 || def.features.length > 500) add('features', def.features.length, 'features; expected 1 to 500');
  def.features.forEach((f, i) => {
    if (!COLUMN.test(f.name)) add(`features[${i}].name`, f.name, 'is not allowed; expected a lowercase column name (letters, digits, _)');
    if (!(FEATURE_TYPES as readonly string[]).includes(f.type))
      add(`features[${i}].type`, f.type, `is not allowed; expected one of ${FEATURE_TYPES.join(', ')}`);
  });

  const names = [...def.entityKeys.map((k) => k.name), ...def.features.map((f) => f.name)];
  const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (duplicates.length > 0) add('features', duplicates, 'are declared twice (names must be unique across entity keys and features)');
  const reserved = names.filter((n) => (RESERVED_COLUMNS as readonly string[]).includes(n));
  if (reserved.length > 0) add('features', reserved, `use reserved column names; ${RESERVED_COLUMNS.join(', ')} are added by the platform`);

  if (!Number.isInteger(def.onlineTtlSeconds) || def.onlineTtlSeconds < MIN_TTL_SECONDS || def.onlineTtlSeconds > MAX_TTL_SECONDS) {
    add(
      'onlineTtlSeconds',
      def.onlineTtlSeconds,
      `is not allowed; expected whole seconds from ${MIN_TTL_SECONDS} (1 minute) to ${MAX_TTL_SECONDS} (30 days)`,
    );
  }
  if (def.offlinePartitioning !== 'date' && def.offlinePartitioning !== 'date-hour') {
    add('offlinePartitioning', def.offlinePartitioning, "is not allowed; expected 'date' or 'date-hour'");
  }

  if (def.source.kind === 'stream') {
    if (!TOPIC.test(def.source.topic))
      add('source.topic', def.source.topic, 'is not a Kafka topic name (1 to 249 of letters, digits, ., _, -)');
  } else if (def.source.kind === 'batch') {
    if (def.source.zone !== 'raw' && def.source.zone !== 'curated')
      add('source.zone', def.source.zone, "is not allowed; expected 'raw' or 'curated'");
    if (!COLUMN.test(def.source.table)) add('source.table', def.source.table, 'is not a Glue table name (lowercase letters, digits, _)');
  } else {
    add('source.kind', (def.source as { kind: unknown }).kind, "is not allowed; expected 'stream' or 'batch'");
  }
  return problems;
}

/**
 * The prefix of one entity's online keys (layout v2, docs/features.md): `<prefix>:ev` is the
 * sorted set of its events, `<prefix>:id` the dedupe hash of their ids.
 */
export function onlineKeyTemplate(def: Pick<FeatureGroupDefinition, 'name' | 'entityKeys'>, version = 2): string {
  // The {hash tag} puts all of an entity's keys in one cluster slot.
  return `fs:${def.name}:v${version}:{${def.entityKeys.map((k) => `<${k.name}>`).join('|')}}`;
}
