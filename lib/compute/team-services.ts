import { Annotations, Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TeamPlatformAccess } from '../../constructs/compute';
import { type INotebookDomain, NotebookUserProfile } from '../../constructs/notebooks';
import type { ISparkApplication } from '../../constructs/spark';
import type { IStreamingCluster } from '../../constructs/streaming';
import type { EnvironmentConfig, TeamConfig } from '../config/types';
import { notebookProfileName } from '../notebooks/stack';

/** What a team's services need from the other stacks (TeamStackProps carries them). */
export interface TeamServicesProps {
  /** The Data stack's Spark application (for `services.sparkJobs`). */
  readonly spark?: ISparkApplication;
  /** The Streaming stack's cluster (for `services.topics`; only pass it when the team declares topics). */
  readonly streaming?: IStreamingCluster;
  /** Key of the team's image repositories (the serving key, like the models' repositories). */
  readonly imagesKey?: kms.IKey;
  /**
   * The environment's Studio domain (Notebooks stack, where notebooks are on): each member group
   * gets a profile `<team>-<group>` running as the team's role, which then trusts SageMaker.
   */
  readonly notebookDomain?: INotebookDomain;
}

/** Name of a team's ECR repository: `<env>/teams/<team>/<name>`. */
export function teamRepositoryName(env: string, team: string, name: string): string {
  return `${env}/teams/${team}/${name}`;
}

/**
 * A team's share of the platform (TeamConfig.services): its ECR repositories (scan on push,
 * immutable tags, KMS; retained where the environment retains state) and one policy on the team's
 * workload role for its model package groups, Spark job runs, topics and those repositories.
 * Construct ids: 'Repositories/<name>' (an image repository: never rename) and 'PlatformAccess'.
 */
export function addTeamServices(
  stack: Stack,
  config: EnvironmentConfig,
  team: TeamConfig,
  role: iam.IRole,
  props: TeamServicesProps,
): { readonly repositories: Readonly<Record<string, ecr.Repository>>; readonly access?: TeamPlatformAccess } {
  // Where notebooks are on, the team's Studio profiles run as this same role.
  if (props.notebookDomain) {
    const notebooks = new Construct(stack, 'Notebooks');
    for (const m of team.members ?? []) {
      new NotebookUserProfile(notebooks, m.name, {
        domain: props.notebookDomain,
        name: notebookProfileName(team.name, m.name),
        executionRole: role,
      });
    }
    (role as iam.Role).assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sagemaker.amazonaws.com')],
        actions: ['sts:AssumeRole'],
        conditions: { StringEquals: { 'aws:SourceAccount': config.account } },
      }),
    );
  }
  const s = team.services;
  if (!s) return { repositories: {} };
  const retain = config.retainStatefulResources;
  const repositories: Record<string, ecr.Repository> = {};
  // A stack built without a piece of the wiring (a test's, a partial app) gets a warning, not the grant.
  const missing = (what: string, prop: string) =>
    Annotations.of(stack).addWarningV2(
      'ml-platform:teamServiceWithoutWiring',
      `Team ${team.name}: services.${what} is configured but the stack got no ${prop}; it is left out`,
    );
  if (s.repositories.length > 0 && !props.imagesKey) missing('repositories', 'imagesKey');
  if (s.repositories.length > 0 && props.imagesKey) {
    const scope = new Construct(stack, 'Repositories');
    for (const name of s.repositories) {
      repositories[name] = new ecr.Repository(scope, name.replaceAll('/', '-'), {
        repositoryName: teamRepositoryName(config.name, team.name, name),
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.KMS,
        encryptionKey: props.imagesKey,
        lifecycleRules: [
          {
            description: 'Untagged images (superseded layers of a build) expire',
            tagStatus: ecr.TagStatus.UNTAGGED,
            maxImageAge: Duration.days(14),
          },
        ],
        removalPolicy: retain ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY,
        emptyOnDelete: retain ? undefined : true,
      });
    }
    // The team stack now holds images: protected like the other stateful stacks.
    if (config.terminationProtection) stack.terminationProtection = true;
  }
  const topics = s.topics.produce.length + s.topics.consume.length > 0 && props.streaming !== undefined;
  if (s.topics.produce.length + s.topics.consume.length > 0 && !props.streaming) missing('topics', 'streaming cluster');
  if (s.sparkJobs && !props.spark) missing('sparkJobs', 'Spark application');
  const access = new TeamPlatformAccess(stack, 'PlatformAccess', {
    role,
    modelPackageGroups: s.models.map((m) => `${config.name}-${m}`),
    spark: s.sparkJobs ? props.spark : undefined,
    streams: topics
      ? { cluster: props.streaming!, produce: s.topics.produce, consume: s.topics.consume, consumerGroupPrefix: team.name }
      : undefined,
    repositories: Object.values(repositories),
  });
  return { repositories, access };
}
