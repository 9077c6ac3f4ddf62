import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { subscriptionProblems } from '../../constructs/observability/on-call-topics';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';

/** Retention values CloudWatch Logs accepts (from aws-logs RetentionDays, less INFINITE). */
export const LOG_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v > 0)
  .sort((a, b) => a - b);

/** Rules of the `logging`, `audit` and `oncall` sections. */
export function checkSecurity(c: EnvironmentConfig, p: Problems): void {
  checkOnCall(c, p);
  if (p.section('logging', c.logging)) {
    p.oneOf('logging.retentionDays', c.logging.retentionDays, LOG_RETENTION_DAYS);
    if (c.name === 'prod') {
      p.check(
        c.logging.retentionDays >= 365,
        'logging.retentionDays',
        c.logging.retentionDays,
        'is too short; prod keeps logs at least 365 days (PCI DSS 10.7)',
      );
    }
  }
  if (!p.section('audit', c.audit)) return;
  p.integer('audit.transitionToGlacierDays', c.audit.transitionToGlacierDays, 1, 3650);
  p.integer('audit.expirationDays', c.audit.expirationDays, 365, 3650) &&
    p.check(
      c.audit.transitionToGlacierDays < c.audit.expirationDays,
      'audit.transitionToGlacierDays',
      c.audit.transitionToGlacierDays,
      `must be less than audit.expirationDays (${c.audit.expirationDays})`,
    );
}

/** Pages must reach someone: well-formed subscriptions, and at least one outside dev. */
function checkOnCall(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('oncall', c.oncall)) return;
  for (const severity of ['page', 'ticket'] as const) {
    for (const line of subscriptionProblems(`oncall.${severity}`, c.oncall[severity])) p.addLine(line);
    if (c.name !== 'dev') {
      const count = (c.oncall[severity]?.emails?.length ?? 0) + (c.oncall[severity]?.httpsEndpoints?.length ?? 0);
      p.check(
        count > 0,
        `oncall.${severity}`,
        c.oncall[severity],
        `has no subscription; ${c.name}'s ${severity === 'page' ? 'pages' : 'tickets'} would notify nobody (add an e-mail address or an https:// endpoint)`,
      );
    }
  }
}
