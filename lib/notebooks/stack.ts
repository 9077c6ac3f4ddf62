import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { NotebookDomain, type NotebookUser } from '../../constructs/notebooks';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface NotebooksStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  /** The lake's key: notebooks hold copies of lake data (home file system, volumes). */
  readonly dataKey: kms.IKey;
  /** Each team's role (its Team stack's workload role, which also trusts SageMaker), by team name. */
  readonly teamRoles: Readonly<Record<string, iam.IRole>>;
}

/** Studio profile name of a team's member group: `<team>-<group>`. */
export function notebookProfileName(team: string, group: string): string {
  return `${team}-${group}`;
}

/**
 * The environment's SageMaker Studio domain (`MlPlatform-<env>-Notebooks`, only where
 * `notebooks.enabled`): VPC only, the data key, idle apps shut down after
 * `notebooks.idleTimeoutMinutes`, and one user profile per team member group running as the team's
 * role (so a notebook reaches exactly what the team's pods reach). After the Team stacks.
 */
export class NotebooksStack extends PlatformStack {
  readonly domain: NotebookDomain;

  constructor(scope: Construct, id: string, props: NotebooksStackProps) {
    const { config } = props;
    super(scope, id, { ...props, terminationProtection: config.terminationProtection });
    const users: NotebookUser[] = config.cluster.teams.flatMap((t) =>
      (t.members ?? []).flatMap((m) =>
        props.teamRoles[t.name] ? [{ name: notebookProfileName(t.name, m.name), executionRole: props.teamRoles[t.name] }] : [],
      ),
    );
    this.domain = new NotebookDomain(this, 'Domain', {
      domainName: `${config.name}-notebooks`,
      vpc: props.vpc,
      encryptionKey: props.dataKey,
      idleTimeout: Duration.minutes(config.notebooks?.idleTimeoutMinutes ?? 60),
      users,
      removalPolicy: this.statefulRemovalPolicy,
    });
  }
}
