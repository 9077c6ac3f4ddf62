import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FeatureGroup, type FeatureGroupDefinition, type IFeatureStream, OnlineFeatureStore, onlineKeyTemplate } from '../../constructs';
import { testStack } from '../util';

const STREAM_GROUP: FeatureGroupDefinition = {
  name: 'applicant_txn_aggregates',
  description: 'Card spend per applicant',
  entityKeys: [{ name: 'applicant_id', type: 'string' }],
  features: [
    { name: 'txn_count_1h', type: 'bigint' },
    { name: 'txn_amount_sum_24h', type: 'double' },
  ],
  onlineTtlSeconds: 172800,
  offlinePartitioning: 'date-hour',
  source: { kind: 'stream', topic: 'card-transactions' },
};

/** A stand-in for the MSK construct: records what it was asked to grant. */
class FakeStream implements IFeatureStream {
  readonly bootstrapBrokers = 'b-1.example:9098,b-2.example:9098';
  readonly connections: ec2.Connections;
  readonly consumeGrants: Array<{ topic: string; group: string }> = [];
  constructor(sg: ec2.ISecurityGroup) {
    this.connections = new ec2.Connections({ securityGroups: [sg], defaultPort: ec2.Port.tcp(9098) });
  }
  grantConsume(grantee: iam.IGrantable, topicPattern: string, groupPattern: string): iam.Grant {
    this.consumeGrants.push({ topic: topicPattern, group: groupPattern });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:ReadData'],
      resourceArns: [`arn:aws:kafka:eu-west-1:123456789012:topic/c/u/${topicPattern}`],
    });
  }
}

function build(definition: FeatureGroupDefinition = STREAM_GROUP, options: { withStream?: boolean } = {}) {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'I', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const dataKey = new kms.Key(stack, 'DataKey');
  const zone = (id: string) => ({ bucket: new s3.Bucket(stack, id, { encryptionKey: dataKey }), databaseName: `${id.toLowerCase()}_db` });
  const features = zone('Features');
  const curated = zone('Curated');
  const raw = zone('Raw');
  const onlineStore = new OnlineFeatureStore(stack, 'Online', {
    vpc,
    namePrefix: 'test-features',
    encryptionKey: dataKey,
    logsKey: new kms.Key(stack, 'LogsKey'),
  });
  const sparkSg = new ec2.SecurityGroup(stack, 'SparkSg', { vpc });
  const sparkLogs = new logs.LogGroup(stack, 'SparkLogs');
  const stream = new FakeStream(new ec2.SecurityGroup(stack, 'MskSg', { vpc }));
  const group = new FeatureGroup(stack, 'Group', {
    definition,
    offlineStore: features,
    onlineStore,
    spark: {
      applicationId: 'app123',
      connections: new ec2.Connections({ securityGroups: [sparkSg] }),
      logGroup: sparkLogs,
      artifacts: { bucket: features.bucket, codePrefix: 'code', logPrefix: 'logs' },
    },
    sourceZones: { raw, curated },
    stream: options.withStream === false ? undefined : stream,
    lakeKey: dataKey,
    parameterPrefix: '/mlp/test',
  });
  return { stack, group, stream, template: Template.fromStack(stack) };
}

