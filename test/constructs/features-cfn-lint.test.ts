import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EventStreams, FeatureJobs, FeatureStreamConsumer, TopicArchive } from '../../constructs';
import { testStack } from '../util';
import { CLUSTER, jobBundle, lakeParts, schemaFile, tempFiles } from './streams-fixtures';

/** cfn-lint (preinstalled, Python): exit code bitmask 2 = errors, 4 = warnings. */
function cfnLint(template: unknown): { rc: number; output: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'f12-cfn-')), 'template.json');
  writeFileSync(file, JSON.stringify(template));
  try {
    return { rc: 0, output: execFileSync('cfn-lint', ['--ignore-checks', 'W3005', '--', file], { encoding: 'utf8' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { rc: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

describe('cfn-lint on a minimal stack with every feature-infrastructure construct', () => {
  test('no errors or warnings (AWS::MSK::Topic, Glue schemas, Firehose MSK source, jobs, Pod Identity)', () => {
    // GIVEN
    const stack = testStack();
    const { lakeKey, logsKey, bucket } = lakeParts(stack);
    const streams = new EventStreams(stack, 'Streams', {
      cluster: CLUSTER,
      registryName: 'dev-events',
      topics: [
        { topicName: 'card-transactions', partitions: 6, retention: Duration.days(7), schemaFile: schemaFile() },
        { topicName: 'card-transactions-dlq', partitions: 1, schemaFile: schemaFile({ type: 'object' }) },
      ],
    });
    new TopicArchive(stack, 'Archive', {
      cluster: CLUSTER,
      topicName: 'card-transactions',
      destination: { bucket, encryptionKey: lakeKey },
      logsKey,
    });
    const dir = tempFiles({ 'backfill.py': '', 'training_set.py': '', 'feature-stream.mjs': '' });
    new FeatureJobs(stack, 'Jobs', {
      groupName: 'applicant_txn_aggregates',
      application: {
        applicationId: '00fabc123',
        applicationArn: 'arn:aws:emr-serverless:eu-west-1:123456789012:/applications/00fabc123',
        logGroup: new logs.LogGroup(stack, 'SparkLogs', { encryptionKey: logsKey }),
      },
      bundle: jobBundle(),
      rawEvents: { bucket, prefix: 'card-transactions/' },
      features: { bucket, databaseName: 'mlp_dev_features' },
      labels: { bucket, prefix: 'labels/' },
      lakeKey,
      parameterPrefix: '/mlp/dev',
    });
    new FeatureStreamConsumer(stack, 'Consumer', {
      groupName: 'applicant_txn_aggregates',
      cluster: eks.Cluster.fromClusterAttributes(stack, 'Eks', { clusterName: 'dev-ml' }),
      namespace: 'features',
      serviceAccountName: 'applicant-txn-aggregates',
      streams,
      topicName: 'card-transactions',
      deadLetterTopicName: 'card-transactions-dlq',
      onlineStore: {
        grantConnect: (grantee) =>
          iam.Grant.addToPrincipal({
            grantee,
            actions: ['elasticache:Connect'],
            resourceArns: ['arn:aws:elasticache:eu-west-1:123456789012:user:w'],
          }),
      },
      bundlePath: join(dir, 'feature-stream.mjs'),
    });
    // WHEN
    const { rc, output } = cfnLint(Template.fromStack(stack).toJSON());
    // THEN
    expect({ errors: (rc & 2) !== 0, warnings: (rc & 4) !== 0, output }).toEqual({ errors: false, warnings: false, output: '' });
  });

  test('the linter is not blind: a Firehose stream with a bad type fails', () => {
    const { rc } = cfnLint({
      Resources: { S: { Type: 'AWS::KinesisFirehose::DeliveryStream', Properties: { DeliveryStreamType: 'FromKafka' } } },
    });
    expect(rc & 2).toBe(2);
  });
});
