import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { StreamingCluster, type StreamingClusterProps, serverProperties } from '../../constructs';
import { dataFixture, streamingFixture } from './data-fixtures';

const clusterWith = streamingFixture;

const CLUSTER_ARN = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Streaming'), 'Arn'] };
const UUID = { 'Fn::Select': [2, { 'Fn::Split': ['/', CLUSTER_ARN] }] };
const childArn = (kind: 'topic' | 'group', pattern: string) => ({
  'Fn::Join': ['', [`arn:aws:kafka:eu-west-1:123456789012:${kind}/test-events/`, UUID, `/${pattern}`]],
});

describe('StreamingCluster (provisioned)', () => {
  test('IAM auth only, TLS between clients and brokers and inside the cluster, encrypted at rest with the streaming key', () => {
    // GIVEN / WHEN
    const { stack } = clusterWith();
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::MSK::Cluster', {
      ClusterName: 'test-events',
      ClientAuthentication: { Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } }, Unauthenticated: { Enabled: false } },
      EncryptionInfo: {
        EncryptionAtRest: { DataVolumeKMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamingKey'), 'Arn'] } },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
      BrokerNodeGroupInfo: {
        ConnectivityInfo: { PublicAccess: { Type: 'DISABLED' } },
        ClientSubnets: [
          { Ref: Match.stringLikeRegexp('^VpcIsolatedSubnet1') },
          { Ref: Match.stringLikeRegexp('^VpcIsolatedSubnet2') },
          { Ref: Match.stringLikeRegexp('^VpcIsolatedSubnet3') },
        ],
      },
    });
  });

  test('defaults: one kafka.m7g.large broker per AZ, 100 GiB, PER_BROKER monitoring, broker logs to a KMS log group, retained', () => {
    // GIVEN / WHEN
    const { stack } = clusterWith();
    // THEN
    const t = Template.fromStack(stack);
    t.hasResource('AWS::MSK::Cluster', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        NumberOfBrokerNodes: 3,
        KafkaVersion: '3.8.x',
        EnhancedMonitoring: 'PER_BROKER',
        BrokerNodeGroupInfo: { InstanceType: 'kafka.m7g.large', StorageInfo: { EBSStorageInfo: { VolumeSize: 100 } } },
        LoggingInfo: {
          BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: { Ref: Match.stringLikeRegexp('^StreamingBrokerLogs') } } },
        },
        ConfigurationInfo: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamingConfiguration'), 'Arn'] },
          Revision: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamingConfiguration'), 'LatestRevision.Revision'] },
        },
      },
    });
    t.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogsKey'), 'Arn'] }, RetentionInDays: 365 },
    });
    t.hasResource('AWS::MSK::Configuration', { DeletionPolicy: 'Retain' });
  });

  test('the configuration is durable: no auto-created topics, RF 3 and min ISR 2 with 3 AZs, retention from props', () => {
    // GIVEN / WHEN
    const { stack } = clusterWith({ brokers: { count: 6, retentionHours: 72 } });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::MSK::Configuration', {
      Name: 'test-events-config',
      KafkaVersionsList: ['3.8.x'],
      ServerProperties: [
        'auto.create.topics.enable=false',
        'default.replication.factor=3',
        'min.insync.replicas=2',
        'offsets.topic.replication.factor=3',
        'transaction.state.log.replication.factor=3',
        'transaction.state.log.min.isr=2',
        'unclean.leader.election.enable=false',
        'log.retention.hours=72',
        '',
      ].join('\n'),
    });
  });

  test('two brokers (dev) get RF 2 and min ISR 1; express brokers leave the fixed replication settings alone', () => {
    expect(serverProperties({ brokers: 2, retentionHours: 24, express: false })).toContain(
      'default.replication.factor=2\nmin.insync.replicas=1\n',
    );
    const express = serverProperties({ brokers: 3, retentionHours: 24, express: true });
    expect(express).toBe('auto.create.topics.enable=false\nlog.retention.ms=86400000\n');
  });

  test('express brokers have no EBS storage', () => {
    // GIVEN / WHEN
    const { stack } = clusterWith({ brokers: { instanceType: 'express.m7g.large', count: 3 } });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::MSK::Cluster', {
      BrokerNodeGroupInfo: { InstanceType: 'express.m7g.large', StorageInfo: Match.absent() },
    });
  });

  test('RemovalPolicy.DESTROY makes cluster, configuration and log groups deletable (dev)', () => {
    // GIVEN / WHEN
    const { stack } = clusterWith({ removalPolicy: RemovalPolicy.DESTROY });
    // THEN
    const t = Template.fromStack(stack);
    for (const type of ['AWS::MSK::Cluster', 'AWS::MSK::Configuration', 'AWS::Logs::LogGroup']) {
      const found = Object.values(t.findResources(type));
      expect(found.length).toBeGreaterThan(0);
      for (const r of found) expect(r.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('StreamingCluster network access', () => {
  test('the security group admits nobody by default and has no egress', () => {
    // GIVEN / WHEN
    const { stack } = clusterWith();
    // THEN
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^MSK test-events'),
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });

  test('an admitted client gets the IAM/TLS port 9098 and nothing else', () => {
    // GIVEN
    const { stack, cluster, vpc } = clusterWith();
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc });
    // WHEN
    cluster.connections.allowDefaultPortFrom(client);
    // THEN
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 9098,
      ToPort: 9098,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamingSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Client'), 'GroupId'] },
    });
  });
});

