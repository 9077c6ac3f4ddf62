import { readFileSync } from 'node:fs';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PIPE_EC2_DESCRIBE_ACTIONS } from '../../constructs';
import { featureSql } from '../../jobs/features/batch/sql';
import { ENVIRONMENTS } from '../../lib/config';
import { jobBundleDir } from '../../lib/features/bundles';
import { APPLICANT_TXN_AGGREGATES_VIEW } from '../../lib/features/views';
import { configWith, environmentsWith, platformStage, template } from '../util';

const ENVS = ['dev', 'staging', 'prod'] as const;
const output = (stack: string, name: RegExp | string) => ({
  'Fn::GetStackOutput': Match.objectLike({
    StackName: stack,
    OutputName: typeof name === 'string' ? name : Match.stringLikeRegexp(name.source),
  }),
});
/** The statements of the one managed policy whose description starts with `describe`. */
function statements(t: Template, describe: string): any[] {
  const policies = Object.values(
    t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp(`^${describe}`) } }),
  );
  expect(policies).toHaveLength(1);
  return (policies[0] as any).Properties.PolicyDocument.Statement;
}
/** A weak cross-stack reference to an output of `stack` whose name matches `name`. */
function expectOutput(value: any, stack: string, name: RegExp): void {
  expect(value['Fn::GetStackOutput'].StackName).toBe(stack);
  expect(value['Fn::GetStackOutput'].OutputName).toMatch(name);
}
const actionsOf = (list: any[]) => list.map((s) => [s.Sid ?? '', [s.Action].flat()]);

