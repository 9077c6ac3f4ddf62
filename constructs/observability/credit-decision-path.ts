import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DefaultDashboardFactory, MonitoringFacade } from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { EndpointMetrics, type FeatureFreshnessMetric, FeatureMetrics } from './metrics';
import type { IOnCallTopics } from './on-call-topics';
import { type BurnRateWindow, ServiceLevelIndicator, ServiceLevelObjective } from './slo';

/** The SLOs of the credit decision path, as config. */
export interface CreditDecisionSlos {
  /**
   * Scoring latency: `objective` of requests answer within `threshold` (model latency).
   * @default - 99% within 250 ms
   */
  readonly latency?: { readonly objective: number; readonly threshold: Duration };
  /**
   * Scoring availability: `objective` of invocations do not fail with 5XX.
   * @default - 99.9%
   */
  readonly availability?: { readonly objective: number };
  /**
   * Feature freshness: `objective` of freshness samples are younger than `maxAge`.
   * @default - 99% younger than 15 minutes
   */
  readonly freshness?: { readonly objective: number; readonly maxAge: Duration };
  /**
   * Burn-rate rules of all three SLOs.
   * @default SRE_WORKBOOK_WINDOWS
   */
  readonly windows?: readonly BurnRateWindow[];
}

export interface CreditDecisionPathProps {
  /** The environment, e.g. `prod`. */
  readonly environment: string;
  readonly topics: IOnCallTopics;
  /** The scoring endpoint. */
  readonly scoringEndpoint: { readonly endpointName: string; readonly variantName: string };
  /** The freshness metric the feature jobs publish. */
  readonly featureFreshness: FeatureFreshnessMetric;
  /** @default - the defaults of each SLO */
  readonly slos?: CreditDecisionSlos;
  /**
   * Owner team of the scoring SLOs.
   * @default 'ml-serving'
   */
  readonly servingOwner?: string;
  /**
   * Owner team of the freshness SLO.
   * @default 'ml-features'
   */
  readonly featuresOwner?: string;
  /**
   * Create the dashboard ($3 a month beyond an account's first 3); the SLO alarms are created either way.
   * @default true
   */
  readonly dashboard?: boolean;
}

/**
 * The "credit decision path": one dashboard (`<environment>-credit-decision-path`) with scoring
 * latency p50/p99, error rate, throughput, feature freshness and the burn rates and state of the
 * three SLOs (scoring latency, scoring availability, feature freshness), each with multi-window
 * burn-rate alarms that page on fast burn and ticket on slow burn.
 */
export class CreditDecisionPath extends Construct {
  readonly latency: ServiceLevelObjective;
  readonly availability: ServiceLevelObjective;
  readonly freshness: ServiceLevelObjective;
  readonly dashboards: DefaultDashboardFactory;

