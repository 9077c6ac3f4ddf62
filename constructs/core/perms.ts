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
