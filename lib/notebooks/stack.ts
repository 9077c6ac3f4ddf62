import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { NotebookDomain } from '../../constructs/notebooks';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface NotebooksStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  /** The lake's key: notebooks hold copies of lake data (home file system, volumes). */
  readonly dataKey: kms.IKey;
}

/** Studio profile name of a team's member group: `<team>-<group>`. */
export function notebookProfileName(team: string, group: string): string {
  return `${team}-${group}`;
}

/**
 * The environment's SageMaker Studio domain (`MlPlatform-<env>-Notebooks`, only where
 * `notebooks.enabled`): VPC only, the data key, idle apps shut down after
 * `notebooks.idleTimeoutMinutes`. It needs only Network and Security, so it deploys beside the slow
 * stacks; each Team stack adds its member groups' profiles (running as the team's role, so a
 * notebook reaches exactly what the team's pods reach).
 */
export class NotebooksStack extends PlatformStack {
  readonly domain: NotebookDomain;

  constructor(scope: Construct, id: string, props: NotebooksStackProps) {
    const { config } = props;
    super(scope, id, { ...props, terminationProtection: config.terminationProtection });
    this.domain = new NotebookDomain(this, 'Domain', {
      domainName: `${config.name}-notebooks`,
      vpc: props.vpc,
      encryptionKey: props.dataKey,
      idleTimeout: Duration.minutes(config.notebooks?.idleTimeoutMinutes ?? 60),
      removalPolicy: this.statefulRemovalPolicy,
    });
  }
}
