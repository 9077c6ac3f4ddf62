import { FeatureMetrics } from '../../constructs/observability/metrics';
import type { OnlineWriter } from '../../jobs/features/online/store';
import { FEATURE_AGE_METRIC, FEATURE_FRESHNESS_NAMESPACE, FreshnessTracker } from '../../jobs/features/stream/freshness';
import { type DeadLetter, StreamProcessor } from '../../jobs/features/stream/processor';
import { APPLICANT_TXN_AGGREGATES_VIEW as VIEW } from '../../lib/features';

const event = (id: string, time: string) =>
  JSON.stringify({ event_id: id, applicant_id: 'a-1', merchant_id: 'm-1', amount: 10, status: 'approved', event_time: time });

/** A writer that counts every event (the store's own logic is tested against redis-server elsewhere). */
const writer = {
  write: async (events: readonly unknown[]) => ({ counted: events.length, duplicates: 0, tooOld: 0 }),
} as unknown as OnlineWriter;

describe('FeatureAgeSeconds: the age of the newest event the stream consumer wrote', () => {
  test('no event yet: nothing to publish', () => {
    // GIVEN / WHEN
    const tracker = new FreshnessTracker('v');
    // THEN
    expect(tracker.datum(Date.parse('2026-12-07T10:00:00Z'))).toBeUndefined();
  });

  test('the age grows while no new event arrives, and never goes negative', () => {
    // GIVEN
    const tracker = new FreshnessTracker('applicant_txn_aggregates');
    tracker.observe([Date.parse('2026-12-07T10:00:00Z'), Date.parse('2026-12-07T09:59:00Z')]);
    // WHEN
    const oneMinute = tracker.datum(Date.parse('2026-12-07T10:01:00Z'));
    const later = tracker.datum(Date.parse('2026-12-07T10:20:00Z'));
    const clockBehind = tracker.datum(Date.parse('2026-12-07T09:58:00Z'));
    // THEN
    expect(oneMinute).toEqual({
      MetricName: 'FeatureAgeSeconds',
      Dimensions: [{ Name: 'FeatureView', Value: 'applicant_txn_aggregates' }],
      Timestamp: new Date('2026-12-07T10:01:00Z'),
      Value: 60,
      Unit: 'Seconds',
    });
    expect(later?.Value).toBe(1200);
    expect(clockBehind?.Value).toBe(0);
  });

  test('the stream processor tracks the newest valid event it wrote; rejects do not count', async () => {
    // GIVEN
    const dead: DeadLetter[] = [];
    const processor = new StreamProcessor(VIEW, writer, { write: async (l) => void dead.push(...l) });
    // WHEN
    await processor.processBatch([
      { value: event('e1', '2026-12-07T10:00:00Z'), position: 't/0/1' },
      { value: event('e2', '2026-12-07T10:05:00Z'), position: 't/0/2' },
      { value: '{"broken":', position: 't/0/3' },
    ]);
    await processor.processBatch([{ value: event('e3', '2026-12-07T10:02:00Z'), position: 't/0/4' }]);
    // THEN the newest is 10:05 (a late event does not make the view look fresher)
    expect(dead).toHaveLength(1);
    expect(processor.freshness.datum(Date.parse('2026-12-07T10:06:00Z'))?.Value).toBe(60);
  });

  test('the consumer publishes what the Observability stack alarms on (namespace, name, dimension)', () => {
    // GIVEN the metric the dashboards, the stale alarm and the freshness SLO read
    const read = FeatureMetrics.age({ namespace: FEATURE_FRESHNESS_NAMESPACE, featureViews: [VIEW.name] }, VIEW.name);
    // WHEN
    const published = new FreshnessTracker(VIEW.name);
    published.observe([0]);
    const datum = published.datum(1000)!;
    // THEN
    expect(read.namespace).toBe('MlPlatform/Features');
    expect(read.metricName).toBe(datum.MetricName);
    expect(datum.MetricName).toBe(FEATURE_AGE_METRIC);
    expect(read.dimensions).toEqual({ [datum.Dimensions[0].Name]: datum.Dimensions[0].Value });
  });
});
