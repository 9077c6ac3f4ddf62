import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EventStreams, FeatureStreamConsumer, type FeatureStreamConsumerProps, type WritableOnlineStore } from '../../constructs';
import { testStack } from '../util';
import { CLUSTER, complianceFindings, GROUP_ARN_PREFIX, nagStack, schemaFile, TOPIC_ARN_PREFIX, tempFiles } from './streams-fixtures';

const BUNDLE = join(tempFiles({ 'feature-stream.mjs': 'console.log("processor")\n', 'feature-stream.ts': '' }), 'feature-stream.mjs');
const STORE_ARNS = [
  'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:dev-features',
  'arn:aws:elasticache:eu-west-1:123456789012:user:dev-features-writer',
];

/** An online store that grants as OnlineFeatureStore does (elasticache:Connect on the group and the user). */
const store: WritableOnlineStore = {
  grantConnect: (grantee, access) =>
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['elasticache:Connect'],
      resourceArns: [STORE_ARNS[0], STORE_ARNS[1].replace('writer', access)],
    }),
};

function consumer(props: Partial<FeatureStreamConsumerProps> = {}, given?: { stack: Stack }) {
  const stack = given?.stack ?? testStack();
  const streams = new EventStreams(stack, 'Streams', {
    cluster: CLUSTER,
    registryName: 'dev-events',
    topics: [
      { topicName: 'card-transactions', partitions: 6, schemaFile: schemaFile() },
      { topicName: 'card-transactions-dlq', partitions: 1, schemaFile: schemaFile({ type: 'object' }) },
    ],
  });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Eks', { clusterName: 'dev-ml' });
  const c = new FeatureStreamConsumer(stack, 'Consumer', {
    groupName: 'applicant_txn_aggregates',
    cluster,
    namespace: 'features',
    serviceAccountName: 'applicant-txn-aggregates',
    streams,
    topicName: 'card-transactions',
    deadLetterTopicName: 'card-transactions-dlq',
    onlineStore: store,
    bundlePath: BUNDLE,
    ...props,
  });
  return { stack, consumer: c };
}

describe('FeatureStreamConsumer', () => {
  test('binds its role to the service account with EKS Pod Identity, assumable for that cluster only', () => {
    // GIVEN / WHEN
    const { stack } = consumer();
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: 'dev-ml',
      Namespace: 'features',
      ServiceAccount: 'applicant-txn-aggregates',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsumerRole'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnEquals: { 'aws:SourceArn': 'arn:aws:eks:eu-west-1:123456789012:cluster/dev-ml' },
            },
          },
        ],
      },
    });
  });

  test('one managed policy: consume its topic in its group, produce to its dead-letter topic, connect as writer', () => {
    // GIVEN / WHEN
    const { stack, consumer: c } = consumer();
    // THEN
    const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
    expect(Object.keys(policies)).toHaveLength(1);
    expect(Template.fromStack(stack).findResources('AWS::IAM::Policy')).toEqual({});
    const statements = (Object.values(policies)[0] as any).Properties.PolicyDocument.Statement;
    expect(statements).toEqual([
      {
        Sid: 'FreshnessMetric',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'MlPlatform/Features' } },
      },
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'],
        Resource: CLUSTER.clusterArn,
      },
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Resource: `${TOPIC_ARN_PREFIX}card-transactions`,
      },
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        Resource: `${GROUP_ARN_PREFIX}feature-stream-applicant_txn_aggregates`,
      },
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        Resource: `${TOPIC_ARN_PREFIX}card-transactions-dlq`,
      },
      { Effect: 'Allow', Action: 'elasticache:Connect', Resource: STORE_ARNS },
    ]);
    expect(c.consumerGroup).toBe('feature-stream-applicant_txn_aggregates');
  });

  test('the bundle ships in an x86_64 image asset: the bundle on the Node base, non-root, its entrypoint runs the bundle', () => {
    // GIVEN / WHEN
    const { stack, consumer: c } = consumer({ baseImage: 'public.ecr.aws/docker/library/node:22-alpine' });
    // THEN: the image is in the account's container-assets repository, tagged by its content hash
    expect(stack.resolve(c.imageUri)).toEqual({
      'Fn::Sub': expect.stringMatching(
        /^123456789012\.dkr\.ecr\.eu-west-1\.\$\{AWS::URLSuffix\}\/cdk-[a-z0-9]+-container-assets-123456789012-eu-west-1:[0-9a-f]{64}$/,
      ),
    });
    // The build context as `cdk deploy` receives it (the synthesized asset manifest).
    const assembly = (stack.node.root as App).synth();
    const manifest = JSON.parse(readFileSync(join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'));
    const [image] = Object.values(manifest.dockerImages) as any[];
    expect(image.source.platform).toBe('linux/amd64');
    const context = resolve(assembly.directory, image.source.directory);
    expect(readdirSync(context).sort()).toEqual(['Dockerfile', 'feature-stream.mjs']);
    expect(readFileSync(join(context, 'feature-stream.mjs'), 'utf8')).toBe('console.log("processor")\n');
    const dockerfile = readFileSync(join(context, 'Dockerfile'), 'utf8');
    expect(dockerfile.split('\n')).toEqual([
      'FROM public.ecr.aws/docker/library/node:22-alpine',
      'WORKDIR /app',
      'COPY feature-stream.mjs /app/feature-stream.mjs',
      'USER 65532:65532',
      'ENV NODE_ENV=production',
      'ENTRYPOINT ["node", "/app/feature-stream.mjs"]',
      '',
    ]);
  });

  test('a bad base image is one clear error', () => {
    expect(() => consumer({ baseImage: 'Node:22 alpine' })).toThrow(
      /FeatureStreamConsumer applicant_txn_aggregates: baseImage must be an image reference .*got 'Node:22 alpine'/,
    );
  });

  test('without a dead-letter topic it may not produce anywhere', () => {
    const { stack } = consumer({ deadLetterTopicName: undefined });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toMatch(/kafka-cluster:WriteData"/);
  });

  describe('bad props give one clear error', () => {
    const bad: Array<[string, Partial<FeatureStreamConsumerProps>, RegExp]> = [
      ['group name', { groupName: 'Applicant' }, /groupName must be 1-63 lower-case letters.*got 'Applicant'/],
      ['namespace', { namespace: 'Features' }, /namespace must be a DNS-1123 label.*got 'Features'/],
      ['consumer group with a wildcard', { consumerGroup: 'feature-*' }, /consumerGroup must be 1-249 letters.*got 'feature-\*'/],
      [
        'dead letters into the source topic',
        { deadLetterTopicName: 'card-transactions' },
        /deadLetterTopicName must differ from topicName 'card-transactions'/,
      ],
      [
        'a TypeScript source instead of a bundle',
        { bundlePath: BUNDLE.replace('.mjs', '.ts') },
        /bundlePath must be an existing .js, .mjs or .cjs file.*feature-stream.ts/,
      ],
      [
        'an undeclared topic',
        { topicName: 'loan-applications' },
        /EventStreams has no topic 'loan-applications'; declared: card-transactions, card-transactions-dlq/,
      ],
    ];
    test.each(bad)('%s', (_n, change, message) => {
      expect(() => consumer(change)).toThrow(message);
    });
  });

  test('passes the AwsSolutions, PCI DSS and NIST packs in a minimal stack', () => {
    const { app, stack } = nagStack();
    consumer({}, { stack });
    expect(complianceFindings(app, 'Minimal/Consumer')).toEqual([]);
  });
});
