/**
 * The budgets `npm test` enforces on the synthesized platform (issue 17): no stack past 60% of any
 * CloudFormation limit, dev's idle estimate at most $500 a month, and prod's cold-deploy critical
 * path at most 1.3× its slowest single resource.
 */
import type { CostEstimate, CriticalPath, StackLimits } from './analyze';

export const BUDGETS = {
  stackLimitPercent: 60,
  devIdleMonthlyUsd: 500,
  prodCriticalPathRatio: 1.3,
} as const;

export interface EnvironmentFigures {
  readonly limits: readonly StackLimits[];
  readonly cost: CostEstimate;
  readonly criticalPath: CriticalPath;
}

/** One line per broken budget (empty when all hold). */
export function budgetViolations(figures: Readonly<Record<string, EnvironmentFigures>>): string[] {
  const out: string[] = [];
  for (const [env, f] of Object.entries(figures)) {
    for (const l of f.limits) {
      if (l.largestPercent > BUDGETS.stackLimitPercent) {
        out.push(
          `${env}: stack ${l.stack} uses ${l.largestPercent}% of the ${l.largestLimit} limit (${l.used[l.largestLimit]}); budget ${BUDGETS.stackLimitPercent}%`,
        );
      }
    }
    if (env === 'dev' && f.cost.idleMonthlyUsd > BUDGETS.devIdleMonthlyUsd) {
      out.push(`dev: idle estimate $${f.cost.idleMonthlyUsd.toFixed(2)} a month exceeds the $${BUDGETS.devIdleMonthlyUsd} budget`);
    }
    if (env === 'prod') {
      const slowest = f.criticalPath.slowestResource.minutes;
      const ratio = slowest > 0 ? f.criticalPath.minutes / slowest : 0;
      if (ratio > BUDGETS.prodCriticalPathRatio) {
        out.push(
          `prod: cold-deploy critical path ${f.criticalPath.minutes} min (${f.criticalPath.stacks.join(' → ')}) is ${ratio.toFixed(2)}× the slowest resource (${f.criticalPath.slowestResource.type}, ${slowest} min); budget ${BUDGETS.prodCriticalPathRatio}×`,
        );
      }
    }
  }
  return out;
}
