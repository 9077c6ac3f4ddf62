import type { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { MlCluster, type MlClusterProps } from '../../constructs';
import { testStack } from '../util';

/** A stack with a VPC (private subnets with egress) and a key, for the compute construct tests. */
export function computeFixture(): { stack: Stack; vpc: ec2.Vpc; key: kms.Key } {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const key = new kms.Key(stack, 'Key');
  return { stack, vpc, key };
}

/** The smallest valid MlCluster props: one CPU and one GPU group. */
export function clusterProps(vpc: ec2.IVpc, key: kms.IKey, overrides: Partial<MlClusterProps> = {}): MlClusterProps {
  return {
    clusterName: 'test-ml',
    vpc,
    secretsEncryptionKey: key,
    nodeGroups: {
      system: { gpu: false, instanceTypes: ['m7i.xlarge'], minSize: 2, maxSize: 4 },
      'gpu-g6': { gpu: true, instanceTypes: ['g6.2xlarge'], minSize: 0, maxSize: 4, capacityType: 'SPOT', allowSpotTraining: true },
    },
    ...overrides,
  };
}

export function newCluster(overrides: Partial<MlClusterProps> = {}): { stack: Stack; cluster: MlCluster; key: kms.Key } {
  const { stack, vpc, key } = computeFixture();
  const cluster = new MlCluster(stack, 'Cluster', clusterProps(vpc, key, overrides));
  return { stack, cluster, key };
}
