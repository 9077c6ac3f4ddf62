import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EVENT_TIME_PARTITION_QUERY, TopicArchive, type TopicArchiveProps } from '../../constructs';
import { testStack } from '../util';
import { CLUSTER, complianceFindings, GROUP_ARN_PREFIX, lakeParts, nagStack, TOPIC_ARN_PREFIX } from './streams-fixtures';

function archive(props: Partial<TopicArchiveProps> = {}) {
  const stack = testStack();
  const { lakeKey, logsKey, bucket } = lakeParts(stack);
  const a = new TopicArchive(stack, 'Archive', {
    cluster: CLUSTER,
    topicName: 'card-transactions',
    destination: { bucket, encryptionKey: lakeKey },
    logsKey,
    ...props,
  });
  return { stack, archive: a, template: Template.fromStack(stack) };
}
const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });
const arn = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });

describe('TopicArchive', () => {
  test('Firehose reads the topic from MSK (IAM, private connectivity) and writes the raw zone by event date/hour, KMS-encrypted', () => {
    // GIVEN / WHEN
    const { template } = archive();
    // THEN
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'MSKAsSource',
      MSKSourceConfiguration: {
        MSKClusterARN: CLUSTER.clusterArn,
        TopicName: 'card-transactions',
        AuthenticationConfiguration: { Connectivity: 'PRIVATE', RoleARN: arn('ArchiveRole') },
      },
      ExtendedS3DestinationConfiguration: {
        BucketARN: arn('RawBucket'),
        RoleARN: arn('ArchiveRole'),
        Prefix: 'card-transactions/event_date=!{partitionKeyFromQuery:event_date}/event_hour=!{partitionKeyFromQuery:event_hour}/',
        ErrorOutputPrefix: '_errors/card-transactions/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/',
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 128 },
        CompressionFormat: 'GZIP',
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: arn('LakeKey') } },
        CloudWatchLoggingOptions: { Enabled: true, LogGroupName: ref('ArchiveLogs'), LogStreamName: ref('ArchiveDeliveryErrors') },
        DynamicPartitioningConfiguration: { Enabled: true },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'MetadataExtraction',
              Parameters: [
                { ParameterName: 'MetadataExtractionQuery', ParameterValue: EVENT_TIME_PARTITION_QUERY },
                { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
              ],
            },
            { Type: 'AppendDelimiterToRecord', Parameters: [{ ParameterName: 'Delimiter', ParameterValue: '\\n' }] },
          ],
        },
      },
    });
  });

  test('the partition query takes the event date and hour from event_time, not the arrival time', () => {
    // GIVEN the jq slices of the query, applied to an ISO-8601 UTC time as jq would (string slices)
    const m = /event_date: \.event_time\[(\d+):(\d+)\], event_hour: \.event_time\[(\d+):(\d+)\]/.exec(EVENT_TIME_PARTITION_QUERY);
    expect(m).not.toBeNull();
    const [d0, d1, h0, h1] = m!.slice(1).map(Number);
    // WHEN
    const t = '2026-11-29T07:45:12.345Z';
    // THEN
    expect([t.slice(d0, d1), t.slice(h0, h1)]).toEqual(['2026-11-29', '07']);
  });

  test('the Firehose role: exact cluster and topic, group describe within the cluster, the two prefixes, the key through S3, its log stream', () => {
    // GIVEN / WHEN
    const { template } = archive();
    // THEN
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [ref('ArchiveRole')],
      PolicyDocument: {
        Statement: [
          {
            Sid: 'Cluster',
            Action: ['kafka-cluster:Connect', 'kafka:DescribeCluster', 'kafka:DescribeClusterV2'],
            Resource: CLUSTER.clusterArn,
          },
          // no resource type: on '*' (scoped to the cluster it is denied)
          { Sid: 'BootstrapBrokers', Action: 'kafka:GetBootstrapBrokers', Resource: '*' },
          {
            Sid: 'Topic',
            Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:DescribeTopicDynamicConfiguration', 'kafka-cluster:ReadData'],
            Resource: `${TOPIC_ARN_PREFIX}card-transactions`,
          },
          { Sid: 'Groups', Action: 'kafka-cluster:DescribeGroup', Resource: `${GROUP_ARN_PREFIX}*` },
          { Sid: 'Bucket', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: arn('RawBucket') },
          {
            Sid: 'ArchiveObjects',
            Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
            Resource: [
              { 'Fn::Join': ['', [arn('RawBucket'), '/_errors/card-transactions/*']] },
              { 'Fn::Join': ['', [arn('RawBucket'), '/card-transactions/*']] },
            ],
          },
          {
            Sid: 'LakeKeyThroughS3',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: arn('LakeKey'),
            Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
          },
          {
            Sid: 'ErrorLogs',
            Action: 'logs:PutLogEvents',
            Resource: {
              'Fn::Join': [
                '',
                ['arn:aws:logs:eu-west-1:123456789012:log-group:', ref('ArchiveLogs'), ':log-stream:', ref('ArchiveDeliveryErrors')],
              ],
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Principal: { Service: 'firehose.amazonaws.com' },
            Condition: { StringEquals: { 'sts:ExternalId': '123456789012' } },
          },
        ],
      },
    });
  });

  test('the stream is created after its role policy (Firehose checks its permissions on create)', () => {
    const { template } = archive();
    const [stream] = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream')) as any[];
    expect(stream.DependsOn).toEqual([expect.stringMatching(/^ArchivePolicy/)]);
  });

  test('error logs in a KMS-encrypted log group, retained by default; deletable in dev', () => {
    archive().template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: { KmsKeyId: arn('LogsKey') } });
    archive({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('custom prefixes and buffering', () => {
    const { template } = archive({
      prefix: 'events/cards/',
      errorPrefix: 'failed/cards/',
      bufferInterval: Duration.seconds(60),
      bufferSizeMiB: 64,
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: {
        Prefix: Match.stringLikeRegexp('^events/cards/event_date='),
        ErrorOutputPrefix: Match.stringLikeRegexp('^failed/cards/'),
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
      },
    });
  });

  describe('bad props give one clear error', () => {
    const bad: Array<[string, Partial<TopicArchiveProps>, RegExp]> = [
      ['topic with a slash', { topicName: 'a/b' }, /topicName must be 1-249 letters.*got 'a\/b'/],
      ['prefix without trailing slash', { prefix: 'cards' }, /prefix must be a key prefix ending in '\/'.*got 'cards'/],
      [
        'overlapping prefixes',
        { prefix: 'cards/', errorPrefix: 'cards/errors/' },
        /errorPrefix 'cards\/errors\/' must not overlap prefix 'cards\/'/,
      ],
      ['buffer too small for dynamic partitioning', { bufferSizeMiB: 5 }, /bufferSizeMiB must be a whole number from 64 to 128.*got 5/],
      ['buffer interval too long', { bufferInterval: Duration.minutes(20) }, /bufferInterval must be 0 to 900 whole seconds, got 1200/],
    ];
    test.each(bad)('%s', (_n, change, message) => {
      expect(() => archive(change)).toThrow(message);
    });
  });

  test('passes the AwsSolutions, PCI DSS and NIST packs in a minimal stack', () => {
    // GIVEN
    const { app, stack, lakeKey, logsKey, bucket } = nagStack();
    new TopicArchive(stack, 'Archive', {
      cluster: CLUSTER,
      topicName: 'card-transactions',
      destination: { bucket, encryptionKey: lakeKey },
      logsKey,
    });
    // THEN only the fixture's own findings remain (the helper sees them: it is not blind)
    expect(complianceFindings(app, 'Minimal/Archive')).toEqual([]);
    expect(complianceFindings(app, 'Minimal/AccessLogs').length).toBeGreaterThan(0);
  });
});
