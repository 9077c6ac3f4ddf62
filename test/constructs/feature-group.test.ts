import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FeatureGroup, type FeatureGroupDefinition, onlineKeyTemplate } from '../../constructs';
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

function build(definition: FeatureGroupDefinition = STREAM_GROUP) {
  const stack = testStack();
  const dataKey = new kms.Key(stack, 'DataKey');
  const features = { bucket: new s3.Bucket(stack, 'Features', { encryptionKey: dataKey }), databaseName: 'features_db' };
  const group = new FeatureGroup(stack, 'Group', { definition, offlineStore: features });
  return { stack, group, template: Template.fromStack(stack) };
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
          'mlp:online-key': 'fs:applicant_txn_aggregates:v2:{<applicant_id>}',
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

  test("records the v2 online layout: the prefix of an entity's event set and dedupe hash, hash-tagged to one cluster slot", () => {
    expect(build().group.onlineKeyTemplate).toBe('fs:applicant_txn_aggregates:v2:{<applicant_id>}');
    expect(
      onlineKeyTemplate({
        name: 'x_y',
        entityKeys: [
          { name: 'a', type: 'string' },
          { name: 'b', type: 'bigint' },
        ],
      }),
    ).toBe('fs:x_y:v2:{<a>|<b>}');
  });

  test('creates only the table: no job roles, no StartJobRun requests, no network rules (FeatureJobs and the consumer compute)', () => {
    // GIVEN / WHEN a stream-sourced group
    const { template } = build();
    // THEN the offline table is its only resource
    template.resourceCountIs('AWS::Glue::Table', 1);
    for (const type of ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::SSM::Parameter', 'AWS::EC2::SecurityGroupIngress']) {
      template.resourceCountIs(type, 0);
    }
  });

  test.each([
    [{ name: 'Bad Name' }, /FeatureGroup Bad Name: name: "Bad Name" is not allowed/],
    [{ onlineTtlSeconds: 5 }, /onlineTtlSeconds: 5 is not allowed/],
    [{ entityKeys: [] }, /entityKeys: \[\] has 0 keys; expected 1 to 3/],
    [{ features: [{ name: 'x', type: 'varchar' }] }, /features\[0\]\.type: "varchar" is not allowed/],
  ])('rejects %p', (change, message) => {
    expect(() => build({ ...STREAM_GROUP, ...(change as object) } as FeatureGroupDefinition)).toThrow(message);
  });
});
