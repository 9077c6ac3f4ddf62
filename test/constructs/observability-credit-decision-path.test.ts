import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CreditDecisionPath, type CreditDecisionPathProps, checkAlarmContract } from '../../constructs/observability';
import { observabilityStack, RUNBOOK_DIR, templates } from './observability-fixtures';

const props: Omit<CreditDecisionPathProps, 'topics'> = {
  environment: 'prod',
  scoringEndpoint: { endpointName: 'prod-credit-scoring', variantName: 'primary' },
  featureFreshness: { namespace: 'MlPlatform/Features', featureViews: ['applicant-profile', 'bureau-summary'] },
};

function resources(type: string, stack: any): any[] {
  return Object.values<any>(Template.fromStack(stack).toJSON().Resources).filter((r) => r.Type === type);
}

describe('CreditDecisionPath', () => {
  test('one dashboard with latency p50/p99, error rate, throughput, freshness and SLO burn rates', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    new CreditDecisionPath(stack, 'Path', { topics, ...props });
    // THEN
    const [dashboard, ...more] = resources('AWS::CloudWatch::Dashboard', stack);
    expect(more).toEqual([]);
    expect(dashboard.Properties.DashboardName).toBe('prod-credit-decision-path');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const text of [
      'Scoring latency (ms)',
      'latencyp50 / 1000',
      'latencyp99 / 1000',
      'Invocation5XXErrors',
      'Throughput (scorings per minute)',
      'applicant-profile',
      'bureau-summary',
      'SLO burn rate',
      'SLO alarms',
    ]) {
      expect(body).toContain(text);
    }
  });

  test('three SLOs, each paging on fast burn and ticketing on slow burn, all under the contract', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    new CreditDecisionPath(stack, 'Path', { topics, ...props, slos: { latency: { objective: 0.995, threshold: Duration.millis(300) } } });
    // THEN
    const composites = resources('AWS::CloudWatch::CompositeAlarm', stack)
      .map((c) => c.Properties.AlarmName)
      .sort();
    expect(composites).toEqual([
      'prod-feature-freshness-slo-page',
      'prod-feature-freshness-slo-ticket',
      'prod-scoring-availability-slo-page',
      'prod-scoring-availability-slo-ticket',
      'prod-scoring-latency-slo-page',
      'prod-scoring-latency-slo-ticket',
    ]);
    const latency1h = resources('AWS::CloudWatch::Alarm', stack).find(
      (a) => a.Properties.AlarmName === 'prod-scoring-latency-slo-burn-1h-above-14.4x',
    );
    expect(latency1h.Properties.Metrics[0].Expression).toBe('((100 - good) / 100) / 0.005');
    expect(latency1h.Properties.Metrics[1].MetricStat.Stat).toBe('PR(0:300000)');
    const freshness5m = resources('AWS::CloudWatch::Alarm', stack).find(
      (a) => a.Properties.AlarmName === 'prod-feature-freshness-slo-burn-5m-above-14.4x',
    );
    expect(freshness5m.Properties.Metrics[0].Expression).toBe('((100 - AVG([good0, good1])) / 100) / 0.01');
    expect(freshness5m.Properties.Metrics.slice(1).map((m: any) => [m.MetricStat.Stat, m.MetricStat.Period])).toEqual([
      ['PR(0:900)', 300],
      ['PR(0:900)', 300],
    ]);
    expect(checkAlarmContract(templates(stack), { runbookDir: RUNBOOK_DIR })).toEqual([]);
  });

  test('the three compliance packs find nothing', () => {
    const { app, stack, topics } = observabilityStack({ nag: true });
    new CreditDecisionPath(stack, 'Path', { topics, ...props });
    expect(() => app.synth()).not.toThrow();
  });
});
