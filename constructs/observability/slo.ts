import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { checkOwnership, type Severity } from './alarm-contract';
import type { IOnCallTopics } from './on-call-topics';

/**
 * One multi-window burn-rate rule: it fires when the error budget burns faster than `burnRate`
 * times the sustainable rate over both the long and the short window (the short window makes the
 * alarm reset soon after the problem stops).
 */
export interface BurnRateWindow {
  /** The long window, e.g. 1 hour. */
  readonly long: Duration;
  /** The short window, e.g. 5 minutes (1/12 of the long one in the SRE workbook). */
  readonly short: Duration;
  /** Burn rate that fires, e.g. 14.4 (2% of a 30-day budget in one hour). */
  readonly burnRate: number;
  /** What firing does. */
  readonly severity: Severity;
}

/**
 * The windows of the Google SRE workbook ("Alerting on SLOs", multiwindow, multi-burn-rate alerts)
 * for a 30-day SLO period: 2% of the budget in 1 hour or 5% in 6 hours page; 10% in 3 days tickets.
 */
export const SRE_WORKBOOK_WINDOWS: readonly BurnRateWindow[] = [
  { long: Duration.hours(1), short: Duration.minutes(5), burnRate: 14.4, severity: 'page' },
  { long: Duration.hours(6), short: Duration.minutes(30), burnRate: 6, severity: 'page' },
  { long: Duration.days(3), short: Duration.hours(6), burnRate: 1, severity: 'ticket' },
];

/** How an SLO measures bad events: a ratio of two counts, or the share of samples above a threshold. */
export abstract class ServiceLevelIndicator {
  /**
   * Bad events over all events, both summed per window, e.g. 5XX errors over invocations.
   * No traffic in a window means no burn.
   */
  static ratio(props: { readonly bad: cloudwatch.Metric; readonly total: cloudwatch.Metric }): ServiceLevelIndicator {
    return new RatioIndicator(props.bad, props.total);
  }

  /**
   * The share of samples above `threshold` (in the metric's unit), from CloudWatch's percentile
   * rank statistic `PR(0:threshold)`: e.g. scoring requests slower than 250 ms (SageMaker
   * ModelLatency is in microseconds: 250000), or feature-age samples older than 15 minutes.
   */
  static aboveThreshold(props: {
    /** The sampled metric (or several, e.g. one per feature view: their shares are averaged). */
    readonly metric: cloudwatch.Metric | readonly cloudwatch.Metric[];
    readonly threshold: number;
  }): ServiceLevelIndicator {
    if (!(props.threshold > 0)) throw new Error(`slo indicator: threshold must be a positive number, got ${props.threshold}`);
    const metrics = Array.isArray(props.metric) ? props.metric : [props.metric as cloudwatch.Metric];
    if (metrics.length === 0) throw new Error('slo indicator: aboveThreshold needs at least one metric');
    return new ThresholdIndicator(metrics, props.threshold);
  }

  /** The error ratio (0..1) over one window: an expression and the metrics it uses. */
  abstract errorRatio(window: Duration): { expression: string; usingMetrics: Record<string, cloudwatch.IMetric> };
}

class RatioIndicator extends ServiceLevelIndicator {
  constructor(
    private readonly bad: cloudwatch.Metric,
    private readonly total: cloudwatch.Metric,
  ) {
    super();
  }
  errorRatio(window: Duration) {
    return {
      expression: 'FILL(bad, 0) / total',
      usingMetrics: {
        bad: this.bad.with({ statistic: cloudwatch.Stats.SUM, period: window }),
        total: this.total.with({ statistic: cloudwatch.Stats.SUM, period: window }),
      },
    };
  }
}

