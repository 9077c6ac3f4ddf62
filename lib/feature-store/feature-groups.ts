import type { FeatureGroupConfig } from './config';

/**
 * The feature groups every environment declares: THE one place a team adds one (then it is
 * validated, gets its offline table, online key layout and jobs in every environment).
 */

/** Worked example: an applicant's card-transaction aggregates over 1h, 24h and 30d windows. */
export const APPLICANT_TRANSACTION_AGGREGATES: FeatureGroupConfig = {
  name: 'applicant_txn_aggregates',
  description: 'Card-transaction aggregates per applicant over sliding 1h, 24h and 30d windows',
  entityKeys: [{ name: 'applicant_id', type: 'string' }],
  features: [
    { name: 'txn_count_1h', type: 'bigint', description: 'Transactions in the last hour' },
    { name: 'txn_amount_sum_1h', type: 'double', description: 'Amount spent in the last hour' },
    { name: 'txn_count_24h', type: 'bigint', description: 'Transactions in the last 24 hours' },
    { name: 'txn_amount_sum_24h', type: 'double', description: 'Amount spent in the last 24 hours' },
    { name: 'txn_amount_max_24h', type: 'double', description: 'Largest transaction in the last 24 hours' },
    { name: 'txn_count_30d', type: 'bigint', description: 'Transactions in the last 30 days' },
    { name: 'txn_amount_avg_30d', type: 'double', description: 'Average transaction amount over 30 days' },
    { name: 'distinct_merchants_30d', type: 'bigint', description: 'Distinct merchants in the last 30 days' },
    { name: 'declined_ratio_30d', type: 'double', description: 'Share of declined authorisations over 30 days' },
  ],
  onlineTtlSeconds: 2 * 24 * 3600,
  offlinePartitioning: 'date-hour',
  source: { kind: 'stream', topic: 'card-transactions' },
};

/** Feature groups of every environment. */
export const FEATURE_GROUPS: readonly FeatureGroupConfig[] = [APPLICANT_TRANSACTION_AGGREGATES];
