import { Stage, type StageProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformParameters } from '../../constructs/platform';
import { RetainStatefulResources } from '../compliance/retention';
import { ComputeStack } from '../compute/stack';
import { TeamStack } from '../compute/team-stack';
import type { EnvironmentConfig } from '../config';
import { DataStack } from '../data/stack';
import { FeatureGroupStack, featureGroupStackId } from '../feature-store/feature-group-stack';
import { acknowledgeFeatureStorePolicy } from '../feature-store/policy';
import { FeatureStoreStack } from '../feature-store/stack';
import { FeaturesStack } from '../features/stack';
import { AirflowStack } from '../lifecycle/airflow-stack';
import { LifecycleStack } from '../lifecycle/stack';
import { NetworkStack } from '../network/stack';
import { NotebooksStack } from '../notebooks/stack';
import { MetricsStack } from '../observability/metrics-stack';
import { ObservabilityStack } from '../observability/stack';
import { SecurityStack } from '../security/stack';
import { ModelStack, modelStackId, modelStackName } from '../serving/model-stack';
import { ServingStack } from '../serving/stack';
import { StreamingStack } from '../streaming/stack';
import { publishPlatformHandles } from './handles';

export interface MlPlatformStageProps extends StageProps {
  readonly config: EnvironmentConfig;
}

/**
 * All stacks of one environment. Order: Security (keys, audit bucket) -> Network (VPC, whose flow
 * logs use the logs key) -> the slow stateful stacks side by side, each waiting only for what it
 * wires: Streaming (MSK; after Network only), Data (lake, Spark: minutes), FeatureStore
 * (ElastiCache; admits Spark, after Data), Compute (EKS), Serving (registry, MLflow); then the
 * light stacks: one per model (after Serving), one per team (after Compute, Data, FeatureStore) and
 * one per feature group (after Data, Streaming, FeatureStore). No slow stack waits for another.
 */
export class MlPlatformStage extends Stage {
  readonly security: SecurityStack;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly streaming: StreamingStack;
  readonly serving: ServingStack;
  /** One stack per registered model, by model name. */
  readonly models: Readonly<Record<string, ModelStack>>;
  readonly compute: ComputeStack;
  readonly featureStore: FeatureStoreStack;
  /** One stack per team (`cluster.teams`), by team name. */
  readonly teams: Readonly<Record<string, TeamStack>>;
  /** One stack per feature group (`featureStore.featureGroups`), by group name. */
  readonly featureGroups: Readonly<Record<string, FeatureGroupStack>>;
  /** The feature pipelines: topics, schemas, archive, batch and training-set jobs, stream consumers. */
  readonly features: FeaturesStack;
  /** What teams reference, as SSM parameters under `/mlp/<env>/platform/`, by stack name (./handles.ts). */
  readonly handles: Readonly<Record<string, PlatformParameters>>;
  /** Amazon Managed Service for Prometheus, where `observability.prometheus` is enabled (before Compute). */
  readonly metrics?: MetricsStack;
  /** Dashboards, SLO burn-rate alarms, threshold alarms, budgets and anomaly detection (deployed last). */
  readonly observability: ObservabilityStack;
  /** Training pipelines, approval, promotion, drift retraining, MWAA (issue 13). */
  readonly lifecycle: LifecycleStack;
  /** MWAA for team workflows where `lifecycle.airflow` is on (staging, prod). */
  readonly airflow?: AirflowStack;
  /** The Studio domain, where `notebooks.enabled` (the Team stacks add their members' profiles). */
  readonly notebooks?: NotebooksStack;

