import type { FeatureGroupDefinition, FeatureValueType, OnlineStoreEngine } from '../../constructs/featurestore';
import type { EnvironmentName } from '../config/types';
import { FEATURE_GROUPS } from './feature-groups';

/** A feature's value type, as stored offline (Glue/Parquet) and online (hash field). */
export type FeatureType = FeatureValueType;

/** A feature group, as the FeatureGroup construct takes it (validated by its `featureGroupProblems`). */
export type FeatureGroupConfig = FeatureGroupDefinition;

export interface FeatureStoreConfig {
  /** Online store engine: Valkey (default) or Redis OSS. */
  readonly engine: OnlineStoreEngine;
  readonly nodeType: string;
  readonly shards: number;
  readonly replicasPerShard: number;
  readonly multiAz: boolean;
  readonly snapshotRetentionDays: number;
  /** The feature groups of this environment. */
  readonly featureGroups: readonly FeatureGroupConfig[];
}

/** The online store of each environment; every environment declares the same feature groups. */
export const FEATURE_STORE: Readonly<Record<EnvironmentName, FeatureStoreConfig>> = {
  dev: {
    engine: 'valkey',
    nodeType: 'cache.t4g.small',
    shards: 1,
    replicasPerShard: 0,
    multiAz: false,
    snapshotRetentionDays: 1,
    featureGroups: FEATURE_GROUPS,
  },
  staging: {
    engine: 'valkey',
    nodeType: 'cache.r7g.large',
    shards: 2,
    replicasPerShard: 1,
    multiAz: true,
    snapshotRetentionDays: 15,
    featureGroups: FEATURE_GROUPS,
  },
  prod: {
    engine: 'valkey',
    nodeType: 'cache.r7g.xlarge',
    shards: 3,
    replicasPerShard: 2,
    multiAz: true,
    snapshotRetentionDays: 15,
    featureGroups: FEATURE_GROUPS,
  },
};
