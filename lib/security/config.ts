import type { OnCallSubscriptions } from '../../constructs/observability/on-call-topics';
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

/** Who is told when the platform's alarms fire (the shape of OnCallTopics' subscriptions). */
export interface OnCallConfig {
  /**
   * Who is paged: e-mail addresses (each confirms once) and `https://` pager endpoints. The
   * page topic (OnCallTopics in the Security stack) delivers to them; staging and prod need at least one.
   */
  readonly page: OnCallSubscriptions;
  /**
   * Who gets tickets (slow SLO burn, capacity, failed jobs, budgets, cost anomalies): e-mail
   * addresses and `https://` endpoints of a ticketing system. Staging and prod need at least one.
   */
  readonly ticket: OnCallSubscriptions;
}

/**
 * On-call subscriptions of each environment. Like the account ids in lib/config/accounts.ts these
 * are placeholders (reserved example.com addresses): put the team's addresses and the pager's
 * HTTPS integration URL here before the first deploy.
 */
export const ONCALL: Readonly<Record<EnvironmentName, OnCallConfig>> = {
  dev: { page: { emails: ['ml-platform-dev@example.com'] }, ticket: { emails: ['ml-platform-dev@example.com'] } },
  staging: { page: { emails: ['ml-platform-oncall@example.com'] }, ticket: { emails: ['ml-platform-tickets@example.com'] } },
  prod: {
    page: { emails: ['ml-platform-oncall@example.com'], httpsEndpoints: ['https://pager.example.com/integrations/ml-platform-prod'] },
    ticket: { emails: ['ml-platform-tickets@example.com'] },
  },
};
