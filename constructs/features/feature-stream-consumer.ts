import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { checkServiceAccountBinding, podIdentityPrincipal } from '../compute/team-workload-identity';
import { acknowledgeWildcards } from '../private/acknowledge';
import { ManagedPolicyPrincipal } from '../private/managed-policy-principal';
import { GROUP_NAME, TOPIC_NAME } from '../streams/event-streams';

/** The event topics (the `EventStreams` construct fits). */
export interface ConsumableStreams {
  grantConsume(grantee: iam.IGrantable, topicName: string, group: string): iam.Grant;
  grantProduce(grantee: iam.IGrantable, topicName: string): iam.Grant;
}

/** The online store the consumer writes (the platform's `OnlineFeatureStore` fits). */
export interface WritableOnlineStore {
  grantConnect(grantee: iam.IGrantable, access: 'reader' | 'writer'): iam.Grant;
}

export interface FeatureStreamConsumerProps {
  /** The feature group the consumer keeps current, e.g. `applicant_txn_aggregates`. */
  readonly groupName: string;
  /** The EKS cluster the consumer runs on (Pod Identity association). */
  readonly cluster: eks.ICluster;
  /** Namespace and service account of the consumer's pods. */
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly streams: ConsumableStreams;
  /** The group's source topic. */
  readonly topicName: string;
  /**
   * The Kafka consumer group.
   * @default 'feature-stream-<groupName>'
   */
  readonly consumerGroup?: string;
  /**
   * A dead-letter topic for events that break their schema (the consumer produces to it).
   * @default - none (the processor must then drop rejects to its log only)
   */
  readonly deadLetterTopicName?: string;
  readonly onlineStore: WritableOnlineStore;
  /** Local path of the processor's bundle: one self-contained `.js`/`.mjs`/`.cjs` file. */
  readonly bundlePath: string;
  /**
   * CloudWatch namespace the processor publishes its freshness metric (FeatureAgeSeconds) to; the
   * role may put metric data in this namespace only.
   * @default 'MlPlatform/Features'
   */
  readonly metricsNamespace?: string;
}

/**
 * The AWS side of a feature group's streaming computation running as a Kafka consumer on EKS: its
 * code bundle as an S3 asset, and a Pod Identity role (one customer-managed policy) that may
 * consume exactly its topic in exactly its consumer group, produce to its dead-letter topic, connect
 * to the online store as the writer user, and read its own bundle object. The Kubernetes side is
 * `FeatureStreamChart` (k8s/charts/feature-stream.ts), given `bundleS3Uri` and the service account.
 *
 * @example
 * declare const streams: EventStreams;
 * const consumer = new FeatureStreamConsumer(this, 'ApplicantTxnAggregatesStream', {
 *   groupName: 'applicant_txn_aggregates', cluster, namespace: 'features', serviceAccountName: 'applicant-txn-aggregates',
 *   streams, topicName: 'card-transactions', deadLetterTopicName: 'card-transactions-dlq',
 *   onlineStore, bundlePath: 'dist/feature-stream.mjs',
 * });
 */
export class FeatureStreamConsumer extends Construct {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly bundle: s3assets.Asset;
  /** `s3://<bucket>/<key>` of the bundle, for the chart's init container. */
  readonly bundleS3Uri: string;
  /** File name the bundle keeps when fetched (its extension tells Node the module type). */
  readonly bundleFileName: string;
  readonly consumerGroup: string;
  readonly association: eks.CfnPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: FeatureStreamConsumerProps) {
    super(scope, id);
    const where = `FeatureStreamConsumer ${props.groupName}`;
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(props.groupName)) {
      throw new Error(
        `FeatureStreamConsumer groupName must be 1-63 lower-case letters, digits and '_', starting with a letter, got '${props.groupName}'`,
      );
    }
    checkServiceAccountBinding(where, props.namespace, props.serviceAccountName);
    this.consumerGroup = props.consumerGroup ?? `feature-stream-${props.groupName}`;
    if (!GROUP_NAME.test(this.consumerGroup)) {
      throw new Error(`${where}: consumerGroup must be 1-249 letters, digits, '.', '_', '-', got '${this.consumerGroup}'`);
    }
    for (const [field, topic] of [
      ['topicName', props.topicName],
      ['deadLetterTopicName', props.deadLetterTopicName],
    ] as const) {
      if (topic !== undefined && !TOPIC_NAME.test(topic)) {
        throw new Error(`${where}: ${field} must be 1-249 letters, digits, '.', '_', '-', got '${topic}'`);
      }
    }
    if (props.deadLetterTopicName === props.topicName) {
      throw new Error(`${where}: deadLetterTopicName must differ from topicName '${props.topicName}' (rejects would be read again)`);
    }
    if (!/\.(m?js|cjs)$/.test(props.bundlePath) || !existsSync(props.bundlePath) || !statSync(props.bundlePath).isFile()) {
      throw new Error(`${where}: bundlePath must be an existing .js, .mjs or .cjs file (one bundled processor), got '${props.bundlePath}'`);
    }

    this.bundle = new s3assets.Asset(this, 'Bundle', { path: props.bundlePath });
    this.bundleS3Uri = this.bundle.s3ObjectUrl;
    this.bundleFileName = basename(props.bundlePath);

    this.role = new iam.Role(this, 'Role', {
      description: `Streaming computation of feature group ${props.groupName} (EKS Pod Identity ${props.namespace}/${props.serviceAccountName})`,
      assumedBy: podIdentityPrincipal(props.cluster),
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Streaming computation of feature group ${props.groupName}`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'Bundle',
          actions: ['s3:GetObject'],
          resources: [this.bundle.bucket.arnForObjects(this.bundle.s3ObjectKey)],
        }),
        // PutMetricData has no resource type: '*', narrowed to the one namespace by condition.
        new iam.PolicyStatement({
          sid: 'FreshnessMetric',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': props.metricsNamespace ?? 'MlPlatform/Features' } },
        }),
      ],
    });
    acknowledgeWildcards(this.policy, (finding) =>
      finding === 'Resource::*'
        ? 'cloudwatch:PutMetricData has no resource type (IAM reference); the statement is limited to the freshness metric namespace by the cloudwatch:namespace condition.'
        : undefined,
    );
    const principal = new ManagedPolicyPrincipal(this.role, this.policy);
    props.streams.grantConsume(principal, props.topicName, this.consumerGroup);
    if (props.deadLetterTopicName) props.streams.grantProduce(principal, props.deadLetterTopicName);
    props.onlineStore.grantConnect(principal, 'writer');

    this.association = new eks.CfnPodIdentityAssociation(this, 'Resource', {
      clusterName: props.cluster.clusterName,
      namespace: props.namespace,
      serviceAccount: props.serviceAccountName,
      roleArn: this.role.roleArn,
    });
  }
}
