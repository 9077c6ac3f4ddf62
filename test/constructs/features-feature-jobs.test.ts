import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FeatureJobs, type FeatureJobsProps } from '../../constructs';
import { featureSql } from '../../jobs/features/batch/sql';
import { APPLICANT_TXN_AGGREGATES_VIEW } from '../../lib/features/views';
import { testStack } from '../util';
import { complianceFindings, jobBundle, lakeParts, nagStack, tempFiles } from './streams-fixtures';

const APP_ARN = 'arn:aws:emr-serverless:eu-west-1:123456789012:/applications/00fabc123';

function jobs(props: Partial<FeatureJobsProps> = {}, given?: { stack: Stack }) {
  const stack = given?.stack ?? testStack();
  const { lakeKey, logsKey, bucket: raw } = lakeParts(stack);
  const features = new s3.Bucket(stack, 'FeaturesBucket', {
    encryptionKey: lakeKey,
    encryption: s3.BucketEncryption.KMS,
    enforceSSL: true,
  });
  const curated = new s3.Bucket(stack, 'CuratedBucket', { encryptionKey: lakeKey, encryption: s3.BucketEncryption.KMS, enforceSSL: true });
  const logGroup = new logs.LogGroup(stack, 'SparkLogs', { encryptionKey: logsKey });
  const j = new FeatureJobs(stack, 'Jobs', {
    groupName: 'applicant_txn_aggregates',
    application: { applicationId: '00fabc123', applicationArn: APP_ARN, logGroup },
    bundle: jobBundle(),
    rawEvents: { bucket: raw, prefix: 'card-transactions/' },
    features: { bucket: features, databaseName: 'mlp_dev_features' },
    labels: { bucket: curated, prefix: 'labels/loan_default/' },
    lakeKey,
    parameterPrefix: '/mlp/dev',
    ...props,
  });
  current = stack;
  return { stack, jobs: j };
}
let current: Stack;
/** Logical id of the one resource whose id is `<prefix><8 hex>` in the stack under test. */
function lid(prefix: string): string {
  const ids = Object.keys(Template.fromStack(current).toJSON().Resources).filter((id) => new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id));
  expect(ids).toHaveLength(1);
  return ids[0];
}
const arn = (prefix: string) => ({ 'Fn::GetAtt': [lid(prefix), 'Arn'] });
const objects = (bucket: string, prefix: string) => ({ 'Fn::Join': ['', [arn(bucket), `/${prefix}*`]] });

/** The statements of the managed policy whose description starts with `describe`. */
function statements(stack: Stack, describe: string): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', {
    Properties: { Description: Match.stringLikeRegexp(`^${describe}`) },
  });
  expect(Object.keys(policies)).toHaveLength(1);
  return (Object.values(policies)[0] as any).Properties.PolicyDocument.Statement;
}
const bySid = (list: any[]) => Object.fromEntries(list.map(({ Sid, ...rest }) => [Sid, rest]));

