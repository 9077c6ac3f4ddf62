import type { EnvironmentName } from '../config/types';

export interface LoggingConfig {
  /** Retention of CloudWatch log groups, in days; must be a value CloudWatch Logs accepts. */
  readonly retentionDays: number;
}

export interface AuditConfig {
  /** Days after which audit/access-log objects move to Glacier Flexible Retrieval. */
  readonly transitionToGlacierDays: number;
  /** Days after which audit/access-log objects expire (PCI DSS 10.7 asks for at least 365). */
  readonly expirationDays: number;
}

/** Log retention of each environment. */
export const LOGGING: Readonly<Record<EnvironmentName, LoggingConfig>> = {
  dev: { retentionDays: 30 },
  staging: { retentionDays: 90 },
  prod: { retentionDays: 365 },
};

/** Audit and access-log lifecycle of each environment. */
export const AUDIT: Readonly<Record<EnvironmentName, AuditConfig>> = {
  dev: { transitionToGlacierDays: 30, expirationDays: 365 },
  staging: { transitionToGlacierDays: 90, expirationDays: 400 },
  prod: { transitionToGlacierDays: 90, expirationDays: 2557 },
};
