import type { Severity } from '../../constructs/observability/alarm-description';
import type { Capability } from '../../constructs/observability/platform-monitoring';
import type { EnvironmentName } from '../config/types';

/** The SLOs of the credit decision path (scoring endpoint and the features it reads). */
export interface SlosConfig {
  /** The endpoint (a `serving.endpoints[].name`) that scores loan applications. */
  readonly scoringEndpoint: string;
  /** Share of scoring requests answered within `thresholdMs` (model latency), e.g. 0.99. */
  readonly latency: { readonly objective: number; readonly thresholdMs: number };
  /** Share of scoring requests that do not fail with 5XX, e.g. 0.999. */
  readonly availability: { readonly objective: number };
  /** Share of feature-age samples younger than `maxAgeMinutes`, e.g. 0.99. */
  readonly freshness: { readonly objective: number; readonly maxAgeMinutes: number };
}

/** Monthly cost budgets (AWS Budgets, alerts to the ticket topic) and Cost Anomaly Detection. */
export interface BudgetsConfig {
  /** Monthly budget of the environment (its `environment` cost-allocation tag), USD. */
  readonly environmentUsd: number;
  /** Monthly budget per team (its `team` cost-allocation tag), USD; keys are `cluster.teams` names. */
  readonly teamsUsd: Readonly<Record<string, number>>;
  /** Smallest total impact of a cost anomaly that tickets, USD. */
  readonly anomalyImpactUsd: number;
}

/** Amazon Managed Service for Prometheus: workspace, managed collector, GPU alert rules. */
export interface PrometheusConfig {
  /** Off: no workspace, no collector, no GPU exporters (the vLLM KEDA scaler then has no query endpoint). */
  readonly enabled: boolean;
  /** Hours a GPU node may sit below 5% utilization before it tickets (cost). */
  readonly gpuIdleHours: number;
}

export interface ObservabilityConfig {
  /** Owner team per capability: the `Owner:` of its alarms. */
  readonly owners: Readonly<Record<Capability, string>>;
  /** Scoring p99 latency, availability and feature freshness with burn-rate alarms; off: none. */
  readonly slos?: SlosConfig;
  readonly budgets: BudgetsConfig;
  readonly prometheus: PrometheusConfig;
  /** CloudWatch dashboards (detail, summary, credit decision path): $3 a month each beyond an account's first 3. */
  readonly dashboards: boolean;
  /** Container Insights (EKS add-on amazon-cloudwatch-observability): billed per metric and log volume. */
  readonly containerInsights: boolean;
}

const OWNERS: Readonly<Record<Capability, string>> = {
  streaming: 'ml-platform',
  onlineStore: 'ml-features',
  spark: 'ml-features',
  kubernetes: 'ml-platform',
  serving: 'ml-serving',
  features: 'ml-features',
  pipelines: 'ml-platform',
  oncall: 'ml-platform',
};

const SLOS = (scoringEndpoint: string): SlosConfig => ({
  scoringEndpoint,
  latency: { objective: 0.99, thresholdMs: 250 },
  availability: { objective: 0.999 },
  freshness: { objective: 0.99, maxAgeMinutes: 15 },
});

/**
 * Observability of each environment. Dev keeps its idle cost near zero: no dashboards, SLOs,
 * Prometheus or Container Insights (alarms, budgets and anomaly detection cost cents or nothing).
 */
export const OBSERVABILITY: Readonly<Record<EnvironmentName, ObservabilityConfig>> = {
  dev: {
    owners: OWNERS,
    budgets: { environmentUsd: 750, teamsUsd: { 'credit-risk': 100, fraud: 100 }, anomalyImpactUsd: 50 },
    prometheus: { enabled: false, gpuIdleHours: 2 },
    dashboards: false,
    containerInsights: false,
  },
  staging: {
    owners: OWNERS,
    slos: SLOS('credit-risk'),
    budgets: { environmentUsd: 6000, teamsUsd: { 'credit-risk': 1500, fraud: 1500 }, anomalyImpactUsd: 200 },
    prometheus: { enabled: true, gpuIdleHours: 3 },
    dashboards: true,
    containerInsights: true,
  },
  prod: {
    owners: OWNERS,
    slos: SLOS('credit-risk'),
    budgets: { environmentUsd: 60000, teamsUsd: { 'credit-risk': 20000, fraud: 10000 }, anomalyImpactUsd: 500 },
    prometheus: { enabled: true, gpuIdleHours: 3 },
    dashboards: true,
    containerInsights: true,
  },
};

/**
 * Severity of an endpoint's degraded composite: `ticket` for the scoring endpoint of an
 * environment with SLOs (its burn-rate alarms page; the composite must not page a second time),
 * `page` otherwise.
 */
export function endpointDegradedSeverity(o: ObservabilityConfig, endpoint: string): Severity {
  return o.slos?.scoringEndpoint === endpoint ? 'ticket' : 'page';
}