class ThresholdIndicator extends ServiceLevelIndicator {
  constructor(
    private readonly metrics: readonly cloudwatch.Metric[],
    private readonly threshold: number,
  ) {
    super();
  }
  errorRatio(window: Duration) {
    const rank = (m: cloudwatch.Metric) => m.with({ statistic: cloudwatch.Stats.percentileRank(0, this.threshold), period: window });
    if (this.metrics.length === 1) return { expression: '(100 - good) / 100', usingMetrics: { good: rank(this.metrics[0]) } };
    const usingMetrics = Object.fromEntries(this.metrics.map((m, i) => [`good${i}`, rank(m)]));
    return { expression: `(100 - AVG([${Object.keys(usingMetrics).join(', ')}])) / 100`, usingMetrics };
  }
}

export interface ServiceLevelObjectiveProps {
  /** The environment, in alarm names and errors, e.g. `prod`. */
  readonly environment: string;
  /** Short kebab-case name, e.g. `scoring-latency`; alarms are `<environment>-<name>-slo-…`. */
  readonly name: string;
  /** What is promised, in words, e.g. `99% of scoring requests answer within 250 ms`. */
  readonly description: string;
  /** The target share of good events over the SLO period, strictly between 0 and 1, e.g. 0.999. */
  readonly objective: number;
  /** How bad events are counted. */
  readonly indicator: ServiceLevelIndicator;
  /** The topics the page and ticket alarms notify. */
  readonly topics: IOnCallTopics;
  /** The team that owns the SLO. */
  readonly owner: string;
  /**
   * Runbook key (docs/runbooks/<runbook>.md).
   * @default `<name>-slo` (then the alarm names contain the runbook key, which `mlp oncall explain` uses)
   */
  readonly runbook?: string;
  /**
   * The burn-rate rules.
   * @default SRE_WORKBOOK_WINDOWS (1h/5m at 14.4 and 6h/30m at 6 page; 3d/6h at 1 tickets)
   */
  readonly windows?: readonly BurnRateWindow[];
}

/**
 * A service level objective with multi-window, multi-burn-rate alarms. For every window (long
 * and short of each rule) a metric-math alarm computes the burn rate
 * `errorRatio(window) / (1 - objective)` over a period of that window; each rule is the AND of its
 * two alarms, and one composite alarm per severity ORs the rules: a fast burn pages once, not once
 * per window. The window alarms are signals (no action of their own).
 *
 * @example
 * import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
 * import type { IOnCallTopics } from './on-call-topics';
 * declare const topics: IOnCallTopics;
 * declare const errors5xx: Metric;
 * declare const invocations: Metric;
 * new ServiceLevelObjective(this, 'ScoringAvailability', {
 *   environment: 'prod', name: 'scoring-availability', objective: 0.999, topics,
 *   description: '99.9% of scoring requests succeed', owner: 'ml-serving', runbook: 'scoring-availability-slo',
 *   indicator: ServiceLevelIndicator.ratio({ bad: errors5xx, total: invocations }),
 * });
 */
export class ServiceLevelObjective extends Construct {
  /** Composite alarm that pages (undefined if no rule pages). */
  readonly pageAlarm?: cloudwatch.CompositeAlarm;
  /** Composite alarm that tickets (undefined if no rule tickets). */
  readonly ticketAlarm?: cloudwatch.CompositeAlarm;
  /** The metric-math alarm of each window and burn rate, keyed like `1h@14.4`, `5m@14.4`, `3d@1`. */
  readonly windowAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  readonly objective: number;