describe('FeatureGroup', () => {
  test('creates the offline Parquet table in the features database, partitioned by date and hour with projection', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'features_db',
      TableInput: {
        Name: 'applicant_txn_aggregates',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [
          { Name: 'event_date', Type: 'string' },
          { Name: 'event_hour', Type: 'string' },
        ],
        Parameters: {
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.event_hour.range': '0,23',
          'mlp:online-key': 'fs:applicant_txn_aggregates:v1:{<applicant_id>}',
          'mlp:online-ttl-seconds': '172800',
        },
        StorageDescriptor: {
          Columns: [
            { Name: 'applicant_id', Type: 'string', Comment: 'entity key' },
            { Name: 'txn_count_1h', Type: 'bigint' },
            { Name: 'txn_amount_sum_24h', Type: 'double' },
            { Name: 'event_time', Type: 'timestamp', Comment: 'when the values were true' },
            { Name: 'ingested_at', Type: 'timestamp', Comment: 'when the platform wrote them' },
          ],
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
  });

  test('the offline table is retained by default', () => {
    build().template.hasResource('AWS::Glue::Table', { DeletionPolicy: 'Retain' });
  });

  test('defines one online hash per entity, keys hash-tagged to one cluster slot', () => {
    expect(build().group.onlineKeyTemplate).toBe('fs:applicant_txn_aggregates:v1:{<applicant_id>}');
    expect(
      onlineKeyTemplate({
        name: 'x_y',
        entityKeys: [
          { name: 'a', type: 'string' },
          { name: 'b', type: 'bigint' },
        ],
      }),
    ).toBe('fs:x_y:v1:{<a>|<b>}');
  });

  test('job roles are assumable only by EMR Serverless for this application and account', () => {
    const { template } = build();
    const roles = Object.values(
      template.findResources('AWS::IAM::Role', { Properties: { Description: `Backfill of feature group applicant_txn_aggregates` } }),
    ) as any[];
    expect(roles).toHaveLength(1);
    expect(roles[0].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'emr-serverless.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:emr-serverless:eu-west-1:123456789012:/applications/app123' },
        },
      },
    ]);
  });

  test('a stream group gets a streaming materialize job that consumes only its topic, in its own consumer group', () => {
    const { stream, group } = build();
    expect(Object.keys(group.jobs).sort()).toEqual(['backfill', 'materialize']);
    expect(group.jobs.materialize.mode).toBe('STREAMING');
    expect(group.jobs.backfill.mode).toBe('BATCH');
    expect(stream.consumeGrants).toEqual([{ topic: 'card-transactions', group: 'feature-group-applicant_txn_aggregates*' }]);
  });

  test('a batch group has only a backfill job, reading only its source table', () => {
    const { group, template } = build(
      { ...STREAM_GROUP, name: 'applicant_bureau', source: { kind: 'batch', zone: 'curated', table: 'bureau_reports' } },
      { withStream: false },
    );
    expect(Object.keys(group.jobs)).toEqual(['backfill']);
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain('curated_db/bureau_reports');
    expect(policies).toContain('bureau_reports/*');
    expect(policies).not.toContain('kafka-cluster');
  });

  test.each([['BackfillRole'], ['MaterializeRole']])(
    "the %s writes its log streams in the Spark application's CloudWatch log group (where the application sends every job's logs)",
    (role) => {
      // GIVEN / WHEN
      const { template } = build();
      // THEN
      const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((p: any) =>
        JSON.stringify(p.Properties.Roles).includes(`Group${role}`),
      ) as any;
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SparkLogs/), 'Arn'] },
          },
          { Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
        ]),
      );
    },
  );

  test('the backfill role writes only its own prefix of the features zone and its own table', () => {
    const { template } = build();
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((p: any) =>
      JSON.stringify(p.Properties.Roles).includes('GroupBackfillRole'),
    ) as any;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const writes = statements.filter((s) =>
      [].concat(s.Action).some((a: string) => a.startsWith('s3:PutObject') || a.startsWith('s3:DeleteObject')),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes)
      expect(JSON.stringify(s.Resource)).toMatch(/applicant_txn_aggregates\/\*|logs\/feature-groups\/applicant_txn_aggregates\/\*/);
    const glue = statements.find((s) => [].concat(s.Action).includes('glue:BatchCreatePartition' as never));
    expect(JSON.stringify(glue.Resource)).toContain('features_db/applicant_txn_aggregates');
    expect(JSON.stringify(statements)).toContain('elasticache:Connect');
    expect(JSON.stringify(statements)).toContain('user:test-features-writer');
    // The only statement on '*' is logs:DescribeLogGroups (it has no resource type).
    expect(statements.filter((s) => s.Resource === '*').map((s) => s.Action)).toEqual(['logs:DescribeLogGroups']);
    // No wildcard actions; the lake key only through S3 and Glue.
    for (const st of statements) for (const a of [].concat(st.Action)) expect(a).not.toContain('*');
    const kms = statements.find((st) => [].concat(st.Action).includes('kms:Decrypt' as never));
    expect(kms.Condition.StringEquals['kms:ViaService']).toEqual(['s3.eu-west-1.amazonaws.com', 'glue.eu-west-1.amazonaws.com']);
    // Nothing inline.
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('opens no network path itself (the caller opens it once per Spark application)', () => {
    build().template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('publishes each job definition as a StartJobRun request in SSM', () => {
    const { template, stack, group } = build();
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mlp/test/feature-groups/applicant_txn_aggregates/backfill-job',
      Type: 'String',
    });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mlp/test/feature-groups/applicant_txn_aggregates/materialize-job' });
    const args = stack.resolve(group.jobs.materialize.jobDriver.sparkSubmit.entryPointArguments);
    expect(args).toEqual(
      expect.arrayContaining([
        '--topic',
        'card-transactions',
        '--consumer-group',
        'feature-group-applicant_txn_aggregates',
        '--online-user',
        'test-features-writer',
      ]),
    );
  });

  test.each([
    [{ name: 'Bad Name' }, /FeatureGroup Bad Name: name: "Bad Name" is not allowed/],
    [{ onlineTtlSeconds: 5 }, /onlineTtlSeconds: 5 is not allowed/],
    [{ entityKeys: [] }, /entityKeys: \[\] has 0 keys; expected 1 to 3/],
    [{ features: [{ name: 'x', type: 'varchar' }] }, /features\[0\]\.type: "varchar" is not allowed/],
  ])('rejects %p', (change, message) => {
    expect(() => build({ ...STREAM_GROUP, ...(change as object) } as FeatureGroupDefinition)).toThrow(message);
  });

  test('rejects a stream source without a stream', () => {
    expect(() => build(STREAM_GROUP, { withStream: false })).toThrow(
      /source: "card-transactions" is a stream source but no stream was given/,
    );
  });
});