describe('StreamingCluster grants', () => {
  test('grantProduce: connect and write idempotently on the cluster, describe and write the topic pattern', () => {
    // GIVEN
    const { stack, cluster, role } = clusterWith();
    // WHEN
    cluster.grantProduce(role, 'events.loan-applications');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Consumer') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'],
            Resource: CLUSTER_ARN,
          },
          {
            Effect: 'Allow',
            Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
            Resource: childArn('topic', 'events.loan-applications'),
          },
        ],
      },
    });
  });

  test('grantConsume: connect, read the topic pattern, use the consumer-group pattern', () => {
    // GIVEN
    const { stack, cluster, role } = clusterWith();
    // WHEN
    cluster.grantConsume(role, 'events.*', 'scoring-*');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Consumer') }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], Resource: CLUSTER_ARN },
          { Effect: 'Allow', Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], Resource: childArn('topic', 'events.*') },
          {
            Effect: 'Allow',
            Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
            Resource: childArn('group', 'scoring-*'),
          },
        ],
      },
    });
  });

  test('grant patterns with characters Kafka names cannot hold are rejected', () => {
    const { cluster, role } = clusterWith();
    expect(() => cluster.grantProduce(role, 'events/*')).toThrow(
      /StreamingCluster topicPattern must be 1-249 characters.*got 'events\/\*'/,
    );
    expect(() => cluster.grantConsume(role, 'events', 'a b')).toThrow(/StreamingCluster groupPattern .*got 'a b'/);
  });
});

describe('StreamingCluster bootstrap brokers', () => {
  test('a custom resource reads the IAM bootstrap brokers, with a managed policy scoped to the cluster and an encrypted log group', () => {
    // GIVEN / WHEN
    const { stack, cluster } = clusterWith();
    // THEN
    const t = Template.fromStack(stack);
    expect(stack.resolve(cluster.bootstrapBrokersSaslIam)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^StreamingBootstrapBrokers/), 'BootstrapBrokerStringSaslIam'],
    });
    const lookups = Object.values(t.findResources('Custom::AWS'));
    expect(lookups).toHaveLength(1);
    const create = JSON.stringify(lookups[0].Properties.Create);
    expect(create).toContain('\\"service\\":\\"Kafka\\",\\"action\\":\\"getBootstrapBrokers\\"');
    expect(create).toContain('\\"outputPaths\\":[\\"BootstrapBrokerStringSaslIam\\"]');
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'kafka:GetBootstrapBrokers', Resource: '*' },
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamingBootstrapBrokersLogs'), 'Arn'] },
          },
        ],
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^StreamingBootstrapBrokersLogs') } },
    });
    // No inline policy: PCI DSS / NIST ask for managed policies.
    t.resourceCountIs('AWS::IAM::Policy', 0);
  });
});

describe('StreamingCluster (serverless)', () => {
  test('IAM auth in the isolated subnets with the cluster security group, retained by default', () => {
    // GIVEN / WHEN
    const { stack } = clusterWith({ serverless: true, encryptionKey: undefined });
    // THEN
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::MSK::Cluster', 0);
    t.resourceCountIs('AWS::MSK::Configuration', 0);
    t.hasResource('AWS::MSK::ServerlessCluster', {
      DeletionPolicy: 'Retain',
      Properties: {
        ClusterName: 'test-events',
        ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
        VpcConfigs: [
          {
            SubnetIds: [
              { Ref: Match.stringLikeRegexp('^VpcIsolatedSubnet1') },
              { Ref: Match.stringLikeRegexp('^VpcIsolatedSubnet2') },
              { Ref: Match.stringLikeRegexp('^VpcIsolatedSubnet3') },
            ],
            SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamingSecurityGroup'), 'GroupId'] }],
          },
        ],
      },
    });
  });
});

