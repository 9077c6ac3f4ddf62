import { readFileSync } from 'node:fs';
import type { CfnResource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { App as Cdk8sApp } from 'cdk8s';
import type { Construct, IConstruct } from 'constructs';
import {
  ArchivePipeNetwork,
  type DataLake,
  EventStreams,
  FeatureJobs,
  FeatureStreamConsumer,
  KAFKA_IAM_PORT,
  type OnlineFeatureStore,
  type SparkApplication,
  type StreamingCluster,
  TopicArchive,
  TopicArchivePipe,
} from '../../constructs';
import type { IOnCallTopics } from '../../constructs/observability';
import { acknowledgeWildcards, when } from '../../constructs/private/acknowledge';
import { ManagedPolicyPrincipal } from '../../constructs/private/managed-policy-principal';
import { FeatureStreamChart } from '../../k8s/charts/feature-stream';
import { pascal } from '../feature-store/feature-group-stack';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { jobBundleDir, streamBundlePath } from './bundles';
import { deadLetterOptions, deadLetterTopicName, fromRoot, topicOptions } from './rules';

/** What the Features stack needs of the EKS cluster (the Compute stack's), imported by attributes. */
export interface FeaturesClusterAttributes {
  readonly clusterName: string;
  readonly clusterSecurityGroupId: string;
  /** Service token of the cluster's kubectl provider: the consumer charts apply through it. */
  readonly kubectlServiceToken: string;
  readonly kubectlRoleArn?: string;
}

export interface FeaturesStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  readonly lake: DataLake;
  readonly spark: SparkApplication;
  readonly streaming: StreamingCluster;
  readonly onlineStore: OnlineFeatureStore;
  readonly cluster: FeaturesClusterAttributes;
  readonly logsKey: kms.IKey;
  /**
   * Admit the cluster security group to the online store here. The stage sets it when no team stack
   * does (no team runs model servers): the consumers must reach the store either way, and the
   * same rule twice would fail (InvalidPermission.Duplicate).
   * @default false
   */
  readonly admitClusterToFeatureStore?: boolean;
  /**
   * The on-call topics: archive pipes (features.archiveDelivery 'pipe') alarm on failed executions.
   * @default - no alarms
   */
  readonly oncall?: IOnCallTopics;
}

/**
 * The feature pipelines of one environment (`MlPlatform-<env>-Features`): the event topics with
 * their schemas and dead-letter topics on the MSK cluster, a Firehose archive of each archived
 * topic into the raw zone, and per feature view its EMR Serverless backfill and training-set jobs
 * and its streaming consumer on EKS (Pod Identity role, chart applied through the cluster's kubectl
 * provider). The consumer holds the wiring: this stack adds its ingress rule to the brokers'
 * security group (the store already admits the cluster's pods) and its grants, so it deploys after
 * Data, FeatureStore and Compute.
 *
 * Construct ids ('Streams', '<topic>' under it, 'Archive-<topic>', 'ArchivePipe-<topic>', '<View>Jobs', '<View>Stream')
 * name stateful resources (topics, schemas, registry): never rename them.
 */
export class FeaturesStack extends PlatformStack {
  readonly streams: EventStreams;
  readonly archives: Readonly<Record<string, TopicArchive>>;
  /** Archives through EventBridge Pipes (features.archiveDelivery 'pipe'), by topic. */
  readonly archivePipes: Readonly<Record<string, TopicArchivePipe>>;
  readonly jobs: Readonly<Record<string, FeatureJobs>>;
  readonly consumers: Readonly<Record<string, FeatureStreamConsumer>>;

  constructor(scope: Construct, id: string, props: FeaturesStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config, lake, streaming, onlineStore } = props;
    const f = config.features;
    const sparkPolicy = this.admitSpark(streaming, props.spark);
    const removalPolicy = this.statefulRemovalPolicy;

    // Topics, schemas and the registry are named: RetainExceptOnCreate where retained (a failed
    // first create leaves no name behind to block the retry).
    this.streams = new EventStreams(this, 'Streams', {
      cluster: streaming,
      registryName: `mlp-${config.name}-events`,
      removalPolicy: this.namedStatefulRemovalPolicy,
    });
    const archives: Record<string, TopicArchive> = {};
    const archivePipes: Record<string, TopicArchivePipe> = {};
    for (const t of f.topics) {
      const topic = this.streams.addTopic(topicOptions(t));
      this.streams.addTopic(deadLetterOptions(t));
      if (t.archive && f.archiveDelivery === 'pipe') {
        archivePipes[t.name] = this.archiveThroughPipe(props, t.name, topic);
      } else if (t.archive) {
        const archive = new TopicArchive(this, `Archive-${t.name}`, {
          cluster: streaming,
          topicName: t.name,
          destination: { bucket: lake.bucket('raw'), encryptionKey: lake.encryptionKey },
          logsKey: props.logsKey,
          logRetention: config.logging.retentionDays,
          removalPolicy,
        });
        archive.node.addDependency(topic);
        archives[t.name] = archive;
      }
    }
    this.archives = archives;
    this.archivePipes = archivePipes;

