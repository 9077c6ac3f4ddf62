import { type FeatureView, featureValueType } from '../../jobs/features/definition';
import type { FeatureGroupConfig } from '../config/types';

const APPROVED = { field: 'status', op: '==', value: 'approved' } as const;

/**
 * Worked example (issue 12, item 7): an applicant's card-transaction aggregates over sliding 1h, 24h
 * and 30d windows, computed from the `card-transactions` topic.
 */
export const APPLICANT_TXN_AGGREGATES_VIEW: FeatureView = {
  name: 'applicant_txn_aggregates',
  description: 'Card-transaction aggregates per applicant over sliding 1h, 24h and 30d windows',
  entityKeys: [{ name: 'applicant_id', type: 'string' }],
  source: { kind: 'stream', topic: 'card-transactions' },
  eventIdField: 'event_id',
  eventTimeField: 'event_time',
  fields: { merchant_id: 'string', amount: 'double', status: 'string' },
  features: [
    { name: 'txn_count_1h', aggregation: 'count', window: '1h', description: 'Transactions in the last hour' },
    {
      name: 'txn_amount_sum_1h',
      aggregation: 'sum',
      field: 'amount',
      filter: APPROVED,
      window: '1h',
      description: 'Amount spent in the last hour',
    },
    { name: 'txn_count_24h', aggregation: 'count', window: '24h', description: 'Transactions in the last 24 hours' },
    {
      name: 'txn_amount_sum_24h',
      aggregation: 'sum',
      field: 'amount',
      filter: APPROVED,
      window: '24h',
      description: 'Amount spent in the last 24 hours',
    },
    {
      name: 'txn_amount_max_24h',
      aggregation: 'max',
      field: 'amount',
      filter: APPROVED,
      window: '24h',
      description: 'Largest transaction in the last 24 hours',
    },
    { name: 'txn_count_30d', aggregation: 'count', window: '30d', description: 'Transactions in the last 30 days' },
    {
      name: 'txn_amount_avg_30d',
      aggregation: 'avg',
      field: 'amount',
      filter: APPROVED,
      window: '30d',
      description: 'Average transaction amount over 30 days',
    },
    {
      name: 'distinct_merchants_30d',
      aggregation: 'distinct_count',
      field: 'merchant_id',
      window: '30d',
      description: 'Distinct merchants in the last 30 days',
    },
    {
      name: 'declined_ratio_30d',
      aggregation: 'ratio',
      numerator: { field: 'status', op: '==', value: 'declined' },
      window: '30d',
      description: 'Share of declined authorisations over 30 days',
    },
  ],
  onlineTtlSeconds: 2 * 24 * 3600,
  offlinePartitioning: 'date-hour',
};

/** Feature views of every environment: THE place a team adds one. */
export const FEATURE_VIEWS: readonly FeatureView[] = [APPLICANT_TXN_AGGREGATES_VIEW];

/** The view of that name, or undefined. */
export function featureView(name: string): FeatureView | undefined {
  return FEATURE_VIEWS.find((v) => v.name === name);
}

/** Today's FeatureGroupConfig (names and types the stacks declare) derived from a view. */
export function featureGroupOf(view: FeatureView): FeatureGroupConfig {
  return {
    name: view.name,
    description: view.description,
    entityKeys: view.entityKeys.map((k) => ({ name: k.name, type: k.type })),
    features: view.features.map((f) => ({
      name: f.name,
      type: featureValueType(view, f),
      ...(f.description !== undefined ? { description: f.description } : {}),
    })),
    onlineTtlSeconds: view.onlineTtlSeconds,
    offlinePartitioning: view.offlinePartitioning,
    source: view.source.kind === 'stream' ? { kind: 'stream', topic: view.source.topic } : { ...view.source },
  };
}
