import type { Construct } from 'constructs';
import { type DataLake, FeatureGroup } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import type { FeatureGroupConfig } from './config';

export interface FeatureGroupStackProps extends PlatformStackProps {
  /** The group (an entry of `featureStore.featureGroups`, derived from its feature view). */
  readonly definition: FeatureGroupConfig;
  readonly lake: DataLake;
}

/** The stack id of a feature group: `FeatureGroup-<name in kebab case>` (stack names allow no '_'). */
export function featureGroupStackId(groupName: string): string {
  return `FeatureGroup-${groupName.replace(/_/g, '-')}`;
}

/**
 * One feature group of one environment (`MlPlatform-<env>-FeatureGroup-<name>`): its offline Glue
 * table in the features zone, with the online key layout recorded on it. Light (one Glue table): it
 * deploys in seconds after Data; a group's change deploys only its own stack. The computations
 * (stream consumer, backfill and training-set jobs) are the Features stack's.
 */
export class FeatureGroupStack extends PlatformStack {
  readonly group: FeatureGroup;

  constructor(scope: Construct, id: string, props: FeatureGroupStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { lake, definition } = props;
    // The construct id derives from the group name, which never changes once released (the
    // offline table is retained; renaming a group is adding a new one).
    this.group = new FeatureGroup(this, pascal(definition.name), {
      definition,
      offlineStore: { bucket: lake.bucket('features'), databaseName: lake.database('features').databaseName },
      removalPolicy: this.statefulRemovalPolicy,
    });
  }
}

export function pascal(snake: string): string {
  return snake
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
