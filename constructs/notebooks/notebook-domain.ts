import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../private/acknowledge';

/** Studio user profile names: letters, digits and hyphens, 1-63. */
const PROFILE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Studio app actions an execution role needs to run its own spaces and apps from the Studio UI. */
export const STUDIO_APP_ACTIONS: readonly string[] = [
  'sagemaker:CreateApp',
  'sagemaker:DeleteApp',
  'sagemaker:DescribeApp',
  'sagemaker:CreateSpace',
  'sagemaker:UpdateSpace',
  'sagemaker:DeleteSpace',
  'sagemaker:DescribeSpace',
  'sagemaker:AddTags',
];
/** Read actions on the domain and its profiles (the Studio UI lists them). */
export const STUDIO_READ_ACTIONS: readonly string[] = ['sagemaker:DescribeDomain', 'sagemaker:DescribeUserProfile', 'sagemaker:ListTags'];
/** List actions of the Studio UI: IAM has no resource type for them (granted on `*`). */
export const STUDIO_LIST_ACTIONS: readonly string[] = ['sagemaker:ListApps', 'sagemaker:ListSpaces'];

/** What a user profile needs of a Studio domain (the platform's, or one referenced by its attributes). */
export interface INotebookDomain {
  readonly domainId: string;
  readonly domainArn: string;
  /** The security group of the domain's apps. */
  readonly appSecurityGroupId: string;
}

/** One Studio user: a profile whose apps run as `executionRole`. */
export interface NotebookUser {
  /** Profile name (letters, digits, hyphens; 1-63), e.g. `fraud-developers`. */
  readonly name: string;
  /** The role its apps and spaces run as (must trust sagemaker.amazonaws.com). */
  readonly executionRole: iam.IRole;
}

export interface NotebookDomainProps {
  /** Domain name, e.g. `dev-notebooks`. */
  readonly domainName: string;
  readonly vpc: ec2.IVpc;
  /** @default - the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Encrypts the domain's home file system (EFS) and the apps' storage volumes. */
  readonly encryptionKey: kms.IKey;
  /**
   * JupyterLab and Code Editor apps stop after this long idle (the domain's built-in idle shutdown);
   * users may choose between 60 minutes and this value.
   * @default Duration.hours(1)
   */
  readonly idleTimeout?: Duration;
  /** The Studio users. @default - none (add profiles later) */
  readonly users?: readonly NotebookUser[];
  /**
   * What happens to the domain (and its home file system) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A SageMaker Studio domain for notebooks: IAM authentication, VPC only (apps reach AWS through the
 * VPC's endpoints and NAT, never the internet directly), KMS-encrypted home file system and
 * volumes, JupyterLab and Code Editor apps shut down after an idle timeout, and one user profile
 * per user, each running as its own role. Each user role gets the Studio actions on its own
 * profile's spaces and apps in this domain, nothing else.
 *
 * The domain itself costs nothing at idle (the home EFS is billed per GB; apps per instance-hour
 * while they run).
 *
 * @example
 * declare const fraudRole: iam.IRole;
 * new NotebookDomain(this, 'Notebooks', {
 *   domainName: 'dev-notebooks',
 *   vpc,
 *   encryptionKey: keys.data,
 *   idleTimeout: Duration.hours(2),
 *   users: [{ name: 'fraud-developers', executionRole: fraudRole }],
 * });
 */
export class NotebookDomain extends Construct implements INotebookDomain {
  readonly domain: sagemaker.CfnDomain;
  readonly domainId: string;
  readonly domainArn: string;
  readonly appSecurityGroupId: string;
  readonly securityGroup: ec2.SecurityGroup;
  /** The profiles, by user name. */
  readonly profiles: Readonly<Record<string, sagemaker.CfnUserProfile>>;

