import { Match } from 'aws-cdk-lib/assertions';
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
  'AWS::MSK::Cluster': [],
  'AWS::Logs::LogGroup': ['SparkJobLogsE7D7039D'],
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
    const stateful = Object.entries(t.toJSON().Resources as Record<string, any>).filter(([, r]) => STATEFUL_TYPES.includes(r.Type));
    // THEN
    expect(stateful.length).toBe(9);
    for (const [id, r] of stateful) expect([id, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
  });

  test('is termination-protected and named MlPlatform-prod-Data', () => {
    // WHEN
    const stack = platformStage('prod').node.findChild('Data') as DataStack;
    // THEN
    expect(stack.terminationProtection).toBe(true);
    expect(stack.stackName).toBe('MlPlatform-prod-Data');
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

  test('the Spark job role reads raw and curated, writes features; nothing on models, no Kafka', () => {
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

    // Its topics are granted in the Streaming stack, so that Data never waits for the brokers.
    expect(JSON.stringify(statements)).not.toContain('kafka-cluster');
  });

  test('does not wait for the brokers, and exposes the Spark application', () => {
    // THEN
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(JSON.stringify(t.toJSON())).not.toMatch(/MlPlatform-prod-Streaming|KafkaBootstrap/);
    t.hasOutput('SparkApplicationId', { Value: { 'Fn::GetAtt': ['Spark184A4B5E', 'ApplicationId'] } });
  });
});

describe('DataStack in staging and dev', () => {
  test('staging retains its stateful resources too', () => {
    // GIVEN
    const t = template('staging', 'Data');
    // THEN
    for (const type of ['AWS::S3::Bucket', 'AWS::Glue::Database', 'AWS::Logs::LogGroup']) {
      for (const r of Object.values(t.findResources(type))) expect(r.DeletionPolicy).toBe('Retain');
    }
  });

  test('dev deletes its stateful resources with the stack and is not termination-protected', () => {
    // GIVEN
    const t = template('dev', 'Data');
    const stateful = Object.values(t.toJSON().Resources as Record<string, any>).filter((r) => STATEFUL_TYPES.includes(r.Type));
    // THEN
    expect(stateful.length).toBe(9);
    for (const r of stateful) expect(r.DeletionPolicy).toBe('Delete');
    const stack = platformStage('dev').node.findChild('Data') as DataStack;
    expect(stack.terminationProtection).toBe(false);
  });

  test('dev: no initial Spark capacity (pay per job)', () => {
    // THEN
    template('dev', 'Data').hasResourceProperties('AWS::EMRServerless::Application', { InitialCapacity: Match.absent() });
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
