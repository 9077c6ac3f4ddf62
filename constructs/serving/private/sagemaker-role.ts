import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { KMS_READ_ACTIONS, KMS_READ_WRITE_ACTIONS } from '../../core/perms';
import { acknowledgeWildcards } from '../../private/acknowledge';
import { ec2Arn as ec2ArnOf } from '../../private/arns';

const PREFIX_REASON =
  "The role's objects live under its own prefix of the bucket (its endpoint's data-capture/, monitoring/ or model prefix, or MLflow's artifact prefix); S3 object ARNs for a prefix need the trailing wildcard";

/**
 * A role SageMaker assumes (execution role of a model, a monitoring job or the MLflow server):
 * trusted by SageMaker of this account only, its permissions in ONE customer-managed policy (no
 * inline policy, no AWS-managed policy), which the callers fill with scoped statements.
 */
export interface SageMakerRoleProps {
  /** What assumes the role, for the IAM console (e.g. "Execution role of SageMaker endpoint prod-credit-risk"). */
  readonly description: string;
}

export class SageMakerRole extends Construct {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  /** The IAM5 findings this role's own statements cause, each with why (see `acknowledgeWildcard`). */
  private readonly wildcards: { readonly matches: (finding: string) => boolean; readonly reason: string }[] = [];

  constructor(scope: Construct, id: string, props: SageMakerRoleProps) {
    super(scope, id);
    const { description } = props;
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      description,
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', { roles: [this.role], description: `Permissions of: ${description}` });
    acknowledgeWildcards(this.policy, (finding) => {
      const reasons = [...new Set(this.wildcards.filter((w) => w.matches(finding)).map((w) => w.reason))];
      return reasons.length > 0 ? reasons.join(' ') : undefined;
    });
  }

  /**
   * Records that a wildcard finding of this role's policy follows from a statement its owner added,
   * with why. Only findings so recorded are acknowledged.
   */
  acknowledgeWildcard(matches: string | ((finding: string) => boolean), reason: string): void {
    this.wildcards.push({ matches: typeof matches === 'string' ? (f) => f === matches : matches, reason });
  }

  /** Records that the object wildcard under `objects` (`<prefix>/*`) is this role's own prefix. */
  private acknowledgePrefix(objects: string, reason: string): void {
    // A prefix of its own (`a/b/*`), never the whole bucket (`*`).
    if (!/^[^*]+\/\*$/.test(objects)) return;
    this.acknowledgeWildcard((f) => f.startsWith('Resource::') && f.endsWith(`/${objects}`), reason);
  }

  add(...statements: iam.PolicyStatement[]): void {
    this.policy.addStatements(...statements);
  }

  /** Use of a KMS key for SageMaker volumes, captured data and artifacts (grants only for AWS resources). */
  allowKey(key: kms.IKey): void {
    this.add(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
        resources: [key.keyArn],
      }),
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [key.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
  }

  /** Read objects under a prefix (or one object when `key` names it), with the bucket's key. */
  allowRead(bucket: s3.IBucket, objects: string): void {
    this.add(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(objects)] }),
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }),
    );
    this.acknowledgePrefix(objects, `${PREFIX_REASON} (read)`);
    if (bucket.encryptionKey) {
      this.add(new iam.PolicyStatement({ actions: [...KMS_READ_ACTIONS], resources: [bucket.encryptionKey.keyArn] }));
    }
  }

  /** List a bucket below a prefix only. */
  allowList(bucket: s3.IBucket, prefix: string): void {
    this.add(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
  }

  /** Write objects under a prefix, with the bucket's key. */
  allowWrite(bucket: s3.IBucket, objects: string): void {
    this.add(
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [bucket.arnForObjects(objects)] }),
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }),
    );
    this.acknowledgePrefix(objects, `${PREFIX_REASON} (write)`);
    if (bucket.encryptionKey) {
      this.add(
        new iam.PolicyStatement({
          actions: [...KMS_READ_WRITE_ACTIONS],
          resources: [bucket.encryptionKey.keyArn],
        }),
      );
    }
  }

  /** Write to CloudWatch log groups whose names start with `prefix` (SageMaker creates the streams). */
  allowLogs(logGroupArns: readonly string[]): void {
    this.add(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [...logGroupArns],
      }),
    );
  }

  /**
   * Elastic network interfaces in the given VPC, subnets and security groups: what SageMaker needs
   * to place a model or job in a VPC. The Describe* actions support no resource-level scoping;
   * actions on existing interfaces are conditioned on their VPC and subnet (`ec2:Vpc`,
   * `ec2:Subnet`), so the role cannot delete or share any other interface of the account.
   */
  allowVpc(vpc: ec2.IVpc, subnets: readonly ec2.ISubnet[], securityGroups: readonly ec2.ISecurityGroup[]): void {
    const stack = Stack.of(this.role);
    const ec2Arn = (resource: string, resourceName: string): string => ec2ArnOf(stack, resource, resourceName);
    const enis = ec2Arn('network-interface', '*');
    const subnetArns = subnets.map((s) => ec2Arn('subnet', s.subnetId));
    const inTheseSubnets = { ArnEquals: { 'ec2:Vpc': ec2Arn('vpc', vpc.vpcId), 'ec2:Subnet': subnetArns } };
    this.acknowledgeWildcard(
      'Resource::*',
      'The ec2:Describe* calls SageMaker makes to place the model or job in the VPC have no resource-level permissions; ENI creation is scoped.',
    );
    this.acknowledgeWildcard(
      `Resource::arn:aws:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*`,
      'SageMaker creates and deletes the network interfaces of endpoints and monitoring jobs in the VPC; their ids are not known in advance. Creation is bounded to the configured subnets and security groups; deleting and sharing them is conditioned on the VPC and those subnets (ec2:Vpc, ec2:Subnet).',
    );
    this.add(
      new iam.PolicyStatement({
        actions: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeVpcs',
          'ec2:DescribeDhcpOptions',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }),
      // Creation names the configured subnets and security groups: AWS authorizes every resource
      // of the request, so the new interface can only land there (a network interface being
      // created has no ec2:Vpc/ec2:Subnet keys yet).
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [enis, ...subnetArns, ...securityGroups.map((g) => ec2Arn('security-group', g.securityGroupId))],
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
        resources: [enis],
        conditions: inTheseSubnets,
      }),
    );
  }
}
