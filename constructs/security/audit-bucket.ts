import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, packs } from '../private/acknowledge';

export interface AuditBucketProps {
  /**
   * Days after which log objects move to Glacier Flexible Retrieval.
   * @default 90
   */
  readonly transitionToGlacierDays?: number;
  /**
   * Days after which log objects expire. PCI DSS 10.7 asks for at least one year.
   * @default 400
   */
  readonly expirationDays?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The destination of S3 server access logs for every platform bucket.
 *
 * Encryption is SSE-S3 because S3 server access log delivery does not support SSE-KMS
 * destinations. Versioned, TLS-only, public access blocked, bucket-owner-enforced; log delivery is
 * granted through the bucket policy (not ACLs).
 *
 * @example
 * const audit = new AuditBucket(this, 'AuditLogs', { expirationDays: 400 });
 * new s3.Bucket(this, 'Data', { serverAccessLogsBucket: audit.bucket, serverAccessLogsPrefix: 'data/' });
 */
export class AuditBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditBucketProps = {}) {
    super(scope, id);
    const transition = props.transitionToGlacierDays ?? 90;
    const expiration = props.expirationDays ?? 400;
    if (!(Number.isInteger(expiration) && expiration >= 365)) {
      throw new Error(`AuditBucket expirationDays must be a whole number of at least 365, got ${expiration}`);
    }
    if (!(Number.isInteger(transition) && transition >= 1 && transition < expiration)) {
      throw new Error(`AuditBucket transitionToGlacierDays must be a whole number from 1 to ${expiration - 1}, got ${transition}`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new s3.Bucket(this, 'Resource', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: false,
      lifecycleRules: [
        {
          id: 'archive-then-expire',
          transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(transition) }],
          expiration: Duration.days(expiration),
          noncurrentVersionExpiration: Duration.days(expiration),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledge(
      this.bucket,
      'This is the server-access-log destination bucket; logging it into itself would loop. Access to it is recorded by CloudTrail data events at the account level.',
      'AwsSolutions-S1',
      ...packs.both('S3BucketLoggingEnabled'),
    );
    acknowledge(
      this.bucket,
      'S3 server access log delivery supports only SSE-S3 on the destination bucket, not SSE-KMS; the bucket is encrypted with SSE-S3, TLS-only and blocks public access.',
      ...packs.both('S3DefaultEncryptionKMS'),
    );
    acknowledge(
      this.bucket,
      'The platform is single-region; the audit bucket is versioned and retained. Cross-region replication is an account-level DR decision outside this repository.',
      ...packs.both('S3BucketReplicationEnabled'),
    );
  }
}
