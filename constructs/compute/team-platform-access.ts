import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../private/acknowledge';
import { ManagedPolicyPrincipal } from '../private/managed-policy-principal';
import { REGISTER_ACTIONS } from '../serving/model-registry';
import type { ISparkApplication } from '../spark/spark-application';
import type { IStreamingCluster } from '../streaming/streaming-cluster';

/** SageMaker names: letters, digits and hyphens (model package group names). */
const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** Kafka topic and group names granted exactly (no wildcards). */
const KAFKA_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export interface TeamPlatformAccessProps {
  /** The team's role the grants go to (e.g. its `TeamWorkloadIdentity` role). */
  readonly role: iam.IRole;
  /**
   * Model package groups the team registers versions in (`<env>-<model>`): create, describe and
   * list versions, tag them; approval stays with the platform's approval flow.
   * @default - none
   */
  readonly modelPackageGroups?: readonly string[];
  /**
   * The platform's Spark application: the team submits, inspects and cancels job runs as its job role.
   * @default - no Spark access
   */
  readonly spark?: ISparkApplication;
  /**
   * The event-stream cluster, with the topics the team writes and reads (exact names) and the
   * prefix of its consumer groups (`<prefix>-<anything>`).
   * @default - no topic access
   */
  readonly streams?: {
    readonly cluster: IStreamingCluster;
    readonly produce?: readonly string[];
    readonly consume?: readonly string[];
    readonly consumerGroupPrefix: string;
  };
  /**
   * Image repositories the team pushes to and pulls from.
   * @default - none
   */
  readonly repositories?: readonly ecr.IRepository[];
}

/**
 * What a team may use of the platform's shared services, in one customer-managed policy attached
 * to the team's role: its model package groups (register versions), job runs on the Spark
 * application, produce/consume on its declared topics (consumer groups under its own prefix), and
 * push/pull on its image repositories. Every grant names its resources; the wildcards are the
 * versions of its own groups, the job runs of the application, its own consumer groups and
 * `ecr:GetAuthorizationToken` (no resource-level permissions), each acknowledged here.
 *
 * @example
 * declare const identity: TeamWorkloadIdentity;
 * declare const events: StreamingCluster;
 * declare const trainingImages: ecr.IRepository;
 * new TeamPlatformAccess(this, 'PlatformAccess', {
 *   role: identity.role,
 *   modelPackageGroups: ['prod-fraud'],
 *   spark,
 *   streams: { cluster: events, consume: ['card-transactions'], consumerGroupPrefix: 'fraud' },
 *   repositories: [trainingImages],
 * });
 */
export class TeamPlatformAccess extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: TeamPlatformAccessProps) {
    super(scope, id);
    const groups = props.modelPackageGroups ?? [];
    for (const g of groups) {
      if (!Token.isUnresolved(g) && !GROUP_NAME.test(g)) {
        throw new Error(`TeamPlatformAccess: model package group '${g}' is not a SageMaker name (letters, digits, hyphens; 1-63)`);
      }
    }
    const streams = props.streams;
    for (const name of [...(streams?.produce ?? []), ...(streams?.consume ?? []), ...(streams ? [streams.consumerGroupPrefix] : [])]) {
      if (!Token.isUnresolved(name) && !KAFKA_NAME.test(name)) {
        throw new Error(`TeamPlatformAccess: '${name}' is not a Kafka topic or group name (letters, digits, '.', '_', '-'; no wildcards)`);
      }
    }

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'A team: its model package groups, Spark job runs, topics and image repositories',
    });
    props.role.addManagedPolicy(this.policy);
    const grantee = new ManagedPolicyPrincipal(props.role, this.policy);
    const stack = Stack.of(this);

    if (groups.length > 0) {
      iam.Grant.addToPrincipal({
        grantee,
        actions: REGISTER_ACTIONS,
        resourceArns: groups.flatMap((g) => [
          stack.formatArn({
            service: 'sagemaker',
            resource: 'model-package-group',
            resourceName: g,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
          stack.formatArn({
            service: 'sagemaker',
            resource: 'model-package',
            resourceName: `${g}/*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ]),
      });
    }
    props.spark?.grantStartJobRun(grantee);
    if (streams) {
      for (const topic of streams.produce ?? []) streams.cluster.grantProduce(grantee, topic);
      for (const topic of streams.consume ?? []) streams.cluster.grantConsume(grantee, topic, `${streams.consumerGroupPrefix}-*`);
    }
    for (const repository of props.repositories ?? []) repository.grantPullPush(grantee);

    acknowledgeWildcards(this.policy, (finding) => {
      if (/^Resource::arn:[^:]+:sagemaker:[^:]*:[^:]*:model-package\/[a-zA-Z0-9-]+\/\*$/.test(finding)) {
        return "The versions of the team's own model package groups (model-package/<group>/<version>)";
      }
      if (/jobruns\/\*$/.test(finding)) return "Job runs of the platform's Spark application, created by the team's StartJobRun";
      if (streams && finding.endsWith(`/${streams.consumerGroupPrefix}-*`)) return "The team's own consumer groups (its prefix)";
      if (finding === 'Resource::*' && (props.repositories ?? []).length > 0) {
        return 'ecr:GetAuthorizationToken has no resource-level permissions; pushes and pulls are limited to the team repositories';
      }
      return undefined;
    });
  }
}
