import { copyFileSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
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
   * Node.js base image of the consumer's image (`FROM`). The image built on it holds the bundle and
   * is published to the account's CDK container-assets repository (tags immutable, named by the
   * content hash), so pods run an image pinned by content, pulled from the account's own ECR.
   * @default 'public.ecr.aws/docker/library/node:22-alpine'
   */
  readonly baseImage?: string;
  /**
   * CloudWatch namespace the processor publishes its freshness metric (FeatureAgeSeconds) to; the
   * role may put metric data in this namespace only.
   * @default 'MlPlatform/Features'
   */
  readonly metricsNamespace?: string;
}

/** Where the bundle sits in the consumer's image. */
export const FEATURE_STREAM_APP_DIR = '/app';
/** The non-root user the image and its pods run as. */
export const FEATURE_STREAM_USER = 65532;
const DEFAULT_BASE_IMAGE = 'public.ecr.aws/docker/library/node:22-alpine';
const IMAGE_REFERENCE = /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[\w.-]+)?(@sha256:[a-f0-9]{64})?$/;

/**
 * The AWS side of a feature group's streaming computation running as a Kafka consumer on EKS: its
 * container image (the bundle on a Node.js base, a Docker image asset that `cdk deploy` builds and
 * publishes to the account's container-assets ECR repository, whose tags are immutable), and a Pod
 * Identity role (one customer-managed policy) that may consume exactly its topic in exactly its
 * consumer group, produce to its dead-letter topic and connect to the online store as the writer
 * user. The Kubernetes side is `FeatureStreamChart` (k8s/charts/feature-stream.ts), given
 * `imageUri` and the service account. Deploying needs Docker (or Finch) where `cdk deploy` runs;
 * synth does not.
 *
 * @example
 * declare const streams: EventStreams;
 * const consumer = new FeatureStreamConsumer(this, 'ApplicantTxnAggregatesStream', {
 *   groupName: 'applicant_txn_aggregates', cluster, namespace: 'features', serviceAccountName: 'applicant-txn-aggregates',
 *   streams, topicName: 'card-transactions', deadLetterTopicName: 'card-transactions-dlq',
 *   onlineStore, bundlePath: 'dist/feature-stream.cjs',
 * });
 */
export class FeatureStreamConsumer extends Construct {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  /** The consumer's image: the bundle on the Node.js base, published by `cdk deploy`. */
  readonly image: ecrAssets.DockerImageAsset;
  /** URI of the image in the account's container-assets repository (tag = content hash). */
  readonly imageUri: string;
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

    const baseImage = props.baseImage ?? DEFAULT_BASE_IMAGE;
    if (!IMAGE_REFERENCE.test(baseImage)) {
      throw new Error(`${where}: baseImage must be an image reference such as '${DEFAULT_BASE_IMAGE}', got '${baseImage}'`);
    }

    // The build context: the bundle and a Dockerfile, nothing else (the asset hash is their content).
    const context = mkdtempSync(join(tmpdir(), 'mlp-feature-stream-image-'));
    const file = basename(props.bundlePath);
    copyFileSync(props.bundlePath, join(context, file));
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        `FROM ${baseImage}`,
        `WORKDIR ${FEATURE_STREAM_APP_DIR}`,
        `COPY ${file} ${FEATURE_STREAM_APP_DIR}/${file}`,
        `USER ${FEATURE_STREAM_USER}:${FEATURE_STREAM_USER}`,
        'ENV NODE_ENV=production',
        `ENTRYPOINT ["node", "${FEATURE_STREAM_APP_DIR}/${file}"]`,
        '',
      ].join('\n'),
    );
    this.image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: context,
      // The platform's node pools are x86_64 (Karpenter pools require kubernetes.io/arch=amd64).
      platform: ecrAssets.Platform.LINUX_AMD64,
    });
    this.imageUri = this.image.imageUri;

    this.role = new iam.Role(this, 'Role', {
      description: `Streaming computation of feature group ${props.groupName} (EKS Pod Identity ${props.namespace}/${props.serviceAccountName})`,
      assumedBy: podIdentityPrincipal(props.cluster),
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Streaming computation of feature group ${props.groupName}`,
      roles: [this.role],
      statements: [
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
