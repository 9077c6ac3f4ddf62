import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { OnlineFeatureStore, type OnlineFeatureStoreProps } from '../../constructs';
import { testStack } from '../util';

function build(props: Partial<OnlineFeatureStoreProps> = {}) {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    subnetConfiguration: [
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
    ],
  });
  const store = new OnlineFeatureStore(stack, 'Store', {
    vpc,
    namePrefix: 'test-features',
    encryptionKey: new kms.Key(stack, 'Data'),
    logsKey: new kms.Key(stack, 'Logs'),
    ...props,
  });
  return { stack, vpc, store, template: () => Template.fromStack(stack) };
}

describe('OnlineFeatureStore', () => {
  test('cluster mode Valkey with TLS required and encryption at rest with the given key', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      EngineVersion: '8.0',
      ClusterMode: 'enabled',
      AtRestEncryptionEnabled: true,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Data'), 'Arn'] },
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 1,
      Port: 6380,
    });
  });

  test('Redis OSS by choice', () => {
    const { template } = build({ engine: 'redis' });
    template().hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { Engine: 'redis', EngineVersion: '7.1' });
    template().hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: 'redis7' });
  });

  test('RBAC with IAM authentication: reader and writer users, default user disabled', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::ElastiCache::User', {
      UserName: 'default',
      AccessString: 'off -@all',
      NoPasswordRequired: true,
    });
    template().hasResourceProperties('AWS::ElastiCache::User', {
      UserId: 'test-features-reader',
      UserName: 'test-features-reader',
      AuthenticationMode: { Type: 'iam' },
      AccessString: Match.stringLikeRegexp('^on ~fs:\\* .*\\+@read'),
    });
    template().hasResourceProperties('AWS::ElastiCache::User', {
      UserId: 'test-features-writer',
      AuthenticationMode: { Type: 'iam' },
      AccessString: Match.stringLikeRegexp('\\+@write'),
    });
    const reader = Object.values(
      template().findResources('AWS::ElastiCache::User', { Properties: { UserId: 'test-features-reader' } }),
    )[0] as any;
    expect(reader.Properties.AccessString).not.toContain('+@write');
    template().hasResourceProperties('AWS::ElastiCache::UserGroup', {
      Engine: 'valkey',
      UserIds: ['test-features-default', 'test-features-reader', 'test-features-writer'],
    });
    template().hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { UserGroupIds: ['test-features-users'] });
  });

  test('a parameter group for a TTL-driven feature cache', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'valkey8',
      Properties: Match.objectLike({ 'cluster-enabled': 'yes', 'maxmemory-policy': 'volatile-lru' }),
    });
  });

  test('nodes live in isolated subnets', () => {
    const { template, vpc } = build();
    const group = Object.values(template().findResources('AWS::ElastiCache::SubnetGroup'))[0] as any;
    expect(group.Properties.SubnetIds).toHaveLength(vpc.isolatedSubnets.length);
    for (const ref of group.Properties.SubnetIds) expect(ref.Ref).toMatch(/^VpcPrivateSubnet/);
  });

  test('slow and engine logs go to KMS-encrypted log groups', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      LogDeliveryConfigurations: [
        Match.objectLike({ LogType: 'slow-log', DestinationType: 'cloudwatch-logs', LogFormat: 'json' }),
        Match.objectLike({ LogType: 'engine-log', DestinationType: 'cloudwatch-logs' }),
      ],
    });
    const groups = Object.values(template().findResources('AWS::Logs::LogGroup')) as any[];
    expect(groups).toHaveLength(2);
    for (const g of groups) expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Logs/), 'Arn'] });
  });

  test('the security group admits nobody until a peer is granted, then only on the cache port', () => {
    const ungranted = build().template();
    ungranted.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const sg = Object.values(
      ungranted.findResources('AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: Match.stringLikeRegexp('^Online feature store') },
      }),
    )[0] as any;
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();

    const { stack, template, store, vpc } = build();
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc });
    store.connections.allowDefaultPortFrom(client);
    template().resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template().hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6380, ToPort: 6380, IpProtocol: 'tcp' });
  });

  test('grantConnect gives elasticache:Connect on the group and the one user only', () => {
    const { stack, store, template } = build();
    const role = new iam.Role(stack, 'Serving', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    store.grantConnect(role, 'reader');
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'elasticache:Connect',
            Resource: [
              'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:test-features',
              'arn:aws:elasticache:eu-west-1:123456789012:user:test-features-reader',
            ],
          },
        ],
      },
    });
  });

  test('retained by default; the removal policy is honoured', () => {
    build().template().hasResource('AWS::ElastiCache::ReplicationGroup', { DeletionPolicy: 'Retain' });
    build({ removalPolicy: RemovalPolicy.DESTROY })
      .template()
      .hasResource('AWS::ElastiCache::ReplicationGroup', { DeletionPolicy: 'Delete' });
  });

  test('exposes the configuration endpoint', () => {
    const { stack, store } = build();
    expect(stack.resolve(store.configurationEndpoint)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^Store/), 'ConfigurationEndPoint.Address'],
    });
  });

  test.each([
    [{ nodeType: 'cache.m1.small' }, /nodeType must be a current cache.t4g\/m6g\/m7g\/r6g\/r7g node type, got 'cache.m1.small'/],
    [{ shards: 0 }, /shards must be a whole number from 1 to 500, got 0/],
    [{ replicasPerShard: 6 }, /replicasPerShard must be a whole number from 0 to 5, got 6/],
    [{ replicasPerShard: 0, multiAz: true }, /multiAz needs at least 1 replica per shard, got 0/],
    [{ snapshotRetentionDays: 40 }, /snapshotRetentionDays must be a whole number from 0 to 35, got 40/],
    [{ port: 6379 }, /port must be from 1024 to 65535 and not the default 6379, got 6379/],
    [{ namePrefix: 'Prod_Features' }, /namePrefix must be 2-32 lowercase letters/],
    [{ engine: 'memcached' as never }, /engine must be one of valkey, redis, got 'memcached'/],
  ])('rejects %p', (props, message) => {
    expect(() => build(props as Partial<OnlineFeatureStoreProps>)).toThrow(message);
  });
});
