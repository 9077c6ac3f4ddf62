import { validate } from '../../lib/config';
import { endpointDegradedSeverity, OBSERVABILITY } from '../../lib/observability/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('observability rules: one line per problem, naming environment, field, value and what is allowed', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    [
      'an owner that is not a team name',
      'prod',
      (c) => (c.observability.owners = { ...c.observability.owners, serving: 'ML Serving' }),
      "prod.observability.owners.serving.owner: 'ML Serving' is not a team name (lower-case letters, digits and '-', 2 to 63 characters)",
    ],
    [
      'no SLOs outside dev',
      'staging',
      (c) => delete c.observability.slos,
      'staging.observability.slos: undefined is required in staging; the credit decision path needs its SLOs outside dev',
    ],
    [
      'an SLO on an endpoint that does not exist',
      'prod',
      (c) => (c.observability.slos = { ...c.observability.slos, scoringEndpoint: 'scoring' }),
      "prod.observability.slos.scoringEndpoint: 'scoring' is not an endpoint of serving.endpoints (credit-risk)",
    ],
    [
      'an objective of 100%',
      'prod',
      (c) => (c.observability.slos = { ...c.observability.slos, availability: { objective: 1 } }),
      'prod.observability.slos.availability.objective: 1 is not allowed; expected a share strictly between 0.5 and 1, e.g. 0.999',
    ],
    [
      'a freshness objective in minutes that is not whole',
      'staging',
      (c) => (c.observability.slos = { ...c.observability.slos, freshness: { objective: 0.99, maxAgeMinutes: 2.5 } }),
      'staging.observability.slos.freshness.maxAgeMinutes: 2.5 is not allowed; expected a whole number from 1 to 1440',
    ],
    [
      'a budget for a team that does not exist',
      'dev',
      (c) => (c.observability.budgets = { ...c.observability.budgets, teamsUsd: { payments: 100 } }),
      "dev.observability.budgets.teamsUsd.payments: 'payments' is not a team of cluster.teams (credit-risk, fraud)",
    ],
    [
      'a negative environment budget',
      'dev',
      (c) => (c.observability.budgets = { ...c.observability.budgets, environmentUsd: -1 }),
      'dev.observability.budgets.environmentUsd: -1 must be a positive amount of USD',
    ],
    [
      'GPUs idle for a week before a ticket',
      'prod',
      (c) => (c.observability.prometheus = { enabled: true, gpuIdleHours: 168 }),
      'prod.observability.prometheus.gpuIdleHours: 168 is not allowed; expected a whole number from 1 to 24',
    ],
    [
      'a missing observability section',
      'dev',
      (c) => delete c.observability,
      'dev.observability: undefined is not allowed; the section is required',
    ],
  ];
  test.each(cases)('%s', (_what, env, change, line) => {
    expect(problemsOf(env, change)).toEqual([line]);
  });
});

describe('committed observability config', () => {
  test('dev stays cheap at idle: no dashboards, SLOs, Prometheus or Container Insights', () => {
    expect(OBSERVABILITY.dev).toEqual(expect.objectContaining({ dashboards: false, containerInsights: false }));
    expect(OBSERVABILITY.dev.slos).toBeUndefined();
    expect(OBSERVABILITY.dev.prometheus.enabled).toBe(false);
  });

  test('the scoring endpoint covered by SLOs tickets when degraded (its burn-rate alarms page); others page', () => {
    expect(endpointDegradedSeverity(OBSERVABILITY.prod, 'credit-risk')).toBe('ticket');
    expect(endpointDegradedSeverity(OBSERVABILITY.prod, 'fraud')).toBe('page');
    expect(endpointDegradedSeverity(OBSERVABILITY.dev, 'credit-risk')).toBe('page');
  });
});
