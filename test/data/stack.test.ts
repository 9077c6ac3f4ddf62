import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildPlatformApp } from '../../lib/app';
import { STATEFUL_TYPES } from '../../lib/compliance/retention';
import type { DataStack } from '../../lib/data/stack';
import { configWith, environmentsWith, platformStage, template, testApp } from '../util';

/** Logical IDs of the stateful resources of the Data stack: renaming one is a data-loss bug. */
const STATEFUL_LOGICAL_IDS: Record<string, string[]> = {
  'AWS::S3::Bucket': ['LakeCuratedBucketB28F5F4C', 'LakeFeaturesBucket108C30CA', 'LakeModelsBucketAB4E6A9E', 'LakeRawBucketDA76DCB0'],
  'AWS::Glue::Database': [
    'LakeCuratedDatabase4ADD307F',
    'LakeFeaturesDatabaseB098210B',
    'LakeModelsDatabase5B13B679',
    'LakeRawDatabaseFD6F3023',
  ],
  'AWS::MSK::Cluster': ['StreamingE5CA015B'],
  'AWS::MSK::Configuration': ['StreamingConfigurationB28D107E'],
  'AWS::Logs::LogGroup': ['SparkJobLogsE7D7039D', 'StreamingBootstrapBrokersLogs82220E38', 'StreamingBrokerLogs4B48B51C'],
  'AWS::EMRServerless::Application': ['Spark184A4B5E'],
};

describe('DataStack in prod', () => {
  const t = template('prod', 'Data');

  test('pins the logical IDs of its stateful resources', () => {
    // THEN
    for (const [type, ids] of Object.entries(STATEFUL_LOGICAL_IDS)) {
      expect([type, Object.keys(t.findResources(type)).sort()]).toEqual([type, ids]);
    }
  });

  test('retains every stateful resource', () => {
    // GIVEN
    const stateful = Object.entries(t.toJSON().Resources as Record<string, any>).filter(([, r]) =>
      [...STATEFUL_TYPES, 'AWS::MSK::Configuration'].includes(r.Type),
    );
    // THEN
    expect(stateful.length).toBe(13);
    for (const [id, r] of stateful) expect([id, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
  });

  test('is termination-protected and named MlPlatform-prod-Data', () => {
    // WHEN
    const stack = platformStage('prod').node.findChild('Data') as DataStack;
    // THEN
    expect(stack.terminationProtection).toBe(true);
    expect(stack.stackName).toBe('MlPlatform-prod-Data');
  });

  test('runs a provisioned MSK cluster of 6 brokers over the 3 isolated subnets, with the streaming key of the Security stack', () => {
    // THEN
    t.hasResourceProperties('AWS::MSK::Cluster', {
      ClusterName: 'mlp-prod-events',
      NumberOfBrokerNodes: 6,
      BrokerNodeGroupInfo: {
        InstanceType: 'kafka.m7g.large',
        ClientSubnets: [1, 2, 3].map((n) => ({
          'Fn::GetStackOutput': Match.objectLike({
            StackName: 'MlPlatform-prod-Network',
            OutputName: Match.stringLikeRegexp(`IsolatedSubnet${n}`),
          }),
        })),
      },
      EncryptionInfo: {
        EncryptionAtRest: {
          DataVolumeKMSKeyId: {
            'Fn::GetStackOutput': Match.objectLike({
              StackName: 'MlPlatform-prod-Security',
              OutputName: Match.stringLikeRegexp('StreamingKey'),
            }),
          },
        },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EnhancedMonitoring: 'PER_TOPIC_PER_BROKER',
    });
  });

  test('encrypts lake buckets and the Glue catalog with the data key, logs access to the audit bucket', () => {
    // GIVEN
    const dataKey = {
      'Fn::GetStackOutput': Match.objectLike({ StackName: 'MlPlatform-prod-Security', OutputName: Match.stringLikeRegexp('DataKey') }),
    };
    // THEN
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: dataKey } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('AuditLogs') }) },
        LogFilePrefix: 'lake/raw/',
      },
    });
    t.hasResourceProperties('AWS::Glue::DataCatalogEncryptionSettings', {
      DataCatalogEncryptionSettings: { EncryptionAtRest: { CatalogEncryptionMode: 'SSE-KMS', SseAwsKmsKeyId: dataKey } },
    });
    t.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'mlp_prod_raw' } });
  });

  test('the Spark job role reads raw and curated, writes features, consumes events.* as spark-*; nothing on models', () => {
    // GIVEN
    const policies = t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: 'Grants of the EMR Serverless Spark jobs' } });
    const statements: any[] = Object.values(policies)[0].Properties.PolicyDocument.Statement;
    const find = (action: string) => statements.filter((s) => [s.Action].flat().includes(action));
    const refs = (s: any) => JSON.stringify(s.Resource);

    const reads = find('s3:GetObject');
    // THEN
    expect(reads).toHaveLength(1);
    for (const zone of ['Raw', 'Curated', 'Features']) expect(refs(reads[0])).toContain(`Lake${zone}Bucket`);
    const writes = find('s3:PutObject');
    expect(writes).toHaveLength(1);
    expect(refs(writes[0])).toContain('LakeFeaturesBucket');
    expect(refs(writes[0])).not.toMatch(/LakeRawBucket|LakeCuratedBucket/);
    expect(JSON.stringify(statements)).not.toContain('LakeModels');

    const consume = find('kafka-cluster:ReadData');
    expect(consume).toHaveLength(1);
    expect(refs(consume[0])).toMatch(/topic\/mlp-prod-events\/.*\/events\.\*/);
    const groups = find('kafka-cluster:AlterGroup');
    expect(refs(groups[0])).toMatch(/group\/mlp-prod-events\/.*\/spark-\*/);
    expect(find('kafka-cluster:WriteData')).toHaveLength(0);
  });

  test('admits the Spark workers to the brokers on 9098, and nothing else', () => {
    // THEN
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 9098,
      ToPort: 9098,
      GroupId: { 'Fn::GetAtt': ['StreamingSecurityGroup3E3A19F8', 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': ['SparkSecurityGroup27EEC0F5', 'GroupId'] },
    });
  });

  test('exposes the IAM bootstrap brokers and the Spark application', () => {
    // THEN
    t.hasOutput('KafkaBootstrapBrokersSaslIam', {
      Value: { 'Fn::GetAtt': ['StreamingBootstrapBrokers99E7F653', 'BootstrapBrokerStringSaslIam'] },
    });
    t.hasOutput('SparkApplicationId', { Value: { 'Fn::GetAtt': ['Spark184A4B5E', 'ApplicationId'] } });
  });
});

