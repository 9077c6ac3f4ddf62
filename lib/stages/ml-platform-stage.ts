import { Stage, type StageProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RetainStatefulResources } from '../compliance/retention';
import { ComputeStack } from '../compute/stack';
import type { EnvironmentConfig } from '../config';
import { DataStack } from '../data/stack';
import { FeatureGroupsStack } from '../feature-store/feature-groups-stack';
import { acknowledgeFeatureStorePolicy } from '../feature-store/policy';
import { FeatureStoreStack } from '../feature-store/stack';
import { FeaturesStack } from '../features/stack';
import { NetworkStack } from '../network/stack';
import { SecurityStack } from '../security/stack';
import { ModelStack, modelStackId, modelStackName } from '../serving/model-stack';
import { ServingStack } from '../serving/stack';

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
  /** One stack per registered model, by model name. */
  readonly models: Readonly<Record<string, ModelStack>>;
  readonly compute: ComputeStack;
  readonly featureStore: FeatureStoreStack;
  readonly featureGroups: FeatureGroupsStack;
  readonly features: FeaturesStack;

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
      servingKey: this.security.keys.serving,
      // MLflow artifacts live in the lake's models zone.
      modelsBucket: this.data.lake.bucket('models'),
    });
    // Per model: registry group, image repository, endpoint specs (the endpoints come from rollouts).
    const models: Record<string, ModelStack> = {};
    for (const model of config.serving.models) {
      models[model.name] = new ModelStack(this, modelStackId(model.name), {
        config,
        stackName: modelStackName(config.name, model.name),
        model,
        vpc: this.network.network.vpc,
        servingKey: this.security.keys.serving,
        logsKey: this.security.keys.logs,
        // Model artifacts, data capture and monitoring live in the lake's models zone.
        modelsBucket: this.data.lake.bucket('models'),
        alarmTopic: this.serving.alarmTopic,
      });
    }
    this.models = models;
    // The online store needs only Network and Security: its ~15-minute create runs beside Data's MSK.
    this.featureStore = new FeatureStoreStack(this, 'FeatureStore', { config, vpc: this.network.network.vpc, keys: this.security.keys });
    // Team roles are scoped to prefixes of the lake's zone buckets, so Compute deploys after Data;
    // model servers read their model from the models zone and read features from the online store.
    this.compute = new ComputeStack(this, 'Compute', {
      config,
      vpc: this.network.network.vpc,
      keys: this.security.keys,
      lakeBucketArns: {
        raw: this.data.lake.bucket('raw').bucketArn,
        curated: this.data.lake.bucket('curated').bucketArn,
        features: this.data.lake.bucket('features').bucketArn,
        models: this.data.lake.bucket('models').bucketArn,
      },
      modelsBucket: this.data.lake.bucket('models'),
      featuresBucket: this.data.lake.bucket('features'),
      featureStore: this.featureStore.onlineStore,
    });
    this.featureGroups = new FeatureGroupsStack(this, 'FeatureGroups', { config, lake: this.data.lake });
    // The feature pipelines wire what the slow stacks created (topics on MSK, the archive into the
    // lake, jobs on Spark, consumers on EKS writing the store), so they deploy after all of them.
    const kubectl = this.compute.mlCluster.cluster.kubectlProvider;
    if (!kubectl) throw new Error(`${config.name}: the EKS cluster has no kubectl provider; the feature consumers apply through it`);
    this.features = new FeaturesStack(this, 'Features', {
      config,
      vpc: this.network.network.vpc,
      lake: this.data.lake,
      spark: this.data.spark,
      streaming: this.data.streaming,
      onlineStore: this.featureStore.onlineStore,
      logsKey: this.security.keys.logs,
      cluster: {
        clusterName: this.compute.mlCluster.cluster.clusterName,
        clusterSecurityGroupId: this.compute.mlCluster.cluster.clusterSecurityGroupId,
        kubectlServiceToken: kubectl.serviceToken,
        kubectlRoleArn: kubectl.role?.roleArn,
      },
    });

    Tags.of(this).add('platform', 'ml-platform');
    Tags.of(this).add('environment', config.name);
    Tags.of(this).add('cost-center', config.tags.costCenter);
    Tags.of(this).add('owner', config.tags.owner);

    RetainStatefulResources.check(this, config.retainStatefulResources);
    acknowledgeFeatureStorePolicy(config.name, this.featureStore.onlineStore);
  }
}
