import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * A role SageMaker assumes (execution role of a model, a monitoring job or the MLflow server):
 * trusted by SageMaker of this account only, its permissions in ONE customer-managed policy (no
 * inline policy, no AWS-managed policy), which the callers fill with scoped statements.
 */
export class SageMakerRole {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, description: string) {
    const stack = Stack.of(scope);
    this.role = new iam.Role(scope, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      description,
    });
    this.policy = new iam.ManagedPolicy(scope, 'Policy', { roles: [this.role], description: `Permissions of: ${description}` });
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
    if (bucket.encryptionKey) {
      this.add(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [bucket.encryptionKey.keyArn] }));
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
    if (bucket.encryptionKey) {
      this.add(
        new iam.PolicyStatement({
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
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
   * Elastic network interfaces in the given subnets and security groups: what SageMaker needs to
   * place a model or job in a VPC. The Describe* actions support no resource-level scoping.
   */
  allowVpc(subnets: readonly ec2.ISubnet[], securityGroups: readonly ec2.ISecurityGroup[]): void {
    const stack = Stack.of(this.role);
    // Pseudo-parameters rather than the stack's account and region: the same policy text (and the
    // same compliance finding id) in every environment.
    const ec2Arn = (resource: string, resourceName: string): string =>
      stack.formatArn({
        service: 'ec2',
        account: Aws.ACCOUNT_ID,
        region: Aws.REGION,
        resource,
        resourceName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const enis = ec2Arn('network-interface', '*');
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
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [
          enis,
          ...subnets.map((s) => ec2Arn('subnet', s.subnetId)),
          ...securityGroups.map((g) => ec2Arn('security-group', g.securityGroupId)),
        ],
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
        resources: [enis],
      }),
    );
  }
}
