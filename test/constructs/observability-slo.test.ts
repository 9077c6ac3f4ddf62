import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  checkAlarmContract,
  errorBudget,
  ServiceLevelIndicator,
  ServiceLevelObjective,
  SRE_WORKBOOK_WINDOWS,
} from '../../constructs/observability';
import { observabilityStack, RUNBOOK_DIR, templates } from './observability-fixtures';

const dims = { EndpointName: 'prod-credit-scoring', VariantName: 'primary' };
const invocations = new cloudwatch.Metric({ namespace: 'AWS/SageMaker', metricName: 'Invocations', dimensionsMap: dims });
const errors = new cloudwatch.Metric({ namespace: 'AWS/SageMaker', metricName: 'Invocation5XXErrors', dimensionsMap: dims });
const latency = new cloudwatch.Metric({ namespace: 'AWS/SageMaker', metricName: 'ModelLatency', dimensionsMap: dims });

function alarmsOf(t: Template): any[] {
  return Object.values<any>(t.toJSON().Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => r.Properties);
}

describe('ServiceLevelObjective', () => {
  test('availability: one metric-math burn-rate alarm per window with the SRE workbook windows and factors', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    new ServiceLevelObjective(stack, 'Availability', {
      environment: 'prod',
      name: 'scoring-availability',
      description: '99.9% of scoring requests succeed',
      objective: 0.999,
      indicator: ServiceLevelIndicator.ratio({ bad: errors, total: invocations }),
      topics,
      owner: 'ml-serving',
      runbook: 'scoring-availability-slo',
    });
    // THEN each window alarm computes (bad/total)/budget over a period of its window
    const alarms = alarmsOf(Template.fromStack(stack));
    const summary = alarms
      .map((a) => {
        const expr = a.Metrics.find((m: any) => m.Expression);
        const bad = a.Metrics.find((m: any) => m.Id === 'bad');
        const total = a.Metrics.find((m: any) => m.Id === 'total');
        return {
          name: a.AlarmName,
          expression: expr.Expression,
          periods: [bad.MetricStat.Period, total.MetricStat.Period],
          stats: [bad.MetricStat.Stat, total.MetricStat.Stat],
          threshold: a.Threshold,
          op: a.ComparisonOperator,
          evaluationPeriods: a.EvaluationPeriods,
          actions: a.AlarmActions,
        };
      })
      .sort((x, y) => x.periods[0] - y.periods[0] || x.threshold - y.threshold);
    const w = (name: string, seconds: number, threshold: number) => ({
      name: `prod-scoring-availability-slo-burn-${name}-above-${threshold}x`,
      expression: '(FILL(bad, 0) / total) / 0.001',
      periods: [seconds, seconds],
      stats: ['Sum', 'Sum'],
      threshold,
      op: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      actions: undefined,
    });
    expect(summary).toEqual([
      w('5m', 300, 14.4),
      w('30m', 1800, 6),
      w('1h', 3600, 14.4),
      w('6h', 21600, 1),
      w('6h', 21600, 6),
      w('3d', 259200, 1),
    ]);
  });

  test('composites: page = (1h AND 5m at 14.4) OR (6h AND 30m at 6), ticket = 3d AND 6h at 1; only composites notify', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    const slo = new ServiceLevelObjective(stack, 'Availability', {
      environment: 'prod',
      name: 'scoring-availability',
      description: '99.9% of scoring requests succeed',
      objective: 0.999,
      indicator: ServiceLevelIndicator.ratio({ bad: errors, total: invocations }),
      topics,
      owner: 'ml-serving',
      runbook: 'scoring-availability-slo',
    });
    // THEN
    const t = Template.fromStack(stack);
    const id = (a: cloudwatch.IAlarm) => stack.getLogicalId((a as cloudwatch.Alarm).node.defaultChild as any);
    const names = (a?: cloudwatch.CompositeAlarm) => t.toJSON().Resources[id(a!)].Properties;
    expect(names(slo.pageAlarm).AlarmName).toBe('prod-scoring-availability-slo-page');
    expect(names(slo.pageAlarm).AlarmActions).toEqual([{ Ref: stack.getLogicalId(topics.page.node.defaultChild as any) }]);
    expect(names(slo.ticketAlarm).AlarmActions).toEqual([{ Ref: stack.getLogicalId(topics.ticket.node.defaultChild as any) }]);
    const pageRule = ruleText(names(slo.pageAlarm).AlarmRule, stack, slo);
    expect(pageRule).toBe('((ALARM(1h@14.4) AND ALARM(5m@14.4)) OR (ALARM(6h@6) AND ALARM(30m@6)))');
    expect(ruleText(names(slo.ticketAlarm).AlarmRule, stack, slo)).toBe('((ALARM(3d@1) AND ALARM(6h@1)))');
    // and the whole SLO follows the alarm contract with the committed runbook
    expect(checkAlarmContract(templates(stack), { runbookDir: RUNBOOK_DIR })).toEqual([]);
  });

  test('latency: the error ratio is the share of requests above the threshold, from percentile rank', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    new ServiceLevelObjective(stack, 'Latency', {
      environment: 'prod',
      name: 'scoring-latency',
      description: '99% of scoring requests answer within 250 ms',
      objective: 0.99,
      indicator: ServiceLevelIndicator.aboveThreshold({ metric: latency, threshold: 250_000 }),
      topics,
      owner: 'ml-serving',
      runbook: 'scoring-latency-slo',
      windows: [SRE_WORKBOOK_WINDOWS[0]],
    });
    // THEN
    const [long] = alarmsOf(Template.fromStack(stack)).filter((a) => a.AlarmName.includes('-1h-'));
    expect(long.Metrics).toEqual([
      expect.objectContaining({ Expression: '((100 - good) / 100) / 0.01', ReturnData: true }),
      expect.objectContaining({
        Id: 'good',
        ReturnData: false,
        MetricStat: expect.objectContaining({ Stat: 'PR(0:250000)', Period: 3600 }),
      }),
    ]);
  });

  test('rejects an objective of 1 and windows CloudWatch cannot evaluate, all at once', () => {
    const { stack, topics } = observabilityStack();
    expect(
      () =>
        new ServiceLevelObjective(stack, 'Bad', {
          environment: 'staging',
          name: 'scoring-latency',
          description: 'x',
          objective: 1,
          indicator: ServiceLevelIndicator.ratio({ bad: errors, total: invocations }),
          topics,
          owner: 'ml-serving',
          runbook: 'scoring-latency-slo',
          windows: [{ long: Duration.days(8), short: Duration.seconds(30), burnRate: 0, severity: 'page' }],
        }),
    ).toThrow(
      [
        'staging.slo.scoring-latency.objective: 1 is not strictly between 0 and 1 (e.g. 0.999)',
        "staging.slo.scoring-latency.windows[0].long: 8 days is longer than CloudWatch's 7-day alarm evaluation range",
        'staging.slo.scoring-latency.windows[0].short: 30 seconds is not a whole number of minutes (at least 1)',
        'staging.slo.scoring-latency.windows[0].burnRate: 0 must be a positive number',
      ].join('\n'),
    );
  });

  test('the error budget is printed without floating-point noise', () => {
    expect([errorBudget(0.999), errorBudget(0.99), errorBudget(0.9995)]).toEqual([0.001, 0.01, 0.0005]);
  });

  test('the three compliance packs find nothing', () => {
    const { app, stack, topics } = observabilityStack({ nag: true });
    new ServiceLevelObjective(stack, 'Availability', {
      environment: 'prod',
      name: 'scoring-availability',
      description: '99.9% succeed',
      objective: 0.999,
      indicator: ServiceLevelIndicator.ratio({ bad: errors, total: invocations }),
      topics,
      owner: 'ml-serving',
      runbook: 'scoring-availability-slo',
    });
    expect(() => app.synth()).not.toThrow();
  });
});

/** The composite rule with each child alarm's ARN replaced by its window key (e.g. `1h@14.4`). */
function ruleText(rule: any, stack: any, slo: ServiceLevelObjective): string {
  const byId = Object.fromEntries(Object.entries(slo.windowAlarms).map(([k, a]) => [stack.getLogicalId(a.node.defaultChild), k]));
  const parts: any[] = rule['Fn::Join'] ? rule['Fn::Join'][1] : [rule];
  return parts
    .map((p) => (typeof p === 'string' ? p : byId[p['Fn::GetAtt'][0]]))
    .join('')
    .replace(/"/g, '');
}
