import type { FeatureDefinition, FeatureValueType, FeatureView, FieldType, Filter } from './types';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WINDOW = /^([1-9][0-9]{0,4})([mhd])$/;

/** Longest window the platform accepts (the lake keeps the raw archive longer; the online store does not). */
export const MAX_WINDOW_MS = 90 * UNIT_MS.d;

/**
 * How far behind an entity's newest event the online store keeps events, on top of the longest
 * window (or TTL): reads as of any time up to this long before the newest event stay exact, and
 * events arriving this late still count.
 */
export const ONLINE_HISTORY_MARGIN_MS = UNIT_MS.d;

/** Window length in milliseconds, or undefined when the spec is not `<n>m|h|d`. */
export function windowMs(spec: string): number | undefined {
  const m = WINDOW.exec(spec);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/** The value type a feature has, from its aggregation and the type of the attribute it reads. */
export function featureValueType(view: FeatureView, f: FeatureDefinition): FeatureValueType {
  switch (f.aggregation) {
    case 'count':
    case 'distinct_count':
      return 'bigint';
    case 'avg':
    case 'ratio':
      return 'double';
    default: {
      const t: FieldType | undefined = view.fields[f.field ?? ''];
      return t ?? 'double';
    }
  }
}

/** Span of events a read as of T needs: (T − span, T] covers every window. */
export function readSpanMs(view: FeatureView): number {
  return Math.max(...view.features.map((f) => windowMs(f.window) ?? 0));
}

/** How long the online store keeps events behind an entity's newest event (and keys of idle entities). */
export function onlineHistoryMs(view: FeatureView): number {
  return Math.max(readSpanMs(view), view.onlineTtlSeconds * 1000) + ONLINE_HISTORY_MARGIN_MS;
}

/** Whether an event's attributes satisfy a filter (an absent filter matches everything). */
export function matches(filter: Filter | undefined, attrs: Readonly<Record<string, unknown>>): boolean {
  if (!filter) return true;
  const v = attrs[filter.field];
  switch (filter.op) {
    case '==':
      return v === filter.value;
    case '!=':
      return v !== null && v !== undefined && v !== filter.value;
    case 'in':
      return filter.values.includes(v as string | number | boolean);
  }
}

/** Attributes the features read (filters included), sorted: the online store keeps exactly these per event. */
export function storedFields(view: FeatureView): string[] {
  const used = new Set<string>();
  for (const f of view.features) {
    if (f.aggregation === 'ratio') {
      used.add(f.numerator.field);
      if (f.denominator) used.add(f.denominator.field);
    } else {
      if (f.field) used.add(f.field);
      if (f.filter) used.add(f.filter.field);
    }
  }
  return [...used].sort();
}

/**
 * Doubles are rounded to 6 decimal places (half away from zero) by both computations, so that the
 * order in which a sum was accumulated cannot make online and offline values differ in the last bit.
 */
export const DOUBLE_DECIMALS = 6;
export function roundDouble(x: number): number {
  const p = 10 ** DOUBLE_DECIMALS;
  return (Math.sign(x) * Math.round(Math.abs(x) * p)) / p;
}