  constructor(scope: Construct, id: string, props: CreditDecisionPathProps) {
    super(scope, id);
    const env = props.environment;
    const { endpointName, variantName } = props.scoringEndpoint;
    const serving = props.servingOwner ?? 'ml-serving';
    const features = props.featuresOwner ?? 'ml-features';
    const latencySlo = props.slos?.latency ?? { objective: 0.99, threshold: Duration.millis(250) };
    const availabilitySlo = props.slos?.availability ?? { objective: 0.999 };
    const freshnessSlo = props.slos?.freshness ?? { objective: 0.99, maxAge: Duration.minutes(15) };
    const windows = props.slos?.windows;
    if (props.featureFreshness.featureViews.length === 0) {
      throw new Error(`${env}.observability.featureFreshness.featureViews: empty (name the feature views whose age is published)`);
    }

    const ms = latencySlo.threshold.toMilliseconds();
    this.latency = new ServiceLevelObjective(this, 'ScoringLatency', {
      environment: env,
      name: 'scoring-latency',
      description: `${pct(latencySlo.objective)} of scoring requests answer within ${ms} ms`,
      objective: latencySlo.objective,
      // ModelLatency is in microseconds.
      indicator: ServiceLevelIndicator.aboveThreshold({
        metric: EndpointMetrics.modelLatency(endpointName, variantName, 'Average'),
        threshold: ms * 1000,
      }),
      topics: props.topics,
      owner: serving,
      runbook: 'scoring-latency-slo',
      windows,
    });
    this.availability = new ServiceLevelObjective(this, 'ScoringAvailability', {
      environment: env,
      name: 'scoring-availability',
      description: `${pct(availabilitySlo.objective)} of scoring requests succeed`,
      objective: availabilitySlo.objective,
      indicator: ServiceLevelIndicator.ratio({
        bad: EndpointMetrics.errors5xx(endpointName, variantName),
        total: EndpointMetrics.invocations(endpointName, variantName),
      }),
      topics: props.topics,
      owner: serving,
      runbook: 'scoring-availability-slo',
      windows,
    });
    const maxAge = freshnessSlo.maxAge.toSeconds();
    this.freshness = new ServiceLevelObjective(this, 'FeatureFreshness', {
      environment: env,
      name: 'feature-freshness',
      description: `${pct(freshnessSlo.objective)} of feature freshness samples younger than ${maxAge} s`,
      objective: freshnessSlo.objective,
      indicator: ServiceLevelIndicator.aboveThreshold({
        metric: props.featureFreshness.featureViews.map((v) => FeatureMetrics.age(props.featureFreshness, v, 'Average')),
        threshold: maxAge,
      }),
      topics: props.topics,
      owner: features,
      runbook: 'feature-freshness-slo',
      windows,
    });

    this.dashboards = new DefaultDashboardFactory(this, 'Dashboards', {
      dashboardNamePrefix: `${env}-credit-decision-path`,
      createDashboard: props.dashboard ?? true,
      createSummaryDashboard: false,
      createAlarmDashboard: false,
    });
    const facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: { alarmNamePrefix: `${env}-credit-decision-path`, actionsEnabled: true },
      dashboardFactory: this.dashboards,
    });
    const sloAlarms = [this.latency, this.availability, this.freshness]
      .flatMap((s) => [s.pageAlarm, s.ticketAlarm])
      .filter((a) => a !== undefined);
    facade.addLargeHeader(`Credit decision path (${env}): scoring endpoint ${endpointName}`);
    facade.addWidget(new cloudwatch.AlarmStatusWidget({ title: 'SLO alarms', alarms: sloAlarms, width: 24, height: 3 }));
    const latency = (stat: string) =>
      new cloudwatch.MathExpression({
        expression: `latency${stat} / 1000`,
        usingMetrics: { [`latency${stat}`]: EndpointMetrics.modelLatency(endpointName, variantName, stat) },
        label: `${stat} (ms)`,
        period: Duration.minutes(1),
      });
    // One graph holds the three burn rates: their inner metric ids (good, bad, total) get a prefix
    // per SLO, since one graph may not use one id for two different metrics.
    const burn = (slo: ServiceLevelObjective, label: string, prefix: string) => {
      const alarm = Object.entries(slo.windowAlarms).find(([k]) => k.startsWith('1h@'))?.[1] ?? Object.values(slo.windowAlarms)[0];
      const math = alarm.metric as cloudwatch.MathExpression;
      const ids = Object.keys(math.usingMetrics);
      const expression = ids.reduce((e, id) => e.replace(new RegExp(`\\b${id}\\b`, 'g'), `${prefix}_${id}`), math.expression);
      return new cloudwatch.MathExpression({
        expression,
        usingMetrics: Object.fromEntries(ids.map((id) => [`${prefix}_${id}`, math.usingMetrics[id]])),
        period: math.period,
        label,
      });
    };
    facade.monitorCustom({
      alarmFriendlyName: 'CreditDecisionPath',
      humanReadableName: 'Scoring and features',
      metricGroups: [
        {
          title: 'Scoring latency (ms)',
          metrics: [latency('p50'), latency('p99')],
          horizontalAnnotations: [{ value: ms, label: `SLO threshold ${ms} ms`, color: '#d62728' }],
        },
        { title: 'Scoring errors (% 5XX)', metrics: [EndpointMetrics.errorRatePercent(endpointName, variantName)] },
        { title: 'Throughput (scorings per minute)', metrics: [EndpointMetrics.invocations(endpointName, variantName)] },
        {
          title: 'Feature age (s)',
          metrics: props.featureFreshness.featureViews.map((v) => FeatureMetrics.age(props.featureFreshness, v)),
          horizontalAnnotations: [{ value: maxAge, label: `Freshness objective ${maxAge} s`, color: '#d62728' }],
        },
        {
          title: 'SLO burn rate (1h window; 1 = budget spent exactly over the SLO period)',
          metrics: [
            burn(this.latency, 'scoring latency', 'latency'),
            burn(this.availability, 'scoring availability', 'availability'),
            burn(this.freshness, 'feature freshness', 'freshness'),
          ],
          horizontalAnnotations: [{ value: 14.4, label: 'fast burn (pages)', color: '#d62728' }],
        },
      ],
    });
  }
}

function pct(objective: number): string {
  return `${Number((objective * 100).toPrecision(6))}%`;
}
