import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Reading (and optionally writing) the objects under one prefix, by action name: aws-cdk-lib's
 * grantRead adds `s3:List*`, which names account-level actions (ListAllMyBuckets, ListJobs, …) that
 * no bucket ARN can scope. Listing is limited to the prefix (`s3:prefix`). The bucket's key is the
 * caller's to grant.
 */
export function grantPrefix(grantee: iam.IGrantable, bucket: s3.IBucket, prefix: string, write = false): void {
  const principal = grantee.grantPrincipal;
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', ...(write ? ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'] : [])],
      resources: [bucket.arnForObjects(`${prefix}*`)],
    }),
  );
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }),
  );
  principal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }));
}
