import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';

/** Retention values CloudWatch Logs accepts (from aws-logs RetentionDays, less INFINITE). */
export const LOG_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v > 0)
  .sort((a, b) => a - b);

/** Rules of the `logging` and `audit` sections: log retention and the audit trail's lifecycle. */
export function checkSecurity(c: EnvironmentConfig, p: Problems): void {
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
