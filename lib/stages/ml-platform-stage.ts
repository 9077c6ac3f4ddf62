import { Stage, type StageProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { acknowledgeFindings } from '../compliance/acknowledgements';
import { RetainStatefulResources } from '../compliance/retention';
import type { EnvironmentConfig } from '../config';
import { FeatureStoreStack } from '../stacks/feature-store-stack';
import { NetworkStack } from '../stacks/network-stack';
import { SecurityStack } from '../stacks/security-stack';

export interface MlPlatformStageProps extends StageProps {
  readonly config: EnvironmentConfig;
}

/**
 * All stacks of one environment. Order: Security (keys, audit bucket) -> Network (VPC, whose flow
 * logs use the logs key) -> the capability stacks, which depend on these two and not on each other.
 */
export class MlPlatformStage extends Stage {
  readonly security: SecurityStack;
  readonly network: NetworkStack;
  readonly featureStore: FeatureStoreStack;

  constructor(scope: Construct, id: string, props: MlPlatformStageProps) {
    const { config } = props;
    super(scope, id, { ...props, env: { account: config.account, region: config.region } });

    this.security = new SecurityStack(this, 'Security', { config });
    this.network = new NetworkStack(this, 'Network', { config, logsKey: this.security.keys.logs });
    this.featureStore = new FeatureStoreStack(this, 'FeatureStore', { config, vpc: this.network.network.vpc, keys: this.security.keys });

    Tags.of(this).add('platform', 'ml-platform');
    Tags.of(this).add('environment', config.name);
    Tags.of(this).add('cost-center', config.tags.costCenter);
    Tags.of(this).add('owner', config.tags.owner);

    RetainStatefulResources.check(this, config.retainStatefulResources);
    acknowledgeFindings(this);
  }
}