describe('StreamingCluster rejects bad props', () => {
  const cases: Array<[string, Partial<StreamingClusterProps>, RegExp, number]> = [
    [
      'broker count not a multiple of the AZs',
      { brokers: { count: 4 } },
      /brokers\.count must be a positive multiple of the 3 AZs, got 4/,
      3,
    ],
    [
      'unknown instance type',
      { brokers: { instanceType: 'kafka.m9.large' } },
      /brokers\.instanceType must be kafka\.t3\.small.*got 'kafka\.m9\.large'/,
      3,
    ],
    ['EC2 instance type', { brokers: { instanceType: 'm5.large' } }, /got 'm5\.large'/, 3],
    ['m5 size that does not exist', { brokers: { instanceType: 'kafka.m5.3xlarge' } }, /got 'kafka\.m5\.3xlarge'/, 3],
    [
      'retention above a year',
      { brokers: { retentionHours: 9000 } },
      /brokers\.retentionHours must be a whole number from 1 to 8760, got 9000/,
      3,
    ],
    [
      'volume too large',
      { brokers: { volumeSizeGiB: 20000 } },
      /brokers\.volumeSizeGiB must be a whole number from 1 to 16384, got 20000/,
      3,
    ],
    [
      'unknown monitoring level',
      { brokers: { monitoring: 'ALL' as any } },
      /brokers\.monitoring must be one of DEFAULT, PER_BROKER.*got 'ALL'/,
      3,
    ],
    ['bad Kafka version', { kafkaVersion: 'latest' }, /kafkaVersion must look like 3\.8\.x or 3\.6\.0, got 'latest'/, 3],
    [
      'bad cluster name',
      { clusterName: '1-events' },
      /clusterName must be 1-64 letters, digits and '-', starting with a letter, got '1-events'/,
      3,
    ],
    ['provisioned without a key', { encryptionKey: undefined }, /encryptionKey is required for a provisioned cluster/, 3],
    ['serverless with brokers', { serverless: true, brokers: { count: 3 } }, /brokers cannot be set with serverless: true/, 3],
    [
      'express brokers in 2 AZs',
      { brokers: { instanceType: 'express.m7g.large', count: 2 } },
      /express brokers need subnets in exactly 3 AZs, got 2/,
      2,
    ],
  ];
  test.each(cases)('%s', (_title, props, message, azs) => {
    expect(() => clusterWith(props, azs)).toThrow(message);
  });

  test('a rejected cluster leaves nothing half-created', () => {
    const f = dataFixture();
    expect(
      () =>
        new StreamingCluster(f.stack, 'Streaming', {
          clusterName: 'x',
          vpc: f.vpc,
          logsKey: f.logsKey,
          encryptionKey: f.streamingKey,
          brokers: { count: 4 },
        }),
    ).toThrow(/multiple of the 3 AZs/);
    expect(f.stack.node.findChild('Streaming').node.children).toHaveLength(0);
  });
});

describe('StreamingCluster private connectivity for managed readers (the Firehose archive)', () => {
  test('turns on multi-VPC connectivity with IAM and lets only the named service create its VPC connection', () => {
    // GIVEN / WHEN a cluster that Firehose reads privately
    const { stack } = clusterWith({ privateConnectivityFor: ['firehose.amazonaws.com'] });
    // THEN the brokers accept multi-VPC connections with IAM authentication, public access stays off
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::MSK::Cluster', {
      BrokerNodeGroupInfo: {
        ConnectivityInfo: {
          PublicAccess: { Type: 'DISABLED' },
          VpcConnectivity: { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } },
        },
      },
    });
    // AND the cluster policy admits firehose.amazonaws.com to kafka:CreateVpcConnection on this cluster only
    t.resourceCountIs('AWS::MSK::ClusterPolicy', 1);
    t.hasResourceProperties('AWS::MSK::ClusterPolicy', {
      ClusterArn: CLUSTER_ARN,
      Policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'PrivateConnectivity',
            Effect: 'Allow',
            Principal: { Service: ['firehose.amazonaws.com'] },
            Action: ['kafka:CreateVpcConnection'],
            Resource: CLUSTER_ARN,
          },
        ],
      },
    });
  });

  test('without it: no multi-VPC connectivity and no cluster policy', () => {
    const t = Template.fromStack(clusterWith().stack);
    t.resourceCountIs('AWS::MSK::ClusterPolicy', 0);
    t.hasResourceProperties('AWS::MSK::Cluster', { BrokerNodeGroupInfo: { ConnectivityInfo: { VpcConnectivity: Match.absent() } } });
  });

  test.each([
    [{ brokers: { instanceType: 'kafka.t3.small' } }, /privateConnectivityFor is not offered on kafka\.t3\.small brokers/],
    [{ serverless: true, encryptionKey: undefined }, /privateConnectivityFor needs a provisioned cluster/],
    [
      { privateConnectivityFor: ['arn:aws:iam::123456789012:root'] },
      /must be AWS service principals like firehose\.amazonaws\.com, got 'arn:aws:iam::123456789012:root'/,
    ],
  ] as Array<[Partial<StreamingClusterProps>, RegExp]>)('rejects %p', (change, message) => {
    expect(() => clusterWith({ privateConnectivityFor: ['firehose.amazonaws.com'], ...change })).toThrow(message);
  });
});