  constructor(scope: Construct, id: string, props: MlPlatformStageProps) {
    const { config } = props;
    super(scope, id, { ...props, env: { account: config.account, region: config.region } });

    this.security = new SecurityStack(this, 'Security', { config });
    this.network = new NetworkStack(this, 'Network', { config, logsKey: this.security.keys.logs });
    const vpc = this.network.network.vpc;
    this.data = new DataStack(this, 'Data', {
      config,
      keys: this.security.keys,
      accessLogsBucket: this.security.audit.bucket,
      vpc,
    });
    // The brokers (~35 minutes) in their own stack, right after Network: only the Features stack
    // (topics, archive, consumers, Spark's access) waits for them.
    this.streaming = new StreamingStack(this, 'Streaming', { config, keys: this.security.keys, vpc });

    this.serving = new ServingStack(this, 'Serving', {
      config,
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
        vpc,
        servingKey: this.security.keys.serving,
        logsKey: this.security.keys.logs,
        // Model artifacts, data capture and monitoring live in the lake's models zone.
        modelsBucket: this.data.lake.bucket('models'),
        oncall: this.security.oncall,
      });
    }
    this.models = models;
    // Prometheus (where enabled): a small stack before Compute, whose KEDA operator queries it.
    this.metrics = config.observability.prometheus.enabled
      ? new MetricsStack(this, 'Metrics', { config, keys: this.security.keys, oncall: this.security.oncall })
      : undefined;
    this.featureStore = new FeatureStoreStack(this, 'FeatureStore', { config, vpc, keys: this.security.keys, spark: this.data.spark });
    // EFA training file systems (prod) link the teams' prefixes of the features and models buckets.
    this.compute = new ComputeStack(this, 'Compute', {
      config,
      vpc,
      keys: this.security.keys,
      featuresBucket: this.data.lake.bucket('features'),
      modelsBucket: this.data.lake.bucket('models'),
      prometheusWorkspaceArn: this.metrics?.prometheus.workspace.attrArn,
    });

    // The Studio domain (dev, staging): after Network only; the Team stacks add their profiles.
    if (config.notebooks?.enabled) {
      this.notebooks = new NotebooksStack(this, 'Notebooks', { config, vpc, dataKey: this.security.keys.data });
    }

    // Team roles are scoped to prefixes of the lake's zone buckets; model servers read their model
    // from the models zone and read features from the online store.
    const lakeBucketArns = {
      raw: this.data.lake.bucket('raw').bucketArn,
      curated: this.data.lake.bucket('curated').bucketArn,
      features: this.data.lake.bucket('features').bucketArn,
      models: this.data.lake.bucket('models').bucketArn,
    };
    const servedTeams = new Set(config.serving.modelServers.map((s) => s.team));
    const storeAdmitter = config.cluster.teams.find((t) => servedTeams.has(t.name))?.name;
    const teams: Record<string, TeamStack> = {};
    for (const team of config.cluster.teams) {
      teams[team.name] = new TeamStack(this, `Team-${team.name}`, {
        config,
        team,
        cluster: this.compute.clusterAttributes,
        lakeKey: this.security.keys.data,
        lakeBucketArns,
        modelsBucket: this.data.lake.bucket('models'),
        featureStore: this.featureStore.onlineStore,
        admitClusterToFeatureStore: team.name === storeAdmitter,
        trainingFileSystem: this.compute.trainingFileSystems[team.name],
        mlflow: this.serving,
        // Team self-service: Spark job runs, image repositories (serving key), topics (only when declared:
        // the Streaming stack then comes before the team's).
        spark: this.data.spark,
        imagesKey: this.security.keys.serving,
        notebookDomain: this.notebooks?.domain,
        streaming:
          (team.services?.topics.produce.length ?? 0) + (team.services?.topics.consume.length ?? 0) > 0
            ? this.streaming.streaming
            : undefined,
      });
    }
    this.teams = teams;

    const groups: Record<string, FeatureGroupStack> = {};
    for (const definition of config.featureStore.featureGroups) {
      groups[definition.name] = new FeatureGroupStack(this, featureGroupStackId(definition.name), {
        config,
        definition,
        lake: this.data.lake,
      });
    }
    this.featureGroups = groups;

