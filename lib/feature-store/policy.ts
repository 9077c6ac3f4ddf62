import type { OnlineFeatureStore } from '../../constructs';
import { applyEnvironmentPolicy, type EnvironmentAcknowledgement } from '../compliance/environment-policy';
import type { EnvironmentName } from '../config';

/**
 * Dev's online store is one node with one day of snapshots, to be cheap; staging and prod are
 * Multi-AZ with 15+ days of snapshots (enforced by the feature-store config rules).
 */
export const ONLINE_STORE_POLICY: readonly EnvironmentAcknowledgement[] = [
  {
    id: 'AwsSolutions-AEC4',
    environments: ['dev'],
    reason:
      'Dev runs a single-node online store to keep cost down; its data is recomputable from the lake. Staging and prod are Multi-AZ with automatic failover (config validation enforces it).',
  },
  {
    id: 'NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup',
    environments: ['dev'],
    reason:
      'Dev keeps 1 day of snapshots to keep cost down; its features are recomputable from the lake. Staging and prod keep at least 15 days (config validation enforces it).',
  },
];

/** Acknowledges the online-store findings `environment` accepts, on the store's replication group. */
export function acknowledgeFeatureStorePolicy(environment: EnvironmentName, store: OnlineFeatureStore): void {
  applyEnvironmentPolicy(environment, store.replicationGroup, ONLINE_STORE_POLICY);
}
