import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DataLake, OnlineFeatureStore, SparkApplication, StreamingCluster } from '../../constructs';
import { testStack } from '../util';

/** The platform's resources as a team's app references them: by attributes, nothing created. */
function teamApp() {
  const stack = testStack('TeamApp');
  const key = kms.Key.fromKeyArn(stack, 'LakeKey', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  const lake = DataLake.fromDataLakeAttributes(stack, 'Lake', {
    encryptionKey: key,
    zones: {
      raw: { bucketName: 'mlp-dev-raw', databaseName: 'mlp_dev_raw' },
      curated: { bucketName: 'mlp-dev-curated', databaseName: 'mlp_dev_curated' },
      features: { bucketName: 'mlp-dev-features', databaseName: 'mlp_dev_features' },
      models: { bucketName: 'mlp-dev-models', databaseName: 'mlp_dev_models' },
    },
  });
  const spark = SparkApplication.fromSparkApplicationAttributes(stack, 'Spark', {
    applicationId: '00abcdef12345678',
    jobRoleArn: 'arn:aws:iam::123456789012:role/mlp-dev-spark-job',
    securityGroupId: 'sg-0123456789abcdef0',
  });
  const events = StreamingCluster.fromStreamingClusterAttributes(stack, 'Events', {
    clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/mlp-dev-events/11111111-2222-3333-4444-555555555555-2',
    clusterName: 'mlp-dev-events',
    bootstrapBrokersSaslIam: 'b-1.example:9098,b-2.example:9098',
    securityGroupId: 'sg-0fedcba9876543210',
  });
  const store = OnlineFeatureStore.fromOnlineFeatureStoreAttributes(stack, 'Store', {
    configurationEndpoint: 'clustercfg.dev-features.abc123.euw1.cache.amazonaws.com',
    replicationGroupId: 'dev-features',
    readerUserId: 'dev-features-reader',
    writerUserId: 'dev-features-writer',
    securityGroupId: 'sg-0aaaabbbbccccdddd',
  });
  const role = new iam.Role(stack, 'Job', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  return { stack, lake, spark, events, store, role };
}

describe('imports of the platform resources a team references', () => {
  test('a team role reads an imported lake zone: its objects, its Glue database and the key through S3', () => {
    // GIVEN
    const { stack, lake, role } = teamApp();
    // WHEN
    lake.grantRead(role, 'curated');
    // THEN
    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const text = JSON.stringify(statements);
    expect(text).toContain('mlp-dev-curated/*');
    expect(text).toContain(':database/mlp_dev_curated');
    expect(text).toContain(':table/mlp_dev_curated/*');
    expect(text).toContain('"kms:ViaService":["s3.eu-west-1.amazonaws.com"]');
    expect(lake.databaseName('features')).toBe('mlp_dev_features');
  });

  test('an unknown zone of an imported lake is a clear error', () => {
    // GIVEN
    const { lake } = teamApp();
    // WHEN / THEN
    expect(() => lake.bucket('gold' as never)).toThrow(
      /DataLake.fromDataLakeAttributes has no zone 'gold'; expected one of raw, curated, features, models/,
    );
  });

  test('an imported streaming cluster grants consuming its topics and groups by its name and UUID', () => {
    // GIVEN
    const { stack, events, role } = teamApp();
    // WHEN
    events.grantConsume(role, 'loan-*', 'scorer-*');
    // THEN
    const text = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(text).toContain('arn:aws:kafka:eu-west-1:123456789012:topic/mlp-dev-events/11111111-2222-3333-4444-555555555555-2/loan-*');
    expect(text).toContain('arn:aws:kafka:eu-west-1:123456789012:group/mlp-dev-events/11111111-2222-3333-4444-555555555555-2/scorer-*');
    expect(events.connections.defaultPort?.toString()).toBe('9098');
  });

  test('an imported Spark application lets a scheduler start job runs and pass its job role to EMR Serverless only', () => {
    // GIVEN
    const { stack, spark, role } = teamApp();
    // WHEN
    spark.grantStartJobRun(role);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'iam:PassRole',
            Resource: 'arn:aws:iam::123456789012:role/mlp-dev-spark-job',
            Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  test('an imported online store grants IAM connect on its replication group and the chosen user', () => {
    // GIVEN
    const { stack, store, role } = teamApp();
    // WHEN
    store.grantConnect(role, 'reader');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'elasticache:Connect',
            Effect: 'Allow',
            Resource: [
              'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:dev-features',
              'arn:aws:elasticache:eu-west-1:123456789012:user:dev-features-reader',
            ],
          },
        ],
      },
    });
  });
});