    // The feature pipelines wire what the slow stacks created (topics on MSK, the archive into the
    // lake, jobs on Spark, consumers on EKS writing the store), so they deploy after all of them.
    this.features = new FeaturesStack(this, 'Features', {
      config,
      vpc,
      lake: this.data.lake,
      spark: this.data.spark,
      streaming: this.streaming.streaming,
      onlineStore: this.featureStore.onlineStore,
      logsKey: this.security.keys.logs,
      cluster: this.compute.clusterAttributes,
      // With no team running model servers, no team stack admits the cluster to the store: here.
      admitClusterToFeatureStore: storeAdmitter === undefined,
      oncall: this.security.oncall,
    });

    // The model lifecycle (issue 13). Airflow (MWAA, ~30 min to create) waits only for Security,
    // Network and Data; Lifecycle (pipelines, approval, promotion, retraining) for Serving and the
    // model stacks (registry, specs, drift alarms), and holds the trainer guardrail it attaches to
    // the team roles and the MWAA role (so those stacks never wait for it).
    if (config.lifecycle.airflow.enabled) {
      this.airflow = new AirflowStack(this, 'Airflow', {
        config,
        vpc,
        lake: this.data.lake,
        dataKey: this.security.keys.data,
        spark: this.data.spark,
      });
    }
    this.lifecycle = new LifecycleStack(this, 'Lifecycle', {
      config,
      vpc,
      lake: this.data.lake,
      dataKey: this.security.keys.data,
      logsKey: this.security.keys.logs,
      servingKey: this.security.keys.serving,
      serving: this.serving,
      oncall: this.security.oncall,
      models: this.models,
      trainerRoles: [
        ...Object.values(this.teams).map((t) => t.identity.role),
        ...(this.airflow ? [this.airflow.airflow.executionRole] : []),
      ],
      // The EKS trainer (models with trainer.kind 'eksTrainJob'): the cluster, and each team's workload role.
      cluster: {
        ...this.compute.clusterAttributes,
        endpoint: this.compute.mlCluster.cluster.clusterEndpoint,
        certificateAuthorityData: this.compute.mlCluster.cluster.clusterCertificateAuthorityData,
      },
      teamWorkloadRoles: Object.fromEntries(Object.entries(this.teams).map(([name, t]) => [name, t.identity.role])),
    });
    // A TrainJob's Role and RoleBinding apply in the team's namespace: after the team's stack.
    for (const m of config.lifecycle.models) {
      if (m.trainer.kind === 'eksTrainJob' && this.teams[m.trainer.team])
        this.lifecycle.addStackDependency(this.teams[m.trainer.team]!, 'the TrainJob Role applies in the team namespace');
    }

    // Dashboards, SLOs, threshold alarms and cost guardrails: deployed last, they only read names.
    this.observability = new ObservabilityStack(this, 'Observability', {
      config,
      oncall: this.security.oncall,
      onlineStoreReplicationGroupId: this.featureStore.onlineStore.replicationGroupId,
      sparkApplicationId: this.data.spark.applicationId,
      clusterName: this.compute.clusterAttributes.clusterName,
      // Training pipelines (Step Functions, by model): their outcomes get a dashboard section and tickets.
      pipelines: Object.fromEntries(Object.entries(this.lifecycle.pipelines).map(([model, p]) => [model, p.stateMachine])),
    });
    // Per-team budgets select costs by the `team` cost-allocation tag.
    for (const [name, stack] of Object.entries(teams)) Tags.of(stack).add('team', name);

    Tags.of(this).add('platform', 'ml-platform');
    Tags.of(this).add('environment', config.name);
    Tags.of(this).add('cost-center', config.tags.costCenter);
    Tags.of(this).add('owner', config.tags.owner);

    RetainStatefulResources.check(this, config.retainStatefulResources);
    acknowledgeFeatureStorePolicy(config.name, this.featureStore.onlineStore);
    this.handles = publishPlatformHandles(this);
  }
}