describe('FeatureJobs', () => {
  test('each job role is assumable by EMR Serverless for this application and account only', () => {
    const { stack } = jobs();
    const roles = Template.fromStack(stack).findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('feature group applicant_txn_aggregates') },
    });
    expect(Object.keys(roles)).toHaveLength(2);
    for (const role of Object.values(roles) as any[]) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'emr-serverless.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': APP_ARN } },
        },
      ]);
    }
  });

  test('backfill: its bundle objects, read its raw topic prefix, write its features prefix and its dead letters, key via S3/Glue, its logs', () => {
    // GIVEN / WHEN
    const { stack, jobs: j } = jobs();
    // THEN
    const s = bySid(statements(stack, 'Backfill'));
    expect(Object.keys(s).sort()).toEqual(
      [
        'Bundle',
        'GlueDefaultDatabase',
        'LakeKeyThroughS3AndGlue',
        'ListRawEvents',
        'LogGroupDiscovery',
        'Logs',
        'ReadRawEvents',
        'WriteDeadLetters',
        'WriteFeatures',
      ].sort(),
    );
    expect(s.ListRawEvents).toEqual({
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: arn('RawBucket'),
      Condition: { StringLike: { 's3:prefix': ['card-transactions/*'] } },
    });
    expect(s.ReadRawEvents).toEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: objects('RawBucket', 'card-transactions/'),
    });
    expect(s.WriteFeatures).toEqual({
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      Resource: objects('FeaturesBucket', 'applicant_txn_aggregates/'),
    });
    expect(s.WriteDeadLetters.Resource).toEqual(objects('RawBucket', 'dead-letter/applicant_txn_aggregates/backfill/'));
    expect(s.GlueDefaultDatabase).toEqual({
      Effect: 'Allow',
      Action: 'glue:GetDatabase',
      Resource: ['arn:aws:glue:eu-west-1:123456789012:catalog', 'arn:aws:glue:eu-west-1:123456789012:database/default'],
    });
    expect(s.LakeKeyThroughS3AndGlue).toEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: arn('LakeKey'),
      Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 'glue.eu-west-1.amazonaws.com'] } },
    });
    expect(s.Logs).toEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
      Resource: arn('SparkLogs'),
    });
    // DescribeLogGroups has no resource type (the one '*', acknowledged with its reason)
    expect(s.LogGroupDiscovery).toEqual({ Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' });
    // exactly its bundle's objects (entry point, SQL, definition, schema, two modules), nothing else in the asset bucket
    expect(s.Bundle.Action).toBe('s3:GetObject');
    expect(s.Bundle.Resource).toHaveLength(6);
    expect(s.Bundle.Resource).toContain(
      `arn:aws:s3:::${stack.resolve(j.backfill.script.s3BucketName)}/${stack.resolve(j.backfill.script.s3ObjectKey)}`,
    );
    for (const r of s.Bundle.Resource)
      expect(r).toMatch(/^arn:aws:s3:::cdk-[a-z0-9]+-assets-123456789012-eu-west-1\/[0-9a-f]{64}\.(py|sql|json)$/);
    // No Glue table or partition writes: the table is CloudFormation's, partitions are projected.
    expect(JSON.stringify(s)).not.toMatch(/glue:(Create|Update|Delete|BatchCreate)/);
  });

  test('training set: its bundle, raw events, labels; writes only its training sets and dead letters', () => {
    const { stack } = jobs();
    const s = bySid(statements(stack, 'Training set'));
    expect(Object.keys(s).sort()).toEqual(
      [
        'Bundle',
        'GlueDefaultDatabase',
        'LakeKeyThroughS3AndGlue',
        'ListLabels',
        'ListRawEvents',
        'ListTrainingSets',
        'LogGroupDiscovery',
        'Logs',
        'ReadLabels',
        'ReadRawEvents',
        'ReadTrainingSets',
        'WriteDeadLetters',
        'WriteTrainingSets',
      ].sort(),
    );
    expect(s.ReadLabels.Resource).toEqual(objects('CuratedBucket', 'labels/loan_default/'));
    expect(s.ReadRawEvents.Resource).toEqual(objects('RawBucket', 'card-transactions/'));
    expect(s.WriteTrainingSets.Resource).toEqual(objects('FeaturesBucket', 'training-sets/applicant_txn_aggregates/'));
    expect(s.WriteDeadLetters.Resource).toEqual(objects('RawBucket', 'dead-letter/applicant_txn_aggregates/training-set/'));
    expect(s.WriteFeatures).toBeUndefined();
  });

  test('the requests run the bundle: the generated SQL, definition and schema, the modules as --py-files', () => {
    // GIVEN / WHEN
    const { stack, jobs: j } = jobs();
    // THEN the parameters are published
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mlp/dev/features/applicant_txn_aggregates/backfill-job-run', Type: 'String' });
    t.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mlp/dev/features/applicant_txn_aggregates/training-set-job-run',
      Type: 'String',
    });
    const request = stack.resolve(j.backfill.request);
    expect(request).toMatchObject({
      name: 'applicant_txn_aggregates-backfill',
      applicationId: '00fabc123',
      mode: 'BATCH',
      configurationOverrides: {
        monitoringConfiguration: {
          cloudWatchLoggingConfiguration: { enabled: true, logStreamNamePrefix: 'features/applicant_txn_aggregates/backfill' },
        },
      },
    });
    // AND the arguments are the scripts' own (backfill.py: --sql --view --schema --events --output; the run adds --start --end --dead-letter)
    const text = (v: unknown) => JSON.stringify(stack.resolve(v));
    const args = j.backfill.request.jobDriver.sparkSubmit.entryPointArguments;
    expect(args.filter((a) => a.startsWith('--'))).toEqual(['--sql', '--view', '--schema', '--events', '--output']);
    expect(text(args[1])).toMatch(/[0-9a-f]{64}\.sql/);
    expect(text(args[3])).toMatch(/[0-9a-f]{64}\.json/);
    expect(text(args[5])).toMatch(/[0-9a-f]{64}\.json/);
    expect(j.backfill.runArguments).toEqual(['--start', '--end', '--dead-letter']);
    const ts = j.trainingSet.request.jobDriver.sparkSubmit.entryPointArguments;
    expect(ts.filter((a) => a.startsWith('--'))).toEqual([
      '--sql',
      '--view',
      '--schema',
      '--events',
      '--labels',
      '--output',
      '--holdout-fraction',
    ]);
    // AND the training set is split train/holdout with the default fraction (the newest 20 % of label times held out)
    expect(ts.at(-1)).toBe('0.2');
    expect(j.trainingSet.runArguments).toEqual(['--dead-letter']);
    const submit = text(j.backfill.request.jobDriver.sparkSubmit.sparkSubmitParameters);
    expect(submit).toMatch(/--py-files .*[0-9a-f]{64}\.py.*,.*[0-9a-f]{64}\.py/);
    expect(submit).toContain('AWSGlueDataCatalogHiveClientFactory');
    expect(text(j.backfill.request.jobDriver.sparkSubmit.entryPoint)).toMatch(/\.py/);
  });

  test('the SQL shipped is exactly featureSql(view)', () => {
    // GIVEN the bundle directory the jobs ship
    const { directory } = jobBundle();
    // WHEN / THEN its SQL file is the generator's text
    expect(readFileSync(join(directory, 'applicant_txn_aggregates.sql'), 'utf8')).toBe(featureSql(APPLICANT_TXN_AGGREGATES_VIEW));
  });

  test('grantStartJobRuns: read the two parameters, start runs on the application, pass exactly the two job roles to EMR Serverless', () => {
    // GIVEN
    const { stack, jobs: j } = jobs();
    const pipeline = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    // WHEN
    j.grantStartJobRuns(pipeline);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Pipeline') }],
      PolicyDocument: {
        Statement: [
          { Action: 'ssm:GetParameter', Resource: [Match.anyValue(), Match.anyValue()] },
          { Action: 'emr-serverless:StartJobRun', Resource: APP_ARN },
          {
            Action: 'iam:PassRole',
            Resource: [
              { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsBackfillRole'), 'Arn'] },
              { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsTrainingSetRole'), 'Arn'] },
            ],
            Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
          },
        ],
      },
    });
  });

  describe('bad props give one clear error', () => {
    const bad: Array<[string, Partial<FeatureJobsProps>, RegExp]> = [
      ['group name with a hyphen', { groupName: 'applicant-txn' }, /groupName must be 1-63 lower-case letters.*got 'applicant-txn'/],
      [
        'not a bundle',
        { bundle: { directory: '/nonexistent' } },
        /bundle.directory '\/nonexistent' is not a directory; write it with writeJobBundle/,
      ],
      [
        'a bundle without its SQL',
        { bundle: { directory: tempFiles({ 'backfill.py': '', 'training_set.py': '', 'feature_job.py': '', 'feature_events.py': '' }) } },
        /lacks applicant_txn_aggregates.sql, applicant_txn_aggregates.view.json, one <topic>.schema.json \(found 0\)/,
      ],
      [
        'prefix without slash',
        { features: { bucket: s3.Bucket.fromBucketName(testStack(), 'B', 'features-bucket'), databaseName: 'db', prefix: 'features' } },
        /features.prefix must be a key prefix ending in '\/'.*got 'features'/,
      ],
      ['holdout fraction above 0.5', { trainingSetHoldoutFraction: 0.6 }, /trainingSetHoldoutFraction must be 0.05 to 0.5, got 0.6/],
      [
        'parameter prefix with trailing slash',
        { parameterPrefix: '/mlp/dev/' },
        /parameterPrefix must look like \/mlp\/prod.*got '\/mlp\/dev\/'/,
      ],
    ];
    test.each(bad)('%s', (_n, change, message) => {
      expect(() => jobs(change)).toThrow(message);
    });
  });

  test('passes the AwsSolutions, PCI DSS and NIST packs in a minimal stack', () => {
    // GIVEN
    const { app, stack } = nagStack();
    jobs({}, { stack });
    // THEN
    expect(complianceFindings(app, 'Minimal/Jobs')).toEqual([]);
  });
});