    const cluster = eks.Cluster.fromClusterAttributes(this, 'Cluster', {
      clusterName: props.cluster.clusterName,
      clusterSecurityGroupId: props.cluster.clusterSecurityGroupId,
      kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(this, 'KubectlProvider', {
        serviceToken: props.cluster.kubectlServiceToken,
        role: props.cluster.kubectlRoleArn ? iam.Role.fromRoleArn(this, 'KubectlRole', props.cluster.kubectlRoleArn) : undefined,
      }),
    });
    const namespace = f.consumer.namespace;
    const namespaceManifest = cluster.addManifest('ConsumerNamespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          'app.kubernetes.io/part-of': 'ml-platform',
          'platform/env': config.name,
          'pod-security.kubernetes.io/enforce': 'restricted',
        },
      },
    });

    const jobs: Record<string, FeatureJobs> = {};
    const consumers: Record<string, FeatureStreamConsumer> = {};
    const cdk8s = new Cdk8sApp();
    let admitted = false;
    for (const view of f.views) {
      const id = pascal(view.name);
      const topic = view.source.kind === 'stream' ? f.topics.find((t) => t.name === (view.source as { topic: string }).topic) : undefined;
      jobs[view.name] = new FeatureJobs(this, `${id}Jobs`, {
        groupName: view.name,
        application: props.spark,
        bundle: { directory: jobBundleDir(view) },
        rawEvents: { bucket: lake.bucket('raw'), prefix: topic ? `${topic.name}/` : `${(view.source as { table: string }).table}/` },
        features: { bucket: lake.bucket('features'), databaseName: lake.database('features').databaseName },
        labels: { bucket: lake.bucket('curated'), prefix: f.labelsPrefix },
        trainingSetHoldoutFraction: f.trainingSetHoldoutFraction,
        lakeKey: lake.encryptionKey,
        parameterPrefix: `/mlp/${config.name}`,
      });
      if (!topic) continue;

      const serviceAccountName = `${view.name.replace(/_/g, '-')}-stream`;
      const consumer = new FeatureStreamConsumer(this, `${id}Stream`, {
        groupName: view.name,
        cluster,
        namespace,
        serviceAccountName,
        streams: this.streams,
        topicName: topic.name,
        deadLetterTopicName: deadLetterTopicName(topic.name),
        onlineStore,
        bundlePath: streamBundlePath(),
        baseImage: f.consumer.baseImage,
      });
      consumers[view.name] = consumer;
      const chart = new FeatureStreamChart(cdk8s, `${serviceAccountName}`, {
        name: serviceAccountName,
        namespace,
        environment: config.name,
        serviceAccountName,
        image: consumer.imageUri,
        region: config.region,
        replicas: f.consumer.replicas,
        cpu: f.consumer.cpu,
        memoryMiB: f.consumer.memoryMiB,
        env: {
          FEATURE_VIEW: view.name,
          FEATURE_SCHEMA: JSON.stringify(JSON.parse(readFileSync(fromRoot(topic.schemaFile), 'utf8'))),
          KAFKA_BOOTSTRAP_BROKERS: streaming.bootstrapBrokersSaslIam,
          KAFKA_TOPIC: topic.name,
          KAFKA_CONSUMER_GROUP: consumer.consumerGroup,
          KAFKA_DEAD_LETTER_TOPIC: deadLetterTopicName(topic.name),
          STORE_ENDPOINT: onlineStore.configurationEndpoint,
          STORE_PORT: String(onlineStore.port),
          STORE_USER: onlineStore.writerUserId,
          STORE_REPLICATION_GROUP: onlineStore.replicationGroupId,
        },
        brokers: { cidrs: [config.network.vpcCidr], port: KAFKA_IAM_PORT },
        onlineStore: { cidrs: [config.network.vpcCidr], port: onlineStore.port },
        // HTTPS (CloudWatch metrics) as team pods reach AWS: the VPC's interface endpoints, and in dev through NAT.
        httpsCidrs: [config.network.vpcCidr, ...config.cluster.podHttpsEgressCidrs],
      });
      const applied = cluster.addCdk8sChart(`${id}StreamChart`, chart);
      applied.node.addDependency(namespaceManifest, consumer.association);

      // The consumer holds the wiring: its pods (on the cluster security group) may reach the
      // brokers and the store. Once per environment, whatever the number of views.
      if (!admitted) {
        new ec2.CfnSecurityGroupIngress(this, 'BrokersFromConsumers', {
          groupId: streaming.securityGroup.securityGroupId,
          sourceSecurityGroupId: props.cluster.clusterSecurityGroupId,
          ipProtocol: 'tcp',
          fromPort: KAFKA_IAM_PORT,
          toPort: KAFKA_IAM_PORT,
          description: 'Feature stream consumers on EKS read the event topics',
        });
        // The store admits the cluster security group on its port once per environment: in the team
        // stack of the first team with model servers, or here when there is none.
        if (props.admitClusterToFeatureStore) {
          new ec2.CfnSecurityGroupIngress(this, 'FeatureStoreFromConsumers', {
            groupId: onlineStore.securityGroup.securityGroupId,
            sourceSecurityGroupId: props.cluster.clusterSecurityGroupId,
            ipProtocol: 'tcp',
            fromPort: onlineStore.port,
            toPort: onlineStore.port,
            description: 'Feature stream consumers on EKS write the online store',
          });
        }
        admitted = true;
      }
    }
    this.jobs = jobs;
    this.consumers = consumers;

    // cfn-lint 1.51 does not model Fn::GetStackOutput (weak cross-stack references) inside
    // Fn::Split and reports E1022 on the Kafka topic and group ARNs built from the cluster ARN's
    // UUID. The templates are valid CloudFormation; the check is ignored on those policies only.
    for (const policy of [
      sparkPolicy,
      ...Object.values(archives).map((a) => a.policy),
      ...Object.values(archivePipes).map((a) => a.pipePolicy),
      ...Object.values(consumers).map((c) => c.policy),
    ]) {
      (policy.node.defaultChild as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: ['E1022'] } });
    }
  }

  /**
   * Archives a topic through an EventBridge pipe (brokers without multi-VPC connectivity): the pipe
   * and its Direct PUT stream (`ArchivePipe-<topic>`, the MSK-source archive's S3 destination), the
   * network its pollers need (`ArchivePipeNetwork`, once), and a ticket when its executions fail.
   */
  private archiveThroughPipe(props: FeaturesStackProps, topicName: string, topic: IConstruct): TopicArchivePipe {
    const { config, streaming, lake, vpc } = props;
    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    if (!this.node.tryFindChild('ArchivePipeNetwork')) {
      new ArchivePipeNetwork(this, 'ArchivePipeNetwork', {
        vpc,
        brokerSecurityGroup: streaming.securityGroup,
        // Billed per AZ: one endpoint each where the environment has no VPC-wide endpoints (dev).
        endpointSubnets: { ...isolated, onePerAz: true, availabilityZones: [vpc.availabilityZones[0]!] },
        stsEndpoint: !config.network.interfaceEndpoints,
      });
    }
    const archive = new TopicArchivePipe(this, `ArchivePipe-${topicName}`, {
      cluster: streaming,
      vpc,
      brokerSubnets: isolated,
      brokerSecurityGroups: [streaming.securityGroup],
      topicName,
      destination: { bucket: lake.bucket('raw'), encryptionKey: lake.encryptionKey },
      logsKey: props.logsKey,
      logRetention: config.logging.retentionDays,
      removalPolicy: this.statefulRemovalPolicy,
    });
    archive.node.addDependency(topic);
    props.oncall?.alarm(this, `ArchivePipeFailed-${topicName}`, {
      alarmName: `${config.name}-archive-pipe-failed-${topicName}`,
      metric: archive.metricFailedExecutions(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      summary: `The archive pipe of topic ${topicName} failed to deliver a batch to the raw zone; the pipe retries it until the records leave the topic (${topicName} keeps them for its retention).`,
      severity: 'ticket',
      owner: config.observability.owners.features,
      runbook: 'archive-pipe-failed',
    });
    return archive;
  }

  /**
   * Spark (Data stack) consumes the configured topics of the brokers (Streaming stack): its job
   * role gets the grant in a managed policy of this stack, and its security group reaches the
   * brokers' port (egress and ingress, both here). The consumer holds the wiring, so neither slow
   * stack waits for the other: Streaming starts right after Network.
   */
  private admitSpark(streaming: StreamingCluster, spark: SparkApplication): iam.ManagedPolicy {
    const sp = this.config.spark;
    const policy = new iam.ManagedPolicy(this, 'SparkConsumePolicy', {
      description: 'Spark jobs consume the configured topics of the event streams',
      roles: [spark.jobRole],
    });
    streaming.grantConsume(
      { grantPrincipal: new ManagedPolicyPrincipal(spark.jobRole, policy) },
      sp.consumeTopicPattern,
      sp.consumerGroupPattern,
    );
    acknowledgeWildcards(
      policy,
      when(
        /^Resource::arn:aws:kafka:[a-z0-9-]+:\d{12}:(topic|group)\/[^/]+\/.+$/,
        'The wildcard is inside one MSK cluster (by UUID): the configured topic and consumer-group patterns of the Spark jobs.',
      ),
    );
    const port = streaming.connections.defaultPort!.toRuleJson();
    for (const [i, sg] of streaming.connections.securityGroups.entries()) {
      const suffix = i === 0 ? '' : `${i}`;
      new ec2.CfnSecurityGroupIngress(this, `BrokersFromSpark${suffix}`, {
        groupId: sg.securityGroupId,
        sourceSecurityGroupId: spark.securityGroup.securityGroupId,
        ...port,
        description: 'Spark jobs consume events',
      });
      new ec2.CfnSecurityGroupEgress(this, `SparkToBrokers${suffix}`, {
        groupId: spark.securityGroup.securityGroupId,
        destinationSecurityGroupId: sg.securityGroupId,
        ...port,
        description: 'Spark jobs consume events',
      });
    }
    return policy;
  }
}
