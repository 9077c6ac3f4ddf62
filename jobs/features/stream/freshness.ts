/**
 * Feature freshness of a streaming view: the age of the newest event the consumer wrote to the
 * online store, published every minute as the CloudWatch metric `FeatureAgeSeconds` (namespace
 * `MlPlatform/Features`, dimension `FeatureView`). It keeps growing while no event arrives, so a
 * stalled topic or consumer shows as stale features; the Observability stack's freshness alarm and
 * SLO read it (and treat a missing metric, i.e. a dead consumer, as stale). Pure: the caller
 * passes the clock and the publisher.
 */
export const FEATURE_FRESHNESS_NAMESPACE = 'MlPlatform/Features';
export const FEATURE_AGE_METRIC = 'FeatureAgeSeconds';
export const FEATURE_VIEW_DIMENSION = 'FeatureView';

/** One datum of PutMetricData (the shape of @aws-sdk/client-cloudwatch's MetricDatum). */
export interface FreshnessDatum {
  readonly MetricName: string;
  readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
  readonly Timestamp: Date;
  readonly Value: number;
  readonly Unit: 'Seconds';
}

/** Tracks the newest event time of one view and turns it into a freshness datum. */
export class FreshnessTracker {
  private newestMs: number | undefined;

  constructor(readonly view: string) {}

  /** Records the event times of a written batch (epoch milliseconds). */
  observe(eventTimesMs: readonly number[]): void {
    for (const t of eventTimesMs) if (Number.isFinite(t) && (this.newestMs === undefined || t > this.newestMs)) this.newestMs = t;
  }

  /** The newest event time seen, if any. */
  get newestEventTimeMs(): number | undefined {
    return this.newestMs;
  }

  /**
   * The datum at `nowMs`: seconds since the newest event (never negative: a producer clock ahead
   * of ours reads as fresh). Undefined before the first event (nothing to measure yet; the alarm
   * treats the missing metric as stale once the consumer has run long enough to be expected to publish).
   */
  datum(nowMs: number): FreshnessDatum | undefined {
    if (this.newestMs === undefined) return undefined;
    return {
      MetricName: FEATURE_AGE_METRIC,
      Dimensions: [{ Name: FEATURE_VIEW_DIMENSION, Value: this.view }],
      Timestamp: new Date(nowMs),
      Value: Math.max(0, Math.round((nowMs - this.newestMs) / 1000)),
      Unit: 'Seconds',
    };
  }
}
