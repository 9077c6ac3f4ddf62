import { type FeatureView, featureValueType, matches, roundDouble, windowMs } from '../definition';

/** A feature value as read: number (bigint features are JS numbers, exact below 2^53), string, boolean or null. */
export type FeatureValue = number | string | boolean | null;
/** Feature name → value, `null` where undefined. */
export type FeatureVector = Record<string, FeatureValue>;

/** One stored event as the aggregation sees it. */
export interface StoredEvent {
  readonly id: string;
  readonly timeMs: number;
  readonly attrs: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * Every feature of a view as of `asOfMs`, from the entity's events: a window W covers events with
 * asOf − W < time ≤ asOf. With no event in a window: count, sum and distinct_count are 0; min, max,
 * avg, last and ratio are null.
 * Doubles are rounded to 6 decimals (see roundDouble). This is the online computation; the batch
 * computation is SQL generated from the same view (batch/sql.ts), and the parity test compares them.
 */
export function computeVector(view: FeatureView, events: readonly StoredEvent[], asOfMs: number): FeatureVector {
  const out: FeatureVector = {};
  const byWindow = new Map<number, readonly StoredEvent[]>();
  for (const f of view.features) {
    const w = windowMs(f.window)!;
    let inWindow = byWindow.get(w);
    if (!inWindow) {
      inWindow = events.filter((e) => e.timeMs > asOfMs - w && e.timeMs <= asOfMs);
      byWindow.set(w, inWindow);
    }
    const isDouble = featureValueType(view, f) === 'double';
    const num = (x: number | null) => (x === null ? null : isDouble ? roundDouble(x) : x);
    if (f.aggregation === 'ratio') {
      const den = inWindow.filter((e) => matches(f.denominator, e.attrs)).length;
      const n = inWindow.filter((e) => matches(f.numerator, e.attrs) && matches(f.denominator, e.attrs)).length;
      out[f.name] = den === 0 ? null : roundDouble(n / den);
      continue;
    }
    const selected = inWindow.filter((e) => matches(f.filter, e.attrs));
    if (f.aggregation === 'count') {
      out[f.name] = selected.length;
      continue;
    }
    const withValue = selected.filter((e) => e.attrs[f.field!] !== null && e.attrs[f.field!] !== undefined);
    const values = withValue.map((e) => e.attrs[f.field!]);
    switch (f.aggregation) {
      case 'sum':
        out[f.name] = num((values as number[]).reduce((a, b) => a + b, 0));
        break;
      case 'avg':
        out[f.name] = values.length === 0 ? null : num((values as number[]).reduce((a, b) => a + b, 0) / values.length);
        break;
      case 'min':
        out[f.name] = values.length === 0 ? null : num(Math.min(...(values as number[])));
        break;
      case 'max':
        out[f.name] = values.length === 0 ? null : num(Math.max(...(values as number[])));
        break;
      case 'distinct_count':
        out[f.name] = new Set(values).size;
        break;
      case 'last': {
        // The event with the greatest (time, event id).
        let best: StoredEvent | undefined;
        for (const e of withValue) if (!best || e.timeMs > best.timeMs || (e.timeMs === best.timeMs && e.id > best.id)) best = e;
        const v = best ? best.attrs[f.field!] : null;
        out[f.name] = typeof v === 'number' ? num(v) : (v ?? null);
        break;
      }
    }
  }
  return out;
}
