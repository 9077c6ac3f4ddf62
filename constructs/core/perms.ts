/**
 * IAM action lists the constructs grant, written once (as aws-cdk-lib's aws-s3/lib/perms.ts does).
 * Order matters: it is the order of the synthesized policy statements.
 */

/** Read objects (and their versions). */
export const S3_OBJECT_READ_ACTIONS: readonly string[] = ['s3:GetObject', 's3:GetObjectVersion'];
/** Write and delete objects, including aborting multipart uploads. */
export const S3_OBJECT_WRITE_ACTIONS: readonly string[] = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];
/** Decrypt with a key (read objects or messages it encrypts). */
export const KMS_DECRYPT_ACTIONS: readonly string[] = ['kms:Decrypt'];
/** Decrypt with a key and describe it (what SDKs call before using it). */
export const KMS_READ_ACTIONS: readonly string[] = ['kms:Decrypt', 'kms:DescribeKey'];
/** Encrypt and decrypt with a key, create data keys and describe it. */
export const KMS_READ_WRITE_ACTIONS: readonly string[] = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
/**
 * Write a job's log streams in one log group (EMR Serverless' CloudWatch logging): scoped to the
 * group's ARN. See LOG_GROUP_DISCOVERY_ACTIONS for the one call that has no resource type.
 */
export const LOG_STREAM_WRITE_ACTIONS: readonly string[] = ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'];
/**
 * EMR Serverless looks the configured log group up before a job writes to it. The action supports
 * no resource type (the Service Authorization Reference lists none), so its resource is `*`.
 */
export const LOG_GROUP_DISCOVERY_ACTIONS: readonly string[] = ['logs:DescribeLogGroups'];
/** Why a job role may call logs:DescribeLogGroups on `*` (the reason acknowledged where it is granted). */
export const LOG_GROUP_DISCOVERY_REASON =
  "EMR Serverless calls logs:DescribeLogGroups before a job writes to the application's CloudWatch log group; the action supports no resource type, so its resource is '*' (it reveals names and settings of log groups, not their events). Writing is scoped to the one log group.";
