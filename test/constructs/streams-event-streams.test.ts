import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EventStreams, type EventStreamsProps, type EventTopicOptions, StreamingCluster } from '../../constructs';
import { testStack } from '../util';
import { dataFixture } from './data-fixtures';
import {
  CARD_TRANSACTIONS_SCHEMA,
  CLUSTER,
  complianceFindings,
  GROUP_ARN_PREFIX,
  nagStack,
  schemaFile,
  TOPIC_ARN_PREFIX,
} from './streams-fixtures';

const CARD: EventTopicOptions = { topicName: 'card-transactions', partitions: 12, schemaFile: schemaFile() };

function streams(props: Partial<EventStreamsProps> = {}, stack: Stack = testStack()) {
  const s = new EventStreams(stack, 'Streams', { cluster: CLUSTER, registryName: 'dev-events', topics: [CARD], ...props });
  return { stack, streams: s };
}
const role = (stack: Stack, id = 'Client') => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });

describe('EventStreams', () => {
  test('creates each topic on the cluster with AWS::MSK::Topic: partitions, replication, retention, cleanup policy', () => {
    // GIVEN / WHEN
    const { stack } = streams({
      topics: [{ ...CARD, retention: Duration.days(3), replicationFactor: 3, cleanupPolicy: 'delete' }],
    });
    // THEN
    const t = Template.fromStack(stack);
    const topics = t.findResources('AWS::MSK::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    const topic = Object.values(topics)[0] as any;
    expect(topic.DeletionPolicy).toBe('Retain');
    expect(topic.Properties).toEqual({
      ClusterArn: CLUSTER.clusterArn,
      TopicName: 'card-transactions',
      PartitionCount: 12,
      ReplicationFactor: 3,
      Configs: { 'Fn::Base64': expect.any(String) },
    });
    expect(JSON.parse(topic.Properties.Configs['Fn::Base64'])).toEqual({
      'cleanup.policy': 'delete',
      'min.insync.replicas': '2',
      'retention.ms': String(3 * 86_400_000),
    });
  });

  test('defaults: 7 days, replication 3, delete, min.insync.replicas 2', () => {
    const topic = streams().streams.topic('card-transactions');
    expect(topic.configs).toEqual({ 'cleanup.policy': 'delete', 'min.insync.replicas': '2', 'retention.ms': '604800000' });
  });

  test('replication factor 1 keeps min.insync.replicas at 1', () => {
    const topic = streams({ topics: [{ ...CARD, replicationFactor: 1 }] }).streams.topic('card-transactions');
    expect(topic.configs['min.insync.replicas']).toBe('1');
  });

  test('registers the topic schema (compact JSON from the file) in a Glue registry with a compatibility mode', () => {
    // GIVEN / WHEN
    const { stack } = streams({ topics: [{ ...CARD, compatibility: 'FULL' }] });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResource('AWS::Glue::Registry', { Properties: { Name: 'dev-events' }, DeletionPolicy: 'Retain' });
    t.hasResource('AWS::Glue::Schema', {
      DeletionPolicy: 'Retain',
      Properties: {
        Name: 'card-transactions',
        DataFormat: 'JSON',
        Compatibility: 'FULL',
        Registry: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamsRegistry'), 'Arn'] } },
        SchemaDefinition: JSON.stringify(CARD_TRANSACTIONS_SCHEMA),
      },
    });
  });

  test('removal policy DESTROY (dev) applies to topics, schemas and the registry', () => {
    const { stack } = streams({ removalPolicy: RemovalPolicy.DESTROY });
    const t = Template.fromStack(stack);
    for (const type of ['AWS::MSK::Topic', 'AWS::Glue::Schema', 'AWS::Glue::Registry']) {
      t.hasResource(type, { DeletionPolicy: 'Delete' });
    }
  });

  test('grantProduce: connect and idempotent write on the cluster, describe and write on the exact topic ARN', () => {
    // GIVEN
    const { stack, streams: s } = streams();
    const producer = role(stack);
    // WHEN
    s.grantProduce(producer, 'card-transactions');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'],
            Resource: CLUSTER.clusterArn,
          },
          {
            Effect: 'Allow',
            Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
            Resource: `${TOPIC_ARN_PREFIX}card-transactions`,
          },
        ],
      },
    });
  });

  test('grantConsume: read the exact topic and commit offsets in the exact group', () => {
    // GIVEN
    const { stack, streams: s } = streams();
    const consumer = role(stack);
    // WHEN
    s.grantConsume(consumer, 'card-transactions', 'feature-stream-applicant_txn_aggregates');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], Resource: CLUSTER.clusterArn },
          {
            Effect: 'Allow',
            Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
            Resource: `${TOPIC_ARN_PREFIX}card-transactions`,
          },
          {
            Effect: 'Allow',
            Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
            Resource: `${GROUP_ARN_PREFIX}feature-stream-applicant_txn_aggregates`,
          },
        ],
      },
    });
  });

  test('grantReadSchema: the registry and the topic schema only', () => {
    const { stack, streams: s } = streams();
    s.grantReadSchema(role(stack), 'card-transactions');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: [
              'glue:GetRegistry',
              'glue:GetSchema',
              'glue:GetSchemaByDefinition',
              'glue:GetSchemaVersion',
              'glue:ListSchemaVersions',
            ],
            Resource: [
              { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamsRegistry'), 'Arn'] },
              { 'Fn::GetAtt': [Match.stringLikeRegexp('^Streamscardtransactions'), 'Arn'] },
            ],
          },
        ],
      },
    });
  });

  test('a real StreamingCluster fits: topic and group ARNs take the uuid from its cluster ARN', () => {
    // GIVEN the platform's MSK construct
    const f = dataFixture();
    const msk = new StreamingCluster(f.stack, 'Msk', {
      clusterName: 'dev-events',
      vpc: f.vpc,
      encryptionKey: f.streamingKey,
      logsKey: f.logsKey,
    });
    // WHEN
    const s = new EventStreams(f.stack, 'Streams', { cluster: msk, registryName: 'r', topics: [CARD] });
    const uuid = { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Msk'), 'Arn'] }] }] };
    const expected = (kind: string, name: string) =>
      Match.objectLike({ 'Fn::Join': ['', [`arn:aws:kafka:eu-west-1:123456789012:${kind}/dev-events/`, uuid, `/${name}`]] });
    s.grantConsume(f.role, 'card-transactions', 'g1');
    // THEN
    const t = Template.fromStack(f.stack);
    t.hasResourceProperties('AWS::MSK::Topic', { ClusterArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Msk'), 'Arn'] } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Resource: expected('topic', 'card-transactions') }),
          Match.objectLike({ Resource: expected('group', 'g1') }),
        ]),
      },
    });
  });

  test('addTopic declares more topics; topics lists them in order', () => {
    const { streams: s } = streams();
    s.addTopic({ topicName: 'card-transactions-dlq', partitions: 3, schemaFile: schemaFile({ type: 'object' }) });
    expect(s.topics.map((t) => t.topicName)).toEqual(['card-transactions', 'card-transactions-dlq']);
  });

  describe('bad props give one clear error', () => {
    const bad: Array<[string, Partial<EventTopicOptions>, RegExp]> = [
      [
        'topic name with a space',
        { topicName: 'card transactions' },
        /topicName: 'card transactions' is not allowed; expected 1-249 letters/,
      ],
      ['topic name ..', { topicName: '..' }, /not '\.' or '\.\.'/],
      [
        '0 partitions',
        { partitions: 0 },
        /topic 'card-transactions': partitions: 0 is not allowed; expected a whole number from 1 to 1000/,
      ],
      ['fractional partitions', { partitions: 2.5 }, /partitions: 2.5 is not allowed; expected a whole number from 1 to 1000/],
      [
        'retention under an hour',
        { retention: Duration.minutes(30) },
        /retention: 30 minutes is not allowed; expected 1 hour to 3650 days/,
      ],
      ['replication 4', { replicationFactor: 4 }, /replicationFactor: 4 is not allowed; expected a whole number from 1 to 3/],
      [
        'unknown cleanup policy',
        { cleanupPolicy: 'archive' as any },
        /cleanupPolicy: 'archive' is not allowed; expected one of delete, compact, compact,delete/,
      ],
      ['unknown compatibility', { compatibility: 'LOOSE' as any }, /compatibility: 'LOOSE' is not allowed; expected one of NONE, /],
      ['missing schema file', { schemaFile: '/nonexistent/schema.json' }, /schemaFile: '\/nonexistent\/schema.json' cannot be read/],
      ['schema not JSON', { schemaFile: schemaFile('{not json') }, /is not JSON/],
      ['schema of a string', { schemaFile: schemaFile({ type: 'string' }) }, /expected a JSON Schema of an object/],
    ];
    test.each(bad)('%s', (_name, change, message) => {
      expect(() => streams({ topics: [{ ...CARD, ...change }] })).toThrow(message);
    });

    test('a duplicate topic', () => {
      expect(() => streams({ topics: [CARD, CARD] })).toThrow(/'card-transactions' is declared twice/);
    });

    test('a bad registry name', () => {
      expect(() => streams({ registryName: 'dev events' })).toThrow(/registryName must be 1-255 letters.*got 'dev events'/);
    });

    test('a grant on an undeclared topic names the declared ones', () => {
      const { stack, streams: s } = streams();
      expect(() => s.grantProduce(role(stack), 'loan-applications')).toThrow(/no topic 'loan-applications'; declared: card-transactions/);
    });

    test('a consumer group with a wildcard', () => {
      const { stack, streams: s } = streams();
      expect(() => s.grantConsume(role(stack), 'card-transactions', 'feature-*')).toThrow(
        /consumer group must be .*no wildcards.*got 'feature-\*'/,
      );
    });
  });

  test('passes the AwsSolutions, PCI DSS and NIST packs in a minimal stack', () => {
    // GIVEN
    const { app, stack } = nagStack();
    const s = new EventStreams(stack, 'Streams', { cluster: CLUSTER, registryName: 'dev-events', topics: [CARD] });
    s.grantConsume(role(stack), 'card-transactions', 'g');
    // THEN
    expect(complianceFindings(app, 'Minimal/Streams')).toEqual([]);
  });
});
