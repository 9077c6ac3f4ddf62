import { FEATURE_VIEWS, featureGroupOf } from '../features/views';
import type { FeatureGroupConfig } from './config';

/**
 * The feature groups every environment declares, derived from the feature views
 * (lib/features/views.ts): the view is the one definition of a group's names, types, TTL and source,
 * and of both its streaming and batch computations.
 */
export const FEATURE_GROUPS: readonly FeatureGroupConfig[] = FEATURE_VIEWS.map(featureGroupOf);