describe('DataStack in staging and dev', () => {
  test('staging retains its stateful resources too', () => {
    // GIVEN
    const t = template('staging', 'Data');
    // THEN
    for (const type of ['AWS::S3::Bucket', 'AWS::Glue::Database', 'AWS::MSK::Cluster', 'AWS::Logs::LogGroup']) {
      for (const r of Object.values(t.findResources(type))) expect(r.DeletionPolicy).toBe('Retain');
    }
  });

  test('dev deletes its stateful resources with the stack and is not termination-protected', () => {
    // GIVEN
    const t = template('dev', 'Data');
    const stateful = Object.values(t.toJSON().Resources as Record<string, any>).filter((r) => STATEFUL_TYPES.includes(r.Type));
    // THEN
    expect(stateful.length).toBe(12);
    for (const r of stateful) expect(r.DeletionPolicy).toBe('Delete');
    const stack = platformStage('dev').node.findChild('Data') as DataStack;
    expect(stack.terminationProtection).toBe(false);
  });

  test('dev runs two brokers, one per AZ, the smallest type with multi-VPC connectivity (the archive), with a short retention', () => {
    // GIVEN
    const t = template('dev', 'Data');
    // THEN
    t.hasResourceProperties('AWS::MSK::Cluster', {
      NumberOfBrokerNodes: 2,
      BrokerNodeGroupInfo: { InstanceType: 'kafka.m7g.large' },
      EnhancedMonitoring: 'DEFAULT',
    });
    t.hasResourceProperties('AWS::MSK::Configuration', {
      ServerProperties: Match.stringLikeRegexp('default\\.replication\\.factor=2\nmin\\.insync\\.replicas=1\n'),
    });
    t.hasResourceProperties('AWS::EMRServerless::Application', { InitialCapacity: Match.absent() });
  });

  test('dev can run MSK Serverless instead, chosen in config (its topics then not archived)', () => {
    // GIVEN
    const config = configWith('dev', (c) => {
      c.streaming = { mode: 'serverless' };
      c.features.topics = c.features.topics.map((t: any) => ({ ...t, archive: false }));
    });
    const stages = buildPlatformApp(testApp(), { compliance: false, only: ['dev'], environments: environmentsWith(config) });
    const t = Template.fromStack(stages.dev!.node.findChild('Data') as DataStack);
    // THEN
    t.resourceCountIs('AWS::MSK::Cluster', 0);
    t.resourceCountIs('AWS::MSK::Configuration', 0);
    t.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClusterName: 'mlp-dev-events',
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    });
  });
});

describe('DataStack with bad config', () => {
  test('a broker count that is not a multiple of the AZs fails before anything is created', () => {
    // GIVEN
    const config = configWith('prod', (c) => (c.streaming.brokerCount = 4));
    const app = testApp();
    // THEN
    expect(() => buildPlatformApp(app, { compliance: false, environments: environmentsWith(config) })).toThrow(
      /prod\.streaming\.brokerCount: 4 is not a multiple of the 3 AZs/,
    );
    expect(app.node.children).toHaveLength(0);
  });
});