describe.each(ENVS)('Features stack (%s)', (env) => {
  const t = template(env, 'Features');
  const config = ENVIRONMENTS[env];
  const topic = config.features.topics[0];
  const data = `MlPlatform-${env}-Data`;
  const streaming = `MlPlatform-${env}-Streaming`;
  // Named stateful resources: RetainExceptOnCreate where the environment retains them.
  const retained = config.retainStatefulResources ? 'RetainExceptOnCreate' : 'Delete';

  test('topics on the environment MSK cluster: the source topic and its dead-letter topic, from config', () => {
    // GIVEN the configured topic / WHEN synthesized / THEN both topics exist with their settings
    t.resourceCountIs('AWS::MSK::Topic', 2);
    t.hasResource('AWS::MSK::Topic', {
      DeletionPolicy: retained,
      Properties: {
        ClusterArn: output(streaming, /StreamingE5CA015BArn/),
        TopicName: 'card-transactions',
        PartitionCount: topic.partitions,
        ReplicationFactor: topic.replicationFactor,
        Configs: {
          'Fn::Base64': JSON.stringify({
            'cleanup.policy': 'delete',
            'min.insync.replicas': String(Math.max(1, topic.replicationFactor - 1)),
            'retention.ms': String(topic.retentionHours * 3_600_000),
          }),
        },
      },
    });
    t.hasResourceProperties('AWS::MSK::Topic', {
      TopicName: 'card-transactions-dlq',
      PartitionCount: topic.deadLetter.partitions,
      Configs: { 'Fn::Base64': Match.stringLikeRegexp(`"retention.ms":"${topic.deadLetter.retentionHours * 3_600_000}"`) },
    });
  });

  test('schemas: a registry and each topic schema, exactly the committed file', () => {
    t.hasResource('AWS::Glue::Registry', { DeletionPolicy: retained, Properties: { Name: `mlp-${env}-events` } });
    const file = JSON.stringify(JSON.parse(readFileSync('schemas/topics/card-transactions.schema.json', 'utf8')));
    t.hasResource('AWS::Glue::Schema', {
      DeletionPolicy: retained,
      Properties: { Name: 'card-transactions', DataFormat: 'JSON', Compatibility: 'BACKWARD', SchemaDefinition: file },
    });
    t.hasResourceProperties('AWS::Glue::Schema', {
      Name: 'card-transactions-dlq',
      SchemaDefinition: Match.stringLikeRegexp('"required":\\["position","reason","value"\\]'),
    });
  });

  test('archive: Firehose writes the raw zone by event date/hour, after the topic exists (MSK source, or Direct PUT behind a pipe)', () => {
    const streams = t.findResources('AWS::KinesisFirehose::DeliveryStream');
    expect(topic.archive).toBe(true);
    expect(Object.keys(streams)).toHaveLength(1);
    const [[streamId, stream]] = Object.entries(streams) as [string, any][];
    if (config.features.archiveDelivery === 'msk-source') {
      expect(stream.Properties.MSKSourceConfiguration).toMatchObject({
        TopicName: 'card-transactions',
        AuthenticationConfiguration: { Connectivity: 'PRIVATE' },
      });
    } else {
      // dev: t3.small brokers offer no private connectivity: the pipe puts the topic's events into the stream
      expect(stream.Properties.DeliveryStreamType).toBe('DirectPut');
      expect(stream.Properties.MSKSourceConfiguration).toBeUndefined();
      const pipes = Object.values(t.findResources('AWS::Pipes::Pipe')) as any[];
      expect(pipes).toHaveLength(1);
      expect(pipes[0].Properties.Target).toEqual({ 'Fn::GetAtt': [streamId, 'Arn'] });
    }
    expect(stream.Properties.ExtendedS3DestinationConfiguration.Prefix).toBe(
      'card-transactions/event_date=!{partitionKeyFromQuery:event_date}/event_hour=!{partitionKeyFromQuery:event_hour}/',
    );
    expectOutput(stream.Properties.ExtendedS3DestinationConfiguration.BucketARN, data, /LakeRawBucket/);
    const topicId = Object.keys(t.findResources('AWS::MSK::Topic', { Properties: { TopicName: 'card-transactions' } }))[0];
    const archive = config.features.archiveDelivery === 'pipe' ? (Object.values(t.findResources('AWS::Pipes::Pipe'))[0] as any) : stream;
    expect(archive.DependsOn).toContain(topicId);
  });

  test('batch jobs: backfill and training set on the Spark application, least privilege by statement', () => {
    // THEN each job's actions, statement by statement
    expect(actionsOf(statements(t, 'Backfill of feature group applicant_txn_aggregates'))).toEqual([
      ['Bundle', ['s3:GetObject']],
      ['ListRawEvents', ['s3:ListBucket']],
      ['ReadRawEvents', ['s3:GetObject', 's3:GetObjectVersion']],
      ['WriteDeadLetters', ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListMultipartUploadParts', 's3:PutObject']],
      ['WriteFeatures', ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListMultipartUploadParts', 's3:PutObject']],
      ['LakeKeyThroughS3AndGlue', ['kms:Decrypt', 'kms:GenerateDataKey']],
      ['Logs', ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']],
      ['LogGroupDiscovery', ['logs:DescribeLogGroups']],
      ['GlueDefaultDatabase', ['glue:GetDatabase']],
    ]);
    expect(actionsOf(statements(t, 'Training set of feature group applicant_txn_aggregates')).map(([sid]) => sid)).toEqual([
      'Bundle',
      'ListRawEvents',
      'ReadRawEvents',
      'WriteDeadLetters',
      'ListLabels',
      'ReadLabels',
      'ListTrainingSets',
      'ReadTrainingSets',
      'WriteTrainingSets',
      'LakeKeyThroughS3AndGlue',
      'Logs',
      'LogGroupDiscovery',
      'GlueDefaultDatabase',
    ]);
    // AND every resource is named (but the two actions IAM gives no resource type), no wildcard action
    const NO_RESOURCE_TYPE = [
      'logs:DescribeLogGroups',
      'kafka:GetBootstrapBrokers',
      'cloudwatch:PutMetricData',
      // dev's archive pipe: placing its pollers, and its decode step's log delivery and tracing (Step Functions)
      ...PIPE_EC2_DESCRIBE_ACTIONS,
      ...['Create', 'Delete', 'Get', 'Update'].map((verb) => `logs:${verb}LogDelivery`),
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      ...['GetSamplingRules', 'GetSamplingTargets', 'PutTelemetryRecords', 'PutTraceSegments'].map((a) => `xray:${a}`),
    ];
    for (const p of Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as any[]) {
      for (const s of p.Properties.PolicyDocument.Statement) {
        if ([s.Resource].flat().includes('*')) expect([s.Action].flat().every((a: string) => NO_RESOURCE_TYPE.includes(a))).toBe(true);
        for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
      }
    }
    // AND the roles are assumable by EMR Serverless for the environment's application only
    const roles = Object.values(
      t.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('EMR Serverless job') } }),
    ) as any[];
    expect(roles).toHaveLength(2);
    for (const r of roles) {
      expectOutput(r.Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnLike['aws:SourceArn'], data, /Spark184A4B5EArn/);
    }
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: `/mlp/${env}/features/applicant_txn_aggregates/backfill-job-run` });
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: `/mlp/${env}/features/applicant_txn_aggregates/training-set-job-run` });
  });

  test('streaming job: a Pod Identity role that reads its topic in its group, writes its dead letters, connects as the writer', () => {
    const s = statements(t, 'Streaming computation of feature group applicant_txn_aggregates');
    expect(actionsOf(s)).toEqual([
      ['FreshnessMetric', ['cloudwatch:PutMetricData']],
      ['', ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently']],
      ['', ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData']],
      ['', ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup']],
      ['', ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData']],
      ['', ['elasticache:Connect']],
    ]);
    // The freshness metric: PutMetricData has no resource type, so '*' narrowed to one namespace.
    expect(s[0].Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'MlPlatform/Features' } });
    expect(JSON.stringify(s[2].Resource)).toMatch(/"\/card-transactions"/);
    expect(JSON.stringify(s[3].Resource)).toMatch(/"\/feature-stream-applicant_txn_aggregates"/);
    expect(JSON.stringify(s[4].Resource)).toMatch(/"\/card-transactions-dlq"/);
    expect(s[5].Resource).toEqual([
      `arn:aws:elasticache:${config.region}:${config.account}:replicationgroup:${env}-features`,
      `arn:aws:elasticache:${config.region}:${config.account}:user:${env}-features-writer`,
    ]);
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: output(`MlPlatform-${env}-Compute`, /Cluster9EE0221C/),
      Namespace: 'features',
      ServiceAccount: 'applicant-txn-aggregates-stream',
    });
  });

  test('the consumer chart is applied through the Compute stack kubectl provider, after its namespace and identity', () => {
    const manifests = t.findResources('Custom::AWSCDK-EKS-KubernetesResource');
    const all = Object.entries(manifests) as Array<[string, any]>;
    expect(all).toHaveLength(2);
    for (const [, m] of all) expectOutput(m.Properties.ServiceToken, `MlPlatform-${env}-Compute`, /KubectlProvider/);
    const [nsId] = all.find(([, m]) => JSON.stringify(m.Properties.Manifest).includes('\\"kind\\":\\"Namespace\\"'))!;
    const [, chart] = all.find(([, m]) => JSON.stringify(m.Properties.Manifest).includes('\\"kind\\":\\"Deployment\\"'))!;
    const association = Object.keys(t.findResources('AWS::EKS::PodIdentityAssociation'))[0];
    expect(chart.DependsOn).toEqual(expect.arrayContaining([nsId, association]));
    const manifest = JSON.stringify(chart.Properties.Manifest);
    expect(manifest).toContain('\\"name\\":\\"FEATURE_VIEW\\",\\"value\\":\\"applicant_txn_aggregates\\"');
    expect(manifest).toContain('\\"name\\":\\"KAFKA_DEAD_LETTER_TOPIC\\",\\"value\\":\\"card-transactions-dlq\\"');
    expect(manifest).toContain(`\\"replicas\\":${config.features.consumer.replicas}`);
    // The consumer's image: built by cdk deploy into the account's container-assets repository.
    expect(manifest).toMatch(/cdk-[a-z0-9]+-container-assets-\d{12}-[a-z0-9-]+:[0-9a-f]{64}/);
  });

  test("the consumer's pods reach HTTPS as team pods do: the VPC (interface endpoints), and beyond it only where the environment routes AWS APIs through NAT", () => {
    // GIVEN the consumer's NetworkPolicy, as applied
    const all = Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as any[];
    const manifest = JSON.stringify(all.map((m) => m.Properties.Manifest)).replace(/\\"/g, '"');
    // WHEN its HTTPS egress destinations are read
    const https = [
      ...manifest.matchAll(/\{"ports":\[\{"port":443,"protocol":"TCP"\}\],"to":\[\{"ipBlock":\{"cidr":"([^"]+)"\}\}\]\}/g),
    ].map((m) => m[1]);
    // THEN they are the VPC and the environment's NAT destinations (none where every API has an endpoint)
    expect(https).toEqual([config.network.vpcCidr, ...config.cluster.podHttpsEgressCidrs]);
    expect(https.includes('0.0.0.0/0')).toBe(!config.network.interfaceEndpoints);
  });

  test('the consumer holds the wiring: its pods reach the brokers on 9098 (the store already admits the cluster), as do the Spark jobs', () => {
    // (and, with archive pipes, their pollers: the brokers' group admits itself; the endpoints admit it)
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', config.features.archiveDelivery === 'pipe' ? 4 : 2);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: output(streaming, /StreamingSecurityGroup/),
      SourceSecurityGroupId: output(`MlPlatform-${env}-Compute`, /ClusterSecurityGroupId/),
      FromPort: 9098,
      ToPort: 9098,
    });
  });
});

