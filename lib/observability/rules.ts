import { ownershipProblems } from '../../constructs/observability/alarm-description';
import { costProblems } from '../../constructs/observability/cost-guardrails';
import { CAPABILITIES } from '../../constructs/observability/platform-monitoring';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';
import type { ObservabilityConfig } from './config';

/** Rules of the `observability` section: owners, SLOs, budgets, Prometheus. */
export function checkObservability(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('observability', c.observability)) return;
  const o: ObservabilityConfig = c.observability;
  for (const capability of CAPABILITIES) {
    for (const line of ownershipProblems(`observability.owners.${capability}`, {
      severity: 'page',
      owner: o.owners?.[capability],
      runbook: 'x',
    }))
      p.addLine(line);
  }
  if (o.slos) checkSlos(c, o, p);
  else
    p.check(
      c.name === 'dev',
      'observability.slos',
      o.slos,
      `is required in ${c.name}; the credit decision path needs its SLOs outside dev`,
    );
  if (p.section('observability.budgets', o.budgets)) {
    p.addAll(
      costProblems(c.name, {
        environment: c.name,
        topics: undefined as never,
        monthlyBudgetUsd: o.budgets.environmentUsd,
        teamBudgetsUsd: o.budgets.teamsUsd,
        anomalyImpactUsd: o.budgets.anomalyImpactUsd,
      }).map((l) =>
        l
          .replace(`${c.name}.observability.cost.`, 'observability.budgets.')
          .replace('monthlyBudgetUsd', 'environmentUsd')
          .replace('teamBudgetsUsd', 'teamsUsd'),
      ),
    );
    const teams = (c.cluster?.teams ?? []).map((t) => t.name);
    for (const team of Object.keys(o.budgets.teamsUsd ?? {})) {
      p.check(
        !c.cluster || teams.includes(team),
        `observability.budgets.teamsUsd.${team}`,
        team,
        `is not a team of cluster.teams (${teams.join(', ')})`,
      );
    }
  }
  if (p.section('observability.prometheus', o.prometheus)) {
    p.integer('observability.prometheus.gpuIdleHours', o.prometheus.gpuIdleHours, 1, 24);
  }
}

function checkSlos(c: EnvironmentConfig, o: ObservabilityConfig, p: Problems): void {
  const s = o.slos!;
  const endpoints = (c.serving?.endpoints ?? []).map((e) => e.name);
  p.check(
    !c.serving || endpoints.includes(s.scoringEndpoint),
    'observability.slos.scoringEndpoint',
    s.scoringEndpoint,
    `is not an endpoint of serving.endpoints (${endpoints.join(', ') || 'none'})`,
  );
  const objective = (field: string, v: number) =>
    p.check(
      typeof v === 'number' && v > 0.5 && v < 1,
      `observability.slos.${field}.objective`,
      v,
      'is not allowed; expected a share strictly between 0.5 and 1, e.g. 0.999',
    );
  objective('latency', s.latency?.objective);
  objective('availability', s.availability?.objective);
  objective('freshness', s.freshness?.objective);
  p.integer('observability.slos.latency.thresholdMs', s.latency?.thresholdMs, 1, 60000);
  p.integer('observability.slos.freshness.maxAgeMinutes', s.freshness?.maxAgeMinutes, 1, 1440);
}
