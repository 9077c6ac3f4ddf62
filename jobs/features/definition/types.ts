/**
 * The feature-view definition: ONE declaration from which both computations derive — the streaming
 * processor (online store) and the batch SQL (offline store, training sets). Plain data, no imports:
 * the CDK constructs, lib/ and the jobs all import it.
 */

/** Type of an event attribute a feature may read. */
export type FieldType = 'string' | 'double' | 'bigint' | 'boolean';

/** A feature's value type, as stored offline (Glue/Parquet) and returned online. */
export type FeatureValueType = 'string' | 'bigint' | 'double' | 'boolean';

/** Window length: a positive whole number of minutes, hours or days, e.g. `15m`, `1h`, `24h`, `30d`. */
export type WindowSpec = `${number}${'m' | 'h' | 'd'}`;

/** A condition on one event attribute: `status == 'approved'`, `channel in ['web','app']`. */
export type Filter =
  | { readonly field: string; readonly op: '==' | '!='; readonly value: string | number | boolean }
  | { readonly field: string; readonly op: 'in'; readonly values: readonly (string | number | boolean)[] };

/** Aggregations over the events of a sliding window (T − W < event_time ≤ T). */
export type AggregationKind = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'last' | 'distinct_count';

export interface AggregationFeature {
  readonly name: string;
  readonly description?: string;
  readonly aggregation: AggregationKind;
  /** The attribute aggregated; required for every aggregation but `count`. */
  readonly field?: string;
  readonly window: WindowSpec;
  /** Only events matching this condition are aggregated. @default - every event */
  readonly filter?: Filter;
}

/** Count of events matching `numerator` ÷ count matching `denominator` (every event if absent); null when the denominator is 0. */
export interface RatioFeature {
  readonly name: string;
  readonly description?: string;
  readonly aggregation: 'ratio';
  readonly window: WindowSpec;
  readonly numerator: Filter;
  /** @default - every event of the window */
  readonly denominator?: Filter;
}

export type FeatureDefinition = AggregationFeature | RatioFeature;

export interface FeatureView {
  /** snake_case, 3-63 characters: offline table, online key prefix and job names derive from it. */
  readonly name: string;
  readonly description: string;
  /** Attributes that identify the entity (e.g. applicant_id); 1 to 3. */
  readonly entityKeys: readonly { readonly name: string; readonly type: 'string' | 'bigint' }[];
  /**
   * Where events come from: an MSK topic (its JSON Schema is `schemas/topics/<topic>.schema.json`)
   * or a lake table.
   */
  readonly source:
    | { readonly kind: 'stream'; readonly topic: string }
    | { readonly kind: 'batch'; readonly zone: 'raw' | 'curated'; readonly table: string };
  /** Attribute holding the unique event id (re-deliveries of one id count once). */
  readonly eventIdField: string;
  /** Attribute holding the event time, ISO-8601 UTC. */
  readonly eventTimeField: string;
  /** Event attributes features may read, with their types. */
  readonly fields: Readonly<Record<string, FieldType>>;
  readonly features: readonly FeatureDefinition[];
  /**
   * How long an idle entity stays in the online store, in seconds (60 to 30 days). Values are
   * computed as of the read time, so they never go stale; the store keeps an entity's events for
   * max(TTL, longest window) + 1 day after its newest event, so a TTL shorter than a window can
   * never truncate that window (reads stay equal to the batch computation).
   */
  readonly onlineTtlSeconds: number;
  /** Offline partitioning of the features-zone table. */
  readonly offlinePartitioning: 'date' | 'date-hour';
}