describe('Features in the stage', () => {
  test('deploys after what it wires (Data, Streaming, FeatureStore, Compute), and nothing waits for it', () => {
    // GIVEN the prod stage
    const stage = platformStage('prod');
    const stacks = stage.node.children.filter((c): c is Stack => 'templateOptions' in c);
    const features = stacks.find((s) => s.stackName === 'MlPlatform-prod-Features')!;
    // THEN
    expect(features.dependencies.map((d) => d.stackName).sort()).toEqual(
      [
        'MlPlatform-prod-Compute',
        'MlPlatform-prod-Data',
        'MlPlatform-prod-FeatureStore',
        'MlPlatform-prod-Security',
        'MlPlatform-prod-Streaming',
      ].sort(),
    );
    for (const s of stacks) expect(s.dependencies).not.toContain(features);
  });

  test('the MSK cluster lets Firehose in privately (multi-VPC IAM connectivity and a cluster policy) because a topic is archived', () => {
    for (const env of ['staging', 'prod'] as const) {
      const d = template(env, 'Streaming');
      d.hasResourceProperties('AWS::MSK::Cluster', {
        BrokerNodeGroupInfo: { ConnectivityInfo: { VpcConnectivity: { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } } } },
      });
      d.hasResourceProperties('AWS::MSK::ClusterPolicy', {
        Policy: {
          Statement: [Match.objectLike({ Principal: { Service: ['firehose.amazonaws.com'] }, Action: ['kafka:CreateVpcConnection'] })],
        },
      });
    }
  });

  test("dev archives through a pipe into a Direct PUT stream whose S3 destination is staging's MSK-source one (but for refs)", () => {
    // GIVEN the archive of card-transactions in dev (pipe) and staging (MSK source)
    const destination = (env: 'dev' | 'staging') => {
      const streams = Object.values(template(env, 'Features').findResources('AWS::KinesisFirehose::DeliveryStream')) as any[];
      expect(streams).toHaveLength(1);
      return streams[0].Properties;
    };
    const dev = destination('dev');
    const staging = destination('staging');
    // WHEN the references to each environment's bucket, key, role and log group are set aside
    const modRefs = (c: any) => ({
      ...c,
      BucketARN: 'bucket',
      RoleARN: 'role',
      EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: 'key' } },
      CloudWatchLoggingOptions: { ...c.CloudWatchLoggingOptions, LogGroupName: 'group', LogStreamName: 'stream' },
    });
    // THEN prefix, partitioning keys, compression, buffering and error prefix are the same: one raw-zone layout
    expect(dev.DeliveryStreamType).toBe('DirectPut');
    expect(staging.DeliveryStreamType).toBe('MSKAsSource');
    expect(modRefs(dev.ExtendedS3DestinationConfiguration)).toEqual(modRefs(staging.ExtendedS3DestinationConfiguration));
    // AND each is encrypted with its own environment's data key (the Security stack's), as is dev's stream itself
    expectOutput(
      dev.ExtendedS3DestinationConfiguration.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN,
      'MlPlatform-dev-Security',
      /KeysData/,
    );
    expect(dev.DeliveryStreamEncryptionConfigurationInput.KeyARN).toEqual(
      dev.ExtendedS3DestinationConfiguration.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN,
    );
  });

  test("dev's pipe reads card-transactions from dev's cluster, and a ticket is raised when its executions fail", () => {
    const t = template('dev', 'Features');
    const [pipe] = Object.values(t.findResources('AWS::Pipes::Pipe')) as any[];
    expectOutput(pipe.Properties.Source, 'MlPlatform-dev-Streaming', /Streaming[0-9A-F]{8}Arn/);
    expect(pipe.Properties.SourceParameters.ManagedStreamingKafkaParameters).toMatchObject({
      TopicName: 'card-transactions',
      ConsumerGroupID: 'mlp-archive-card-transactions',
    });
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms.map((a) => a.Properties.AlarmName)).toEqual(['dev-archive-pipe-failed-card-transactions']);
    expect(alarms[0].Properties.AlarmDescription).toMatch(
      /Severity: ticket\nOwner: ml-features\nRunbook: docs\/runbooks\/archive-pipe-failed\.md$/,
    );
    expectOutput(alarms[0].Properties.AlarmActions[0], 'MlPlatform-dev-Security', /Ticket/);
    // AND staging and prod, archiving with Firehose's MSK source, have no pipe and no such alarm
    for (const env of ['staging', 'prod'] as const) {
      const other = template(env, 'Features');
      other.resourceCountIs('AWS::Pipes::Pipe', 0);
      other.resourceCountIs('AWS::CloudWatch::Alarm', 0);
      other.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    }
    // AND dev's brokers get no multi-VPC connectivity (t3.small has none) and no cluster policy
    const streaming = template('dev', 'Streaming');
    streaming.resourceCountIs('AWS::MSK::ClusterPolicy', 0);
  });

  test('the job bundle shipped at synth holds exactly featureSql(view)', () => {
    const dir = jobBundleDir(APPLICANT_TXN_AGGREGATES_VIEW);
    expect(readFileSync(`${dir}/applicant_txn_aggregates.sql`, 'utf8')).toBe(featureSql(APPLICANT_TXN_AGGREGATES_VIEW));
  });

  test('the store admits the cluster exactly once: in the first serving team stack, or in Features when no team serves', () => {
    const storeRules = (stack: Stack) =>
      Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) =>
        JSON.stringify(r.Properties.GroupId).includes('FeatureStore'),
      );
    const count = (stage: ReturnType<typeof platformStage>) =>
      stage.node.children.filter((c): c is Stack => 'templateOptions' in c).reduce((n, stack) => n + storeRules(stack).length, 0);
    // GIVEN the committed dev (a team runs model servers) and dev without model servers
    const committed = platformStage('dev');
    const unserved = platformStage('dev', { environments: environmentsWith(configWith('dev', (c) => (c.serving.modelServers = []))) });
    // THEN one rule each, and without model servers it is the Features stack's, on the store port
    expect(count(committed)).toBe(1);
    expect(storeRules(committed.features)).toHaveLength(0);
    expect(count(unserved)).toBe(1);
    const [rule] = storeRules(unserved.features) as any[];
    const port = unserved.featureStore.onlineStore.port;
    expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: port, ToPort: port });
    expectOutput(rule.Properties.SourceSecurityGroupId, 'MlPlatform-dev-Compute', /ClusterSecurityGroupId/);
  });
});
