import { Stage, type StageProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { acknowledgeFindings } from '../compliance/acknowledgements';
import { RetainStatefulResources } from '../compliance/retention';
import type { EnvironmentConfig } from '../config';
import { ComputeStack } from '../stacks/compute-stack';
import { DataStack } from '../stacks/data-stack';
import { NetworkStack } from '../stacks/network-stack';
import { SecurityStack } from '../stacks/security-stack';
import { ServingStack } from '../stacks/serving-stack';

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
  readonly data: DataStack;
  readonly serving: ServingStack;
  readonly compute: ComputeStack;

  constructor(scope: Construct, id: string, props: MlPlatformStageProps) {
    const { config } = props;
    super(scope, id, { ...props, env: { account: config.account, region: config.region } });

    this.security = new SecurityStack(this, 'Security', { config });
    this.network = new NetworkStack(this, 'Network', { config, logsKey: this.security.keys.logs });
    this.data = new DataStack(this, 'Data', {
      config,
      keys: this.security.keys,
      accessLogsBucket: this.security.audit.bucket,
      vpc: this.network.network.vpc,
    });

    this.serving = new ServingStack(this, 'Serving', {
      config,
      vpc: this.network.network.vpc,
      servingKey: this.security.keys.serving,
      logsKey: this.security.keys.logs,
      // Model artifacts, MLflow artifacts, data capture and monitoring live in the lake's models zone.
      modelsBucket: this.data.lake.bucket('models'),
    });
    // LEAD: once the Data stack exists, pass its lake buckets:
    //   lakeBucketArns: this.data.lake.buckets.map((b) => b.bucketArn)
    // Until then the Compute stack scopes team roles to `<env>-ml-lake-<account>` by convention.
    // LEAD: pass the online feature store too once merged: `featureStore: this.featureStore.store`
    // (an OnlineFeatureStore: grantConnect + connections); model servers then connect as its reader.
    this.compute = new ComputeStack(this, 'Compute', {
      config,
      vpc: this.network.network.vpc,
      keys: this.security.keys,
      // Model servers read their model's prefix of the lake's models zone.
      modelsBucket: this.data.lake.bucket('models'),
    });

    Tags.of(this).add('platform', 'ml-platform');
    Tags.of(this).add('environment', config.name);
    Tags.of(this).add('cost-center', config.tags.costCenter);
    Tags.of(this).add('owner', config.tags.owner);

    RetainStatefulResources.check(this, config.retainStatefulResources);
    acknowledgeFindings(this);
  }
}
