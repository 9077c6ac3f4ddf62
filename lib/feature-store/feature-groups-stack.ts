import type { Construct } from 'constructs';
import { type DataLake, FeatureGroup } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface FeatureGroupsStackProps extends PlatformStackProps {
  readonly lake: DataLake;
}

/**
 * The feature groups of one environment (config `featureStore.featureGroups`, derived from the
 * feature views): their offline Glue tables in the features zone, with the online key layout
 * recorded on each. Light (Glue tables): it deploys in seconds after Data. The computations (stream
 * consumer, backfill and training-set jobs) are the Features stack's.
 */
export class FeatureGroupsStack extends PlatformStack {
  readonly groups: Readonly<Record<string, FeatureGroup>>;

  constructor(scope: Construct, id: string, props: FeatureGroupsStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config, lake } = props;
    const groups: Record<string, FeatureGroup> = {};
    for (const definition of config.featureStore.featureGroups) {
      // The construct id derives from the group name, which never changes once released (the
      // offline table is retained; renaming a group is adding a new one).
      groups[definition.name] = new FeatureGroup(this, pascal(definition.name), {
        definition,
        offlineStore: { bucket: lake.bucket('features'), databaseName: lake.database('features').databaseName },
        removalPolicy: this.statefulRemovalPolicy,
      });
    }
    this.groups = groups;
  }
}

/** `applicant_txn_aggregates` -> `ApplicantTxnAggregates` (construct ids of feature views). */
export function pascal(snake: string): string {
  return snake
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