describe('FeatureGroup in a team app, on the platform store', () => {
  test('takes an imported online store (no cast) and grants its writer user on it', () => {
    // GIVEN a team stack that references the platform's existing store by its attributes
    const stack = testStack('TeamApp');
    const dataKey = kms.Key.fromKeyArn(stack, 'LakeKey', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const features = { bucket: s3.Bucket.fromBucketName(stack, 'Features', 'mlp-dev-features'), databaseName: 'mlp_dev_features' };
    const store = OnlineFeatureStore.fromOnlineFeatureStoreAttributes(stack, 'PlatformStore', {
      configurationEndpoint: 'clustercfg.dev-features.abc123.euw1.cache.amazonaws.com',
      replicationGroupId: 'dev-features',
      readerUserId: 'dev-features-reader',
      writerUserId: 'dev-features-writer',
      securityGroupId: 'sg-0123456789abcdef0',
    });
    // WHEN the team declares a batch feature group on it
    new FeatureGroup(stack, 'Group', {
      definition: { ...STREAM_GROUP, source: { kind: 'batch', zone: 'curated', table: 'applications' } },
      offlineStore: features,
      onlineStore: store,
      spark: {
        applicationId: 'app123',
        connections: new ec2.Connections(),
        logGroup: logs.LogGroup.fromLogGroupName(stack, 'SparkLogs', '/aws/emr-serverless/test'),
        artifacts: { bucket: features.bucket, codePrefix: 'code', logPrefix: 'logs' },
      },
      sourceZones: { curated: { bucket: s3.Bucket.fromBucketName(stack, 'Curated', 'mlp-dev-curated'), databaseName: 'mlp_dev_curated' } },
      lakeKey: dataKey,
      parameterPrefix: '/mlp/dev',
    });
    // THEN the backfill role may connect as the store's writer, on that replication group and user only
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'elasticache:Connect',
            Resource: [
              'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:dev-features',
              'arn:aws:elasticache:eu-west-1:123456789012:user:dev-features-writer',
            ],
          }),
        ]),
      },
    });
    // and the store's port is the store's default
    expect(store.port).toBe(6380);
    expect(store.connections.defaultPort?.toString()).toBe('6380');
  });
});
