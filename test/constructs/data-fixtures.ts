import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { StreamingCluster, type StreamingClusterProps } from '../../constructs';
import { testApp } from '../util';

/** A stack that answers its AZs locally (no lookup), like PlatformStack. */
class AzStack extends Stack {
  constructor(
    scope: Construct,
    id: string,
    private readonly azs: string[],
  ) {
    super(scope, id, { env: { account: '123456789012', region: 'eu-west-1' } });
  }

  override get availabilityZones(): string[] {
    return this.azs;
  }
}

/** Shared fixtures of the data construct tests: a stack with a 3-AZ (or n-AZ) VPC, keys, a log bucket and a role. */
export function dataFixture(azCount = 3) {
  const azs = ['a', 'b', 'c'].slice(0, azCount).map((s) => `eu-west-1${s}`);
  const stack = new AzStack(testApp(), 'Test', azs);
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: azs,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
  });
  const dataKey = new kms.Key(stack, 'DataKey');
  const streamingKey = new kms.Key(stack, 'StreamingKey');
  const logsKey = new kms.Key(stack, 'LogsKey');
  const logBucket = new s3.Bucket(stack, 'AccessLogs');
  const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  return { stack, vpc, dataKey, streamingKey, logsKey, logBucket, role };
}

/** dataFixture's stack with a `test-events` StreamingCluster (these props added). */
export function streamingFixture(props: Partial<StreamingClusterProps> = {}, azCount = 3) {
  const f = dataFixture(azCount);
  const cluster = new StreamingCluster(f.stack, 'Streaming', {
    clusterName: 'test-events',
    vpc: f.vpc,
    encryptionKey: f.streamingKey,
    logsKey: f.logsKey,
    ...props,
  });
  return { ...f, cluster };
}