  constructor(scope: Construct, id: string, props: ServiceLevelObjectiveProps) {
    super(scope, id);
    const where = `${props.environment}.slo.${props.name}`;
    const windows = props.windows ?? SRE_WORKBOOK_WINDOWS;
    const problems = sloProblems(where, props.objective, windows, props.name);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    const runbook = props.runbook ?? `${props.name}-slo`;
    checkOwnership(where, { severity: 'page', owner: props.owner, runbook });
    this.objective = props.objective;
    const budget = errorBudget(props.objective);

    const alarms: Record<string, cloudwatch.Alarm> = {};
    const windowAlarm = (window: Duration, burnRate: number, severity: Severity): cloudwatch.Alarm => {
      const label = windowLabel(window);
      const key = `${label}@${burnRate}`;
      if (alarms[key]) return alarms[key];
      const ratio = props.indicator.errorRatio(window);
      const metric = new cloudwatch.MathExpression({
        expression: `(${ratio.expression}) / ${budget}`,
        usingMetrics: ratio.usingMetrics,
        period: window,
        label: `${props.name} burn rate over ${label}`,
      });
      const alarm = props.topics.signal(this, `BurnRate${label}Above${String(burnRate).replace('.', 'p')}`, {
        metric,
        alarmName: `${props.environment}-${props.name}-slo-burn-${label}-above-${burnRate}x`,
        threshold: burnRate,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        summary: `SLO ${props.name} (${props.description}, objective ${props.objective}): error budget burning faster than ${burnRate}x over ${label}.`,
        severity,
        owner: props.owner,
        runbook,
      });
      alarms[key] = alarm;
      return alarm;
    };

    const composite = (severity: Severity): cloudwatch.CompositeAlarm | undefined => {
      const rules = windows.filter((w) => w.severity === severity);
      if (rules.length === 0) return undefined;
      const rule = cloudwatch.AlarmRule.anyOf(
        ...rules.map((w) =>
          cloudwatch.AlarmRule.allOf(windowAlarm(w.long, w.burnRate, severity), windowAlarm(w.short, w.burnRate, severity)),
        ),
      );
      const how = rules.map((w) => `${w.burnRate}x over ${windowLabel(w.long)} and ${windowLabel(w.short)}`).join(', or ');
      return props.topics.compositeAlarm(this, severity === 'page' ? 'Page' : 'Ticket', {
        alarmRule: rule,
        compositeAlarmName: `${props.environment}-${props.name}-slo-${severity}`,
        summary: `SLO ${props.name} (${props.description}, objective ${props.objective}) is burning its error budget: ${how}.`,
        severity,
        owner: props.owner,
        runbook,
      });
    };
    this.pageAlarm = composite('page');
    this.ticketAlarm = composite('ticket');
    this.windowAlarms = alarms;
  }
}

/** `1 - objective`, printed without floating-point noise (0.999 → 0.001). */
export function errorBudget(objective: number): number {
  return Number((1 - objective).toPrecision(6));
}

/** `5m`, `1h`, `3d`. */
export function windowLabel(d: Duration): string {
  const minutes = d.toMinutes();
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** Problems with an SLO definition, one line each. */
export function sloProblems(where: string, objective: number, windows: readonly BurnRateWindow[], name: string): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) problems.push(`${where}.name: '${name}' is not kebab-case (e.g. scoring-latency)`);
  if (!(objective > 0 && objective < 1)) problems.push(`${where}.objective: ${objective} is not strictly between 0 and 1 (e.g. 0.999)`);
  windows.forEach((w, i) => {
    const at = `${where}.windows[${i}]`;
    for (const [field, d] of [
      ['long', w.long],
      ['short', w.short],
    ] as const) {
      const s = d.toSeconds();
      if (s < 60 || s % 60 !== 0) problems.push(`${at}.${field}: ${d.toHumanString()} is not a whole number of minutes (at least 1)`);
      // CloudWatch: period × evaluation periods ≤ 1 day for periods under an hour, ≤ 7 days otherwise.
      else if (s > 7 * 86400)
        problems.push(`${at}.${field}: ${d.toHumanString()} is longer than CloudWatch's 7-day alarm evaluation range`);
    }
    if (w.short.toSeconds() >= w.long.toSeconds()) {
      problems.push(`${at}.short: ${w.short.toHumanString()} must be shorter than long (${w.long.toHumanString()})`);
    }
    if (!(w.burnRate > 0)) problems.push(`${at}.burnRate: ${w.burnRate} must be a positive number`);
  });
  return problems;
}