  constructor(scope: Construct, id: string, props: NotebookDomainProps) {
    super(scope, id);
    const idle = props.idleTimeout ?? Duration.hours(1);
    const idleMinutes = idle.toMinutes();
    if (!Token.isUnresolved(idleMinutes) && !(Number.isInteger(idleMinutes) && idleMinutes >= 60 && idleMinutes <= 525_600)) {
      throw new Error(`NotebookDomain idleTimeout must be whole minutes from 60 to 525600, got ${idle.toHumanString()}`);
    }
    const users = props.users ?? [];
    const names = users.map((u) => u.name);
    for (const [i, name] of names.entries()) {
      if (!PROFILE_NAME.test(name)) throw new Error(`NotebookDomain user name must be letters, digits and hyphens (1-63), got '${name}'`);
      if (names.indexOf(name) !== i) throw new Error(`NotebookDomain user names must be unique, got '${name}' twice`);
    }

    // Apps: HTTPS out (VPC endpoints, NAT), NFS to the home file system within the VPC; in, only from each other.
    this.securityGroup = new ec2.SecurityGroup(this, 'AppSecurityGroup', {
      vpc: props.vpc,
      description: `Studio apps of ${props.domainName}: HTTPS out, NFS to the home file system`,
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (VPC endpoints, NAT)');
    this.securityGroup.addEgressRule(ec2.Peer.ipv4(props.vpc.vpcCidrBlock), ec2.Port.tcp(2049), 'NFS to the Studio home file system');
    // Studio's apps of one user talk to each other on 8192-65535 (SageMaker's VPC-only requirement), within this group only.
    this.securityGroup.connections.allowInternally(ec2.Port.tcpRange(8192, 65535), 'Between the Studio apps of the domain');

    // The domain's default role only launches what a profile does not override: no permissions.
    const defaultRole = new iam.Role(this, 'DefaultExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Default execution role of ${props.domainName} (no permissions; each profile runs as its own role)`,
    });

    const idleSettings = {
      lifecycleManagement: 'ENABLED',
      idleTimeoutInMinutes: idleMinutes,
      minIdleTimeoutInMinutes: 60,
      maxIdleTimeoutInMinutes: idleMinutes,
    };
    const subnetIds = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
    this.domain = new sagemaker.CfnDomain(this, 'Resource', {
      domainName: props.domainName,
      authMode: 'IAM',
      appNetworkAccessType: 'VpcOnly',
      vpcId: props.vpc.vpcId,
      subnetIds,
      kmsKeyId: props.encryptionKey.keyArn,
      defaultUserSettings: {
        executionRole: defaultRole.roleArn,
        securityGroups: [this.securityGroup.securityGroupId],
        studioWebPortal: 'ENABLED',
        jupyterLabAppSettings: { appLifecycleManagement: { idleSettings } },
        codeEditorAppSettings: { appLifecycleManagement: { idleSettings } },
      },
      defaultSpaceSettings: { executionRole: defaultRole.roleArn, securityGroups: [this.securityGroup.securityGroupId] },
    });
    this.domain.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    this.domainId = this.domain.attrDomainId;
    this.domainArn = this.domain.attrDomainArn;
    this.appSecurityGroupId = this.securityGroup.securityGroupId;
    const profiles: Record<string, sagemaker.CfnUserProfile> = {};
    for (const user of users) {
      profiles[user.name] = new NotebookUserProfile(this, user.name, { domain: this, ...user }).profile;
    }
    this.profiles = profiles;
  }
}

export interface NotebookUserProfileProps extends NotebookUser {
  readonly domain: INotebookDomain;
}

/**
 * A Studio user profile in a domain (e.g. in a team's own stack, beside the team's role): its apps
 * and spaces run as `executionRole`, which gets the Studio actions on this profile's own spaces and
 * apps in that domain (a managed policy), nothing else.
 *
 * @example
 * declare const domain: NotebookDomain;
 * declare const teamRole: iam.IRole;
 * new NotebookUserProfile(this, 'Developers', { domain, name: 'fraud-developers', executionRole: teamRole });
 */
export class NotebookUserProfile extends Construct {
  readonly profile: sagemaker.CfnUserProfile;
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: NotebookUserProfileProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.name) && !PROFILE_NAME.test(props.name)) {
      throw new Error(`NotebookUserProfile name must be letters, digits and hyphens (1-63), got '${props.name}'`);
    }
    const { domain } = props;
    const stack = Stack.of(this);
    const arn = (resource: string, name: string) =>
      stack.formatArn({ service: 'sagemaker', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    this.profile = new sagemaker.CfnUserProfile(this, 'Resource', {
      domainId: domain.domainId,
      userProfileName: props.name,
      userSettings: { executionRole: props.executionRole.roleArn, securityGroups: [domain.appSecurityGroupId] },
    });
    // The user's role runs its own spaces and apps from Studio, in this domain only.
    this.policy = new iam.ManagedPolicy(this, 'Studio', {
      description: `Studio: the spaces and apps of profile ${props.name}`,
      statements: [
        new iam.PolicyStatement({
          actions: [...STUDIO_APP_ACTIONS],
          resources: [arn('space', `${domain.domainId}/*`), arn('app', `${domain.domainId}/*`)],
          conditions: { StringEquals: { 'sagemaker:OwnerUserProfileArn': this.profile.attrUserProfileArn } },
        }),
        new iam.PolicyStatement({
          actions: [...STUDIO_READ_ACTIONS],
          resources: [
            domain.domainArn,
            this.profile.attrUserProfileArn,
            arn('space', `${domain.domainId}/*`),
            arn('app', `${domain.domainId}/*`),
          ],
        }),
        new iam.PolicyStatement({ actions: [...STUDIO_LIST_ACTIONS], resources: ['*'] }),
      ],
    });
    this.policy.attachToRole(props.executionRole);
    acknowledgeWildcards(this.policy, (finding) => {
      if (finding === 'Resource::*') return 'sagemaker:ListApps and ListSpaces have no resource type (IAM); the Studio UI lists them';
      return /[:/](space|app)\/.*\/\*$/.test(finding)
        ? "Spaces and apps of this domain (named by their users); changes are limited to the profile's own by sagemaker:OwnerUserProfileArn"
        : undefined;
    });
  }
}
