import { join } from 'node:path';
import { Duration, type Stack } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import {
  ArchivePipeNetwork,
  AuditBucket,
  ClusterAccessHost,
  DataLake,
  DataQualityMonitor,
  EndpointSpec,
  EventStreams,
  FeatureGroup,
  FeatureJobs,
  FeatureStreamConsumer,
  MlCluster,
  MlflowApp,
  MlflowTrackingServer,
  ModelEndpoint,
  ModelRegistry,
  ModelServerIdentity,
  ModelSource,
  OnlineFeatureStore,
  PlatformKeys,
  PlatformNetwork,
  SparkApplication,
  StreamingCluster,
  TeamWorkloadIdentity,
  TopicArchive,
  TopicArchivePipe,
} from '../../constructs';
import { APPLICANT_TXN_AGGREGATES_VIEW, featureGroupOf } from '../../lib/features/views';
import { clusterProps } from '../constructs/compute-fixture';
import { dataFixture, streamingFixture } from '../constructs/data-fixtures';
import { IMAGE } from '../constructs/serving-fixtures';
import { jobBundle, tempFiles } from '../constructs/streams-fixtures';

/**
 * Each construct teams import passes the three cdk-nag packs on its own, in a minimal stack (as
 * data-solutions-framework-on-aws does in test/unit/nag): every finding on the construct or its
 * children is fixed or acknowledged by the construct itself. Findings of the test's own scaffolding
 * (the VPC, keys and buckets the construct is given) are not the construct's and are not counted.
 * The whole platform passes the packs in test/compliance/nag.test.ts.
 */
function unacknowledgedFindings(stack: Stack, construct: IConstruct): string[] {
  // Construct validations (which compute the wildcard acknowledgements) run at synth.
  for (const c of stack.node.findAll()) c.node.validate();
  const under = (path: string | undefined) =>
    path !== undefined && (path === construct.node.path || path.startsWith(`${construct.node.path}/`));
  return [new AwsSolutionsChecks(), new PCIDSS321Checks(), new NIST80053R5Checks()].flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((v) =>
        v.violatingResources.filter((r) => under(r.constructPath)).map((r) => `${r.constructPath ?? ''} ${v.ruleName}`),
      ),
  );
}

