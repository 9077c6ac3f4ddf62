import { Annotations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { App as Cdk8sApp } from 'cdk8s';
import { Construct } from 'constructs';
import { ModelServerIdentity, type TeamLakeAccess, TeamWorkloadIdentity } from '../../constructs';
import { TeamLocalQueueChart } from '../../k8s/charts/kueue-queues';
import { ModelServingChart } from '../../k8s/charts/model-serving';
import { TeamTenancyChart, teamServiceAccountName } from '../../k8s/charts/team-tenancy';
import { LAKE_ZONE_NAMES, type LakeZoneName, type TeamConfig } from '../config';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { modelServingProps, servingConfigMap, type TrainingFileSystemRef, tenancyProps, trainingDataVolume } from './charts';
import { manifestOwner } from './gitops';
import type { TeamClusterAttributes } from './stack';
import { addTeamServices, type TeamServicesProps } from './team-services';

/** What a Team stack needs of the online feature store (OnlineFeatureStore satisfies it). */
export interface FeatureStoreAccess {
  /** Lets a principal connect as the store's reader or writer user (IAM authentication). */
  grantConnect(grantee: iam.IGrantable, access: 'reader' | 'writer'): iam.Grant;
  /** The store's security group(s) and port; the cluster's pods are admitted on that port. */
  readonly connections?: ec2.Connections;
  /** The store's configuration endpoint (host), for the servers' ConfigMap. */
  readonly configurationEndpoint?: string;
  /** The store's port: the servers' NetworkPolicy admits it and their ConfigMap names it. */
  readonly port?: number;
  /** User id of the store's reader (IAM authentication), for the servers' ConfigMap. */
  readonly readerUserId?: string;
}

export interface TeamStackProps extends PlatformStackProps, TeamServicesProps {
  /** The team (an entry of `cluster.teams`). */
  readonly team: TeamConfig;
  /** The environment's EKS cluster (Compute stack), imported by attributes. */
  readonly cluster: TeamClusterAttributes;
  /** Key of the lake (Security stack's data key): the team's role decrypts and encrypts its prefixes. */
  readonly lakeKey: kms.IKey;
  /**
   * ARNs of the lake's zone buckets (the Data stack's). A team prefix `<zone>/<key prefix>` from
   * config applies to that zone's bucket.
   */
  readonly lakeBucketArns: Readonly<Record<LakeZoneName, string>>;
  /**
   * The lake's models bucket (Data stack): the team's model servers read their model's prefix of
   * it, and learn its name from the `ml-platform-serving` ConfigMap of the namespace.
   * @default - model servers get no model access and no bucket in their ConfigMap (their pods wait for it)
   */
  readonly modelsBucket?: s3.IBucket;
  /**
   * The online feature store: model servers connect to it as its reader (IAM authentication) and
   * find its endpoint and user in the ConfigMap.
   * @default - no feature store access
   */
  readonly featureStore?: FeatureStoreAccess;
  /**
   * Admit the cluster's pods to the online feature store here. A security-group rule exists once:
   * the stage gives it to exactly one team stack (the first team with model servers).
   * @default false
   */
  readonly admitClusterToFeatureStore?: boolean;
  /**
   * The team's EFA training file system (Compute stack, prod): its PersistentVolume and the claim
   * `training-data` in the team's namespace are applied here, after the namespace.
   * @default - no training storage
   */
  readonly trainingFileSystem?: TrainingFileSystemRef;
  /**
   * The environment's MLflow (ServingStack satisfies it): the team's role logs runs there
   * (issue 13, lifecycle).
   * @default - no MLflow access
   */
  readonly mlflow?: MlflowAccess;
}

/** What a Team stack needs of MLflow (ServingStack satisfies it). */
export interface MlflowAccess {
  /** ARN of the environment's MLflow app or tracking server. */
  readonly mlflowArn: string;
}

/** MLflow REST API actions a team uses: experiments, runs, artifacts, the model registry (IAM names, sagemaker-mlflow:). */
const MLFLOW_TEAM_ACTIONS = [
  'CreateExperiment',
  'GetExperiment',
  'GetExperimentByName',
  'SearchExperiments',
  'UpdateExperiment',
  'SetExperimentTag',
  'CreateRun',
  'GetRun',
  'SearchRuns',
  'LogBatch',
  'LogMetric',
  'LogParam',
  'LogInputs',
  'LogModel',
  'SetTag',
  'GetMetricHistory',
  'ListArtifacts',
  'CreateRegisteredModel',
  'GetRegisteredModel',
  'SearchRegisteredModels',
  'CreateModelVersion',
  'GetModelVersion',
  'SearchModelVersions',
  'GetDownloadURIForModelVersionArtifacts',
];

/**
 * A team's stack (`MlPlatform-<env>-Team-<name>`): the team's tenancy chart (namespace, quota,
 * limits, network policies, service account), the IAM role bound to that service account by EKS
 * Pod Identity, and the team's model servers (`serving.modelServers` of this team: chart, Pod
 * Identity role, the namespace's `ml-platform-serving` ConfigMap). Manifests apply through the
 * Compute stack's kubectl provider, imported by attributes, so the Compute stack does not grow
 * with teams or servers and a team's change deploys only its own stack.
 *
 * Construct ids ('Identity', 'Tenancy', 'ModelServers/<server>') name the team's resources: keep them.
 */
export class TeamStack extends PlatformStack {
  readonly identity: TeamWorkloadIdentity;
  readonly modelServerIdentities: Record<string, ModelServerIdentity> = {};
  /** The team's image repositories (by config name) and its grants on the platform's services. */
  readonly services: ReturnType<typeof addTeamServices>;

  constructor(scope: Construct, id: string, props: TeamStackProps) {
    super(scope, id, props);
    const { config, team } = props;
    const cluster = eks.Cluster.fromClusterAttributes(this, 'Cluster', {
      clusterName: props.cluster.clusterName,
      clusterSecurityGroupId: props.cluster.clusterSecurityGroupId,
      kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(this, 'KubectlProvider', {
        serviceToken: props.cluster.kubectlServiceToken,
        role: props.cluster.kubectlRoleArn ? iam.Role.fromRoleArn(this, 'KubectlRole', props.cluster.kubectlRoleArn) : undefined,
      }),
    });

    // The same charts `npm run synth:k8s` writes to dist/k8s/<env>/ for the ones GitOps owns (lib/compute/gitops.ts).
    const app = new Cdk8sApp();
    const chartProps = tenancyProps(config).find((p) => p.team === team.name)!;
    // Charts GitOps owns (cluster.manifestOwner(s)) are built but not applied: dist/k8s/<env>/ holds them.
    const tenancyChart = new TeamTenancyChart(app, `team-${team.name}`, chartProps);
    const tenancy = manifestOwner(config, 'team-tenancy') === 'cdk' ? cluster.addCdk8sChart('Tenancy', tenancyChart) : undefined;
    const afterTenancy = (c: Construct) => {
      if (tenancy) c.node.addDependency(tenancy);
    };
    this.identity = new TeamWorkloadIdentity(this, 'Identity', {
      cluster,
      namespace: team.name,
      serviceAccountName: teamServiceAccountName(team.name),
      lakeKey: props.lakeKey,
      lake: teamLakeAccess(team.lake, props.lakeBucketArns),
    });

    // Kueue: the team's LocalQueue (its ClusterQueue is the Compute stack's).
    if (manifestOwner(config, 'kueue-queues') === 'cdk') {
      const localQueue = cluster.addCdk8sChart(
        'LocalQueue',
        new TeamLocalQueueChart(app, `kueue-local-queue-${team.name}`, { environment: config.name, team: team.name }),
      );
      afterTenancy(localQueue);
    }
    if (props.trainingFileSystem) {
      const volume = cluster.addManifest('TrainingData', ...trainingDataVolume(config, team.name, props.trainingFileSystem));
      afterTenancy(volume);
    }

    this.addModelServers(props, cluster, app, afterTenancy);

    // Team self-service (TeamConfig.services): image repositories and the platform services' grants.
    this.services = addTeamServices(this, config, team, this.identity.role, props);
  }

  /**
   * The team's model servers: per server, the chart `npm run synth:k8s` writes to
   * dist/k8s/<env>/serving (applied after the namespace) and the IAM role its service account is
   * bound to; once per namespace, the ConfigMap naming the models bucket and the store.
   */
  private addModelServers(props: TeamStackProps, cluster: eks.ICluster, app: Cdk8sApp, afterTenancy: (c: Construct) => void): void {
    const { config, team, modelsBucket, featureStore } = props;
    const servers = config.serving.modelServers.filter((s) => s.team === team.name);
    // The servers reach the store on the port the store itself listens on.
    const storePort = featureStore?.port ?? featureStore?.connections?.defaultPort?.toRuleJson().fromPort;
    // Every team namespace gets the serving ConfigMap: model servers, RayJobs and LLM servers find the models bucket there.
    const store =
      featureStore?.configurationEndpoint !== undefined && featureStore.readerUserId !== undefined && storePort !== undefined
        ? { endpoint: featureStore.configurationEndpoint, port: storePort, user: featureStore.readerUserId }
        : undefined;
    if (modelsBucket || store) {
      const configMap = cluster.addManifest(
        'ServingConfig',
        servingConfigMap(config, team.name, { modelsBucket: modelsBucket?.bucketName, featureStore: store }),
      );
      afterTenancy(configMap);
    }
    if (servers.length > 0) {
      const scope = new Construct(this, 'ModelServers');
      if (!modelsBucket) {
        Annotations.of(scope).addWarningV2(
          'ml-platform:modelServersWithoutBucket',
          'No modelsBucket given: model servers get no model access and their pods wait for the models-bucket key of the ml-platform-serving ConfigMap.',
        );
      }
      for (const s of servers) {
        const server = new Construct(scope, s.name);
        const chart = new ModelServingChart(app, s.name, modelServingProps(config, s, { featureStorePort: storePort }));
        if (manifestOwner(config, 'model-servers') === 'cdk') afterTenancy(cluster.addCdk8sChart(`ModelServer-${s.name}`, chart));
        const identity = new ModelServerIdentity(server, 'Identity', {
          cluster,
          namespace: s.team,
          serviceAccountName: chart.serviceAccount.name,
          modelsBucket,
          modelPrefix: modelsBucket ? s.modelPath : undefined,
        });
        featureStore?.grantConnect(identity, 'reader');
        this.modelServerIdentities[s.name] = identity;
      }
    }

    // --- MLflow (issue 13, lifecycle): the team's workloads and notebooks log runs to the
    // environment's MLflow, through a managed policy of its own (no inline policies); the REST API
    // actions by name (sagemaker-mlflow:* would include AccessUI, which IAM cannot scope).
    if (props.mlflow) {
      const app = config.serving.mlflow.kind === 'app';
      new iam.ManagedPolicy(this, 'MlflowUse', {
        description: `Team ${team.name}: use the environment's MLflow`,
        roles: [this.identity.role],
        statements: [
          new iam.PolicyStatement({
            actions: [
              ...MLFLOW_TEAM_ACTIONS.map((a) => `sagemaker-mlflow:${a}`),
              app ? 'sagemaker:CreatePresignedMlflowAppUrl' : 'sagemaker:CreatePresignedMlflowTrackingServerUrl',
              app ? 'sagemaker:DescribeMlflowApp' : 'sagemaker:DescribeMlflowTrackingServer',
            ],
            resources: [props.mlflow.mlflowArn],
          }),
        ],
      });
    }
    // --- end MLflow

    // The consumer holds the wiring: the store's security group admits the cluster's pods (on
    // the cluster security group, which the nodes and their pods use) on the store's port. One
    // rule per environment, in the one team stack the stage names.
    if (!props.admitClusterToFeatureStore) return;
    for (const [i, sg] of (featureStore?.connections?.securityGroups ?? []).entries()) {
      const port = featureStore!.connections!.defaultPort;
      if (!port) throw new Error('TeamStack: featureStore.connections has no defaultPort; the cluster cannot be admitted to it');
      new ec2.CfnSecurityGroupIngress(this, `FeatureStoreFromCluster${i}`, {
        groupId: sg.securityGroupId,
        sourceSecurityGroupId: props.cluster.clusterSecurityGroupId,
        ...port.toRuleJson(),
        description: `Model servers of ${config.name}'s cluster to the online feature store`,
      });
    }
  }
}

/**
 * A team's lake access per zone bucket: config prefixes are `<zone>/<key prefix>`
 * (`curated/credit/` is `credit/` in the curated bucket).
 */
export function teamLakeAccess(lake: TeamConfig['lake'], bucketArns: Readonly<Record<LakeZoneName, string>>): TeamLakeAccess[] {
  const split = (prefix: string) => {
    const [zone, ...rest] = prefix.split('/');
    return { zone: zone as LakeZoneName, key: `${rest.join('/')}` };
  };
  return LAKE_ZONE_NAMES.map((zone) => ({
    bucketArn: bucketArns[zone],
    readPrefixes: lake.readPrefixes
      .map(split)
      .filter((p) => p.zone === zone)
      .map((p) => p.key),
    writePrefixes: lake.writePrefixes
      .map(split)
      .filter((p) => p.zone === zone)
      .map((p) => p.key),
  })).filter((a) => a.readPrefixes.length + a.writePrefixes.length > 0);
}
