import type { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { testStack } from '../util';

/** A stack with what a serving construct consumes: a VPC, a key and a models bucket. */
export function servingFixture(): { stack: Stack; vpc: ec2.Vpc; key: kms.Key; bucket: s3.Bucket } {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const key = new kms.Key(stack, 'ServingKey');
  const bucket = new s3.Bucket(stack, 'Models', { encryptionKey: key });
  return { stack, vpc, key, bucket };
}

export const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/credit-risk-inference:1.0.0';