const CASES: Record<string, () => { stack: Stack; construct: IConstruct }> = {
  AuditBucket: () => {
    const { stack } = dataFixture();
    return { stack, construct: new AuditBucket(stack, 'AuditLogs') };
  },
  PlatformKeys: () => {
    const { stack } = dataFixture();
    return { stack, construct: new PlatformKeys(stack, 'Keys', { aliasPrefix: 'mlp/test' }) };
  },
  PlatformNetwork: () => {
    const { stack, logsKey } = dataFixture();
    return {
      stack,
      construct: new PlatformNetwork(stack, 'Network', {
        cidr: '10.50.0.0/16',
        availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
        natGateways: 1,
        flowLogKey: logsKey,
      }),
    };
  },
  DataLake: () => {
    const { stack, dataKey, logBucket } = dataFixture();
    return { stack, construct: new DataLake(stack, 'Lake', { encryptionKey: dataKey, accessLogsBucket: logBucket }) };
  },
  StreamingCluster: () => {
    const { stack, cluster } = streamingFixture();
    return { stack, construct: cluster };
  },
  SparkApplication: () => {
    const { stack, vpc, logsKey, dataKey, logBucket, streamingKey } = dataFixture();
    const spark = new SparkApplication(stack, 'Spark', {
      releaseLabel: 'emr-7.9.0',
      vpc,
      maximumCapacity: { cpu: 64, memoryGiB: 256 },
      logsKey,
    });
    // With the data grants the platform gives it (their wildcards stay inside one resource each).
    new DataLake(stack, 'Lake', { encryptionKey: dataKey, accessLogsBucket: logBucket }).grantReadWrite(spark, 'features');
    new StreamingCluster(stack, 'Streaming', { clusterName: 'test-events', vpc, encryptionKey: streamingKey, logsKey }).grantConsume(
      spark,
      'events.*',
      'spark-*',
    );
    return { stack, construct: spark };
  },
  OnlineFeatureStore: () => {
    const { stack, vpc, dataKey, logsKey } = dataFixture();
    return {
      stack,
      construct: new OnlineFeatureStore(stack, 'OnlineStore', {
        vpc,
        namePrefix: 'test-features',
        encryptionKey: dataKey,
        logsKey,
        // Production retention: a day of snapshots is dev policy (lib/feature-store/policy.ts).
        snapshotRetentionDays: 15,
      }),
    };
  },
  FeatureGroup: () => {
    const { stack, dataKey, logBucket } = dataFixture();
    const lake = new DataLake(stack, 'Lake', { encryptionKey: dataKey, accessLogsBucket: logBucket });
    const group = new FeatureGroup(stack, 'Group', {
      definition: featureGroupOf(APPLICANT_TXN_AGGREGATES_VIEW),
      offlineStore: { bucket: lake.bucket('features'), databaseName: lake.databaseName('features') },
    });
    return { stack, construct: group };
  },
  EventStreams: () => {
    const { stack, cluster } = streamingFixture();
    const streams = new EventStreams(stack, 'Streams', {
      cluster,
      registryName: 'test-events',
      topics: [{ topicName: 'card-transactions', partitions: 3, schemaFile: 'schemas/topics/card-transactions.schema.json' }],
    });
    streams.grantConsume(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }), 'card-transactions', 'readers');
    return { stack, construct: streams };
  },
  TopicArchive: () => {
    const { stack, cluster, logsKey, dataKey, logBucket } = streamingFixture({ privateConnectivityFor: ['firehose.amazonaws.com'] });
    const lake = new DataLake(stack, 'Lake', { encryptionKey: dataKey, accessLogsBucket: logBucket });
    const archive = new TopicArchive(stack, 'Archive', {
      cluster,
      topicName: 'card-transactions',
      destination: { bucket: lake.bucket('raw'), encryptionKey: dataKey },
      logsKey,
    });
    return { stack, construct: archive };
  },
  TopicArchivePipe: () => {
    const { stack, cluster, vpc, logsKey, dataKey, logBucket } = streamingFixture({ brokers: { instanceType: 'kafka.t3.small' } });
    const lake = new DataLake(stack, 'Lake', { encryptionKey: dataKey, accessLogsBucket: logBucket });
    const archive = new TopicArchivePipe(stack, 'Archive', {
      cluster,
      vpc,
      brokerSecurityGroups: [cluster.securityGroup],
      topicName: 'card-transactions',
      destination: { bucket: lake.bucket('raw'), encryptionKey: dataKey },
      logsKey,
    });
    return { stack, construct: archive };
  },
  ArchivePipeNetwork: () => {
    const { stack, vpc, cluster } = streamingFixture();
    return { stack, construct: new ArchivePipeNetwork(stack, 'ArchiveNetwork', { vpc, brokerSecurityGroup: cluster.securityGroup }) };
  },
  FeatureJobs: () => {
    const { stack, vpc, logsKey, dataKey, logBucket } = dataFixture();
    const spark = new SparkApplication(stack, 'Spark', {
      releaseLabel: 'emr-7.9.0',
      vpc,
      maximumCapacity: { cpu: 64, memoryGiB: 256 },
      logsKey,
    });
    const lake = new DataLake(stack, 'Lake', { encryptionKey: dataKey, accessLogsBucket: logBucket });
    const jobs = new FeatureJobs(stack, 'Jobs', {
      groupName: 'applicant_txn_aggregates',
      application: spark,
      bundle: jobBundle(),
      rawEvents: { bucket: lake.bucket('raw'), prefix: 'card-transactions/' },
      features: { bucket: lake.bucket('features'), databaseName: lake.databaseName('features') },
      labels: { bucket: lake.bucket('curated'), prefix: 'labels/' },
      lakeKey: dataKey,
      parameterPrefix: '/mlp/test',
    });
    return { stack, construct: jobs };
  },
  FeatureStreamConsumer: () => {
    const { stack, vpc, logsKey, dataKey, streamingKey } = dataFixture();
    const cluster = new MlCluster(stack, 'Cluster', clusterProps(vpc, logsKey));
    const msk = new StreamingCluster(stack, 'Streaming', { clusterName: 'test-events', vpc, encryptionKey: streamingKey, logsKey });
    const streams = new EventStreams(stack, 'Streams', {
      cluster: msk,
      registryName: 'test-events',
      topics: [
        { topicName: 'card-transactions', partitions: 3, schemaFile: 'schemas/topics/card-transactions.schema.json' },
        { topicName: 'card-transactions-dlq', partitions: 1, schemaFile: 'schemas/topics/dead-letter.schema.json' },
      ],
    });
    const consumer = new FeatureStreamConsumer(stack, 'Stream', {
      groupName: 'applicant_txn_aggregates',
      cluster: cluster.cluster,
      namespace: 'features',
      serviceAccountName: 'applicant-txn-aggregates-stream',
      streams,
      topicName: 'card-transactions',
      deadLetterTopicName: 'card-transactions-dlq',
      onlineStore: new OnlineFeatureStore(stack, 'OnlineStore', { vpc, namePrefix: 'test-features', encryptionKey: dataKey, logsKey }),
      bundlePath: join(tempFiles({ 'feature-stream.cjs': 'module.exports = {};\n' }), 'feature-stream.cjs'),
    });
    return { stack, construct: consumer };
  },
  MlCluster: () => {
    const { stack, vpc, logsKey } = dataFixture();
    return { stack, construct: new MlCluster(stack, 'Cluster', clusterProps(vpc, logsKey, { logEncryptionKey: logsKey })) };
  },
  ClusterAccessHost: () => {
    const { stack, vpc, logsKey, dataKey } = dataFixture();
    const cluster = new MlCluster(stack, 'Cluster', clusterProps(vpc, logsKey));
    const host = new ClusterAccessHost(stack, 'AccessHost', {
      cluster: cluster.cluster,
      vpc,
      volumeEncryptionKey: dataKey,
      logEncryptionKey: logsKey,
    });
    return { stack, construct: host };
  },
  TeamWorkloadIdentity: () => {
    const { stack, vpc, logsKey, dataKey } = dataFixture();
    const cluster = new MlCluster(stack, 'Cluster', clusterProps(vpc, logsKey));
    const identity = new TeamWorkloadIdentity(stack, 'Risk', {
      cluster: cluster.cluster,
      namespace: 'risk',
      serviceAccountName: 'risk-workloads',
      lakeKey: dataKey,
      lake: [
        { bucketArn: 'arn:aws:s3:::mlp-test-curated', readPrefixes: ['credit/'] },
        { bucketArn: 'arn:aws:s3:::mlp-test-features', writePrefixes: ['teams/risk/'] },
      ],
    });
    return { stack, construct: identity };
  },
  ModelServerIdentity: () => {
    const { stack, vpc, logsKey, dataKey } = dataFixture();
    const cluster = new MlCluster(stack, 'Cluster', clusterProps(vpc, logsKey));
    const models = new s3.Bucket(stack, 'Models', { encryptionKey: dataKey });
    const identity = new ModelServerIdentity(stack, 'Server', {
      cluster: cluster.cluster,
      namespace: 'credit-risk',
      serviceAccountName: 'credit-risk-server',
      modelsBucket: models,
      modelPrefix: 'credit-risk/1.0.0/',
    });
    return { stack, construct: identity };
  },
  ModelEndpoint: () => {
    const { stack, vpc, dataKey, logsKey } = dataFixture();
    const models = new s3.Bucket(stack, 'Models', { encryptionKey: dataKey });
    const endpoint = new ModelEndpoint(stack, 'CreditRisk', {
      endpointName: 'test-credit-risk',
      model: ModelSource.fromImage({ imageUri: IMAGE, modelDataBucket: models, modelDataKey: 'credit-risk/1.0.0/model.tar.gz' }),
      encryptionKey: dataKey,
      logEncryptionKey: logsKey,
      alarmAction: new cwActions.SnsAction(new sns.Topic(stack, 'Alarms', { enforceSSL: true })),
      vpc,
      dataCapture: { bucket: models, prefix: 'data-capture/test-credit-risk', samplingPercentage: 20 },
    });
    return { stack, construct: endpoint };
  },
  DataQualityMonitor: () => {
    const { stack, vpc, dataKey } = dataFixture();
    const models = new s3.Bucket(stack, 'Models', { encryptionKey: dataKey });
    const endpoint = new ModelEndpoint(stack, 'CreditRisk', {
      endpointName: 'test-credit-risk',
      model: ModelSource.fromImage({ imageUri: IMAGE }),
      encryptionKey: dataKey,
      vpc,
      dataCapture: { bucket: models, prefix: 'data-capture/test-credit-risk', samplingPercentage: 20 },
      deploymentGuardrails: { canaryPercent: 10, canaryWait: Duration.minutes(10) },
    });
    const monitor = new DataQualityMonitor(stack, 'CreditRiskDataQuality', {
      endpoint,
      baseline: { bucket: models, prefix: 'monitoring/test-credit-risk/baseline' },
      reports: { bucket: models, prefix: 'monitoring/test-credit-risk/reports' },
      encryptionKey: dataKey,
      driftFeatures: ['annual_income'],
      alarmAction: new cwActions.SnsAction(new sns.Topic(stack, 'Alarms', { enforceSSL: true })),
    });
    return { stack, construct: monitor };
  },
  MlflowTrackingServer: () => {
    const { stack, dataKey } = dataFixture();
    const models = new s3.Bucket(stack, 'Models', { encryptionKey: dataKey });
    return { stack, construct: new MlflowTrackingServer(stack, 'Mlflow', { trackingServerName: 'test-mlflow', artifactBucket: models }) };
  },
  EndpointSpec: () => {
    const { stack, vpc, dataKey, logsKey } = dataFixture();
    const models = new s3.Bucket(stack, 'Models', { encryptionKey: dataKey });
    const repository = new ecr.Repository(stack, 'Images', { encryptionKey: dataKey, imageScanOnPush: true });
    const spec = new EndpointSpec(stack, 'CreditRisk', {
      endpointName: 'test-credit-risk',
      parameterName: '/mlp/test/endpoints/credit-risk/spec',
      model: { modelPackageGroupName: 'test-credit-risk', repository, artifactsBucket: models, artifactsPrefix: 'credit-risk' },
      encryptionKey: dataKey,
      logEncryptionKey: logsKey,
      alarmAction: new cwActions.SnsAction(new sns.Topic(stack, 'Alarms', { enforceSSL: true })),
      vpc,
      autoScaling: { minCapacity: 2, maxCapacity: 4, targetInvocationsPerInstance: 300 },
      dataCapture: { bucket: models, prefix: 'data-capture/test-credit-risk', samplingPercentage: 20 },
      deploymentGuardrails: { canaryPercent: 10, canaryWait: Duration.minutes(10) },
      monitoring: {
        baseline: { bucket: models, prefix: 'monitoring/test-credit-risk/baseline' },
        reports: { bucket: models, prefix: 'monitoring/test-credit-risk/reports' },
        driftFeatures: ['annual_income'],
      },
    });
    return { stack, construct: spec };
  },
  MlflowApp: () => {
    const { stack, dataKey } = dataFixture();
    const models = new s3.Bucket(stack, 'Models', { encryptionKey: dataKey });
    return { stack, construct: new MlflowApp(stack, 'Mlflow', { appName: 'test-mlflow', artifactBucket: models }) };
  },
  ModelRegistry: () => {
    const { stack } = dataFixture();
    return { stack, construct: new ModelRegistry(stack, 'Registry', { namePrefix: 'test', models: [{ name: 'credit-risk' }] }) };
  },
};

describe('each construct passes AwsSolutions, PCI DSS 3.2.1 and NIST 800-53 r5 on its own', () => {
  test.each(Object.keys(CASES))('%s', (name) => {
    // GIVEN the construct in a minimal stack
    const { stack, construct } = CASES[name]();
    // WHEN the three packs check the stack
    const findings = unacknowledgedFindings(stack, construct);
    // THEN nothing on the construct is left unfixed or unacknowledged
    expect(findings).toEqual([]);
  });

  test('a finding the construct does not cause is reported (the check can fail)', () => {
    // GIVEN an audit bucket with a policy of nobody's design attached under it
    const { stack } = dataFixture();
    const audit = new AuditBucket(stack, 'AuditLogs');
    new iam.ManagedPolicy(audit, 'Broad', {
      statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [audit.bucket.arnForObjects('*')] })],
    });
    // WHEN / THEN its wildcard is reported
    expect(unacknowledgedFindings(stack, audit).join('\n')).toMatch(/Test\/AuditLogs\/Broad\/Resource AwsSolutions-IAM5/);
  });
});
