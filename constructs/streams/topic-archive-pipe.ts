import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from '../lifecycle/private/managed-policy-role';
import { acknowledgeWildcards } from '../private/acknowledge';
import { ec2Arn as ec2ArnOf } from '../private/arns';
import { KAFKA_IAM_PORT } from '../streaming/streaming-cluster';
import { GROUP_NAME, type KafkaClusterRef } from './event-streams';
import {
  type ArchiveDestinationOptions,
  archiveDestinationStatements,
  archiveErrorLog,
  archiveObjectsReason,
  archiveS3Destination,
  checkArchiveDestination,
  kafkaArn,
} from './topic-archive';

/**
 * What the pipe's execution role may do on the MSK cluster (EventBridge Pipes, "Amazon MSK
 * execution role permissions" and "IAM role-based authentication"), by resource.
 */
export const PIPE_MSK_ACTIONS = {
  cluster: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration', 'kafka:DescribeClusterV2'],
  /** No resource type (Service Authorization Reference): granted on `*`. */
  bootstrap: ['kafka:GetBootstrapBrokers'],
  topic: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
  group: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
} as const;

/** The ec2:Describe* calls the pipe makes to place its pollers in the brokers' subnets (no resource-level permissions). */
export const PIPE_EC2_DESCRIBE_ACTIONS = [
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
] as const;

/** CloudWatch namespace of EventBridge Pipes metrics (dimension `PipeName`). */
export const PIPES_METRIC_NAMESPACE = 'AWS/EventBridge/Pipes';

/**
 * The decode step's definition (Amazon States Language, JSONPath): for each record of the batch
 * Pipes reads from MSK, the Kafka value (base64, as Pipes delivers MSK records) decoded and parsed
 * back into the JSON event the producer wrote; a value that is not JSON (or not UTF-8) passes on as
 * its base64 text, so Firehose cannot partition it and writes it under the error prefix, as the
 * MSK-source archive does with such a record. Only intrinsic functions: no code to maintain.
 */
export function decodeDefinition(): Record<string, unknown> {
  return {
    Comment: 'MSK records (base64 values) back to the JSON events the producers wrote, one per record, in order',
    StartAt: 'Records',
    States: {
      Records: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Record',
          States: {
            Record: {
              Type: 'Parallel',
              Branches: [
                {
                  StartAt: 'Event',
                  States: {
                    Event: {
                      Type: 'Pass',
                      Parameters: { 'event.$': 'States.StringToJson(States.Base64Decode($.value))' },
                      OutputPath: '$.event',
                      End: true,
                    },
                  },
                },
              ],
              OutputPath: '$[0]',
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'NotJson' }],
              End: true,
            },
            NotJson: { Type: 'Pass', OutputPath: '$.value', End: true },
          },
        },
        End: true,
      },
    },
  };
}

export interface TopicArchivePipeProps extends ArchiveDestinationOptions {
  readonly cluster: KafkaClusterRef;
  /** The brokers' VPC. */
  readonly vpc: ec2.IVpc;
  /**
   * The brokers' subnets: the pipe's pollers run there (Pipes places them in the cluster's own
   * subnets, with the cluster's security groups). ENI creation is scoped to them.
   * @default - the isolated subnets (where StreamingCluster puts its brokers)
   */
  readonly brokerSubnets?: ec2.SubnetSelection;
  /** The brokers' security groups (the pollers' too; see {@link ArchivePipeNetwork}). */
  readonly brokerSecurityGroups: readonly ec2.ISecurityGroup[];
  /**
   * The pipe's Kafka consumer group (unique per source; it cannot change once the pipe exists).
   * @default 'mlp-archive-<topicName>'
   */
  readonly consumerGroupId?: string;
  /**
   * Records per batch, 1 to 500 (one PutRecordBatch to Firehose takes at most 500).
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * How long the pipe gathers a batch, 0 to 300 seconds.
   * @default Duration.seconds(10)
   */
  readonly maximumBatchingWindow?: Duration;
  /**
   * Where a new pipe starts reading: the oldest record still kept or only new ones.
   * @default 'TRIM_HORIZON'
   */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
}

/**
 * Archives one topic into the lake through Amazon EventBridge Pipes, for clusters without
 * multi-VPC private connectivity (kafka.t3.small brokers), where Firehose cannot read MSK itself:
 * the pipe reads the topic (MSK source, IAM authentication, its own consumer group), a one-state
 * Express workflow turns each record's base64 value back into the producer's JSON event
 * ({@link decodeDefinition}), and the pipe puts the batch into a Direct PUT Firehose stream whose
 * S3 destination is the MSK-source archive's (`archiveS3Destination`): the same prefix,
 * event date/hour partitioning, lake key, buffering and error prefix, so the raw zone has one
 * layout whatever the delivery.
 *
 * A batch that fails (decode step or Firehose) is retried by the pipe until it succeeds or its
 * records leave the topic (Pipes offers no dead-letter queue for MSK sources): alarm on
 * {@link metricFailedExecutions}. The network prerequisites (brokers' security group admitting
 * itself, private endpoints for Pipes and STS) are {@link ArchivePipeNetwork}'s, once per cluster.
 *
 * @example
 * new TopicArchivePipe(this, 'CardTransactionsArchive', {
 *   cluster: msk, vpc, brokerSecurityGroups: [msk.securityGroup], topicName: 'card-transactions',
 *   destination: { bucket: lake.bucket('raw'), encryptionKey: keys.data }, logsKey: keys.logs,
 * });
 */
export class TopicArchivePipe extends Construct {
  /** The Direct PUT stream (the archive's S3 destination). */
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly pipe: pipes.CfnPipe;
  /** The decode step (Express workflow). */
  readonly decode: sfn.StateMachine;
  /** Firehose's role and policy (S3, lake key, error log). */
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  /** The pipe's execution role and policy (MSK, ENIs, decode, Firehose). */
  readonly pipeRole: iam.Role;
  readonly pipePolicy: iam.ManagedPolicy;
  /** Firehose's delivery errors. */
  readonly logGroup: logs.LogGroup;
  /** The pipe's errors and the decode step's executions. */
  readonly pipeLogGroup: logs.LogGroup;
  readonly prefix: string;
  readonly errorPrefix: string;
  readonly consumerGroupId: string;

  constructor(scope: Construct, id: string, props: TopicArchivePipeProps) {
    super(scope, id);
    const d = checkArchiveDestination('TopicArchivePipe', props);
    const topic = d.topic;
    this.prefix = d.prefix;
    this.errorPrefix = d.errorPrefix;
    this.consumerGroupId = props.consumerGroupId ?? `mlp-archive-${topic}`;
    if (!Token.isUnresolved(this.consumerGroupId) && !GROUP_NAME.test(this.consumerGroupId)) {
      throw new Error(
        `TopicArchivePipe ${topic}: consumerGroupId must be 1-249 letters, digits, '.', '_', '-', got '${this.consumerGroupId}'`,
      );
    }
    const batchSize = props.batchSize ?? 100;
    if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 500)) {
      throw new Error(
        `TopicArchivePipe ${topic}: batchSize must be a whole number from 1 to 500 (one Firehose PutRecordBatch), got ${batchSize}`,
      );
    }
    const window = (props.maximumBatchingWindow ?? Duration.seconds(10)).toSeconds();
    if (!(Number.isInteger(window) && window >= 0 && window <= 300)) {
      throw new Error(`TopicArchivePipe ${topic}: maximumBatchingWindow must be 0 to 300 whole seconds, got ${window}`);
    }
    if (props.brokerSecurityGroups.length === 0) {
      throw new Error(`TopicArchivePipe ${topic}: brokerSecurityGroups must name the brokers' security groups (the pollers use them)`);
    }
    const stack = Stack.of(this);
    const subnets = props.vpc.selectSubnets(props.brokerSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });

    // The S3 side: exactly the MSK-source archive's destination, behind a Direct PUT stream.
    const log = archiveErrorLog(this, props);
    this.logGroup = log.logGroup;
    this.role = new iam.Role(this, 'Role', {
      description: `Firehose archive of MSK topic ${topic} (records put by the archive pipe)`,
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com').withConditions({
        StringEquals: { 'sts:ExternalId': stack.account },
      }),
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Firehose archive of ${topic} (Direct PUT): write the archive prefixes, log errors`,
      roles: [this.role],
      statements: archiveDestinationStatements(stack, d, props.destination, log),
    });
    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'Resource', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: props.destination.encryptionKey.keyArn },
      extendedS3DestinationConfiguration: archiveS3Destination(d, props.destination, this.role.roleArn, log),
    });
    this.deliveryStream.node.addDependency(this.policy);
    acknowledgeWildcards(this.policy, (finding) => archiveObjectsReason(d, finding));

    // The pipe's log group: its errors and the decode step's executions (with their data).
    this.pipeLogGroup = new logs.LogGroup(this, 'PipeLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy,
    });
    // Its grants (log delivery, X-Ray) land in a managed policy of its own.
    const decodeRole = new ManagedPolicyRole(this, 'DecodeRole', {
      description: `Decode step of the archive pipe of ${topic} (logs and traces only)`,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    });
    this.decode = new sfn.StateMachine(this, 'Decode', {
      role: decodeRole,
      stateMachineType: sfn.StateMachineType.EXPRESS,
      comment: `Decodes the MSK records of ${topic} for its archive`,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(decodeDefinition())),
      timeout: Duration.minutes(1),
      tracingEnabled: true,
      logs: { destination: this.pipeLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    acknowledgeWildcards(decodeRole, (finding) =>
      finding === 'Resource::*'
        ? 'CloudWatch Logs log-delivery and X-Ray actions Step Functions needs for execution logs and tracing support no resource-level permissions.'
        : undefined,
    );

    this.pipeRole = new iam.Role(this, 'PipeRole', {
      description: `EventBridge pipe archiving MSK topic ${topic}`,
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
    });
    const ec2Arn = (resource: string, resourceName: string): string => ec2ArnOf(stack, resource, resourceName);
    const enis = ec2Arn('network-interface', '*');
    const subnetArns = subnets.subnetIds.map((s) => ec2Arn('subnet', s));
    this.pipePolicy = new iam.ManagedPolicy(this, 'PipePolicy', {
      description: `Archive pipe of ${topic}: read the topic as its consumer group, place pollers in the brokers' subnets, decode, put to Firehose`,
      roles: [this.pipeRole],
      statements: [
        new iam.PolicyStatement({ sid: 'Cluster', actions: [...PIPE_MSK_ACTIONS.cluster], resources: [props.cluster.clusterArn] }),
        new iam.PolicyStatement({ sid: 'BootstrapBrokers', actions: [...PIPE_MSK_ACTIONS.bootstrap], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'Topic',
          actions: [...PIPE_MSK_ACTIONS.topic],
          resources: [kafkaArn(stack, props.cluster, 'topic', topic)],
        }),
        new iam.PolicyStatement({
          sid: 'ConsumerGroup',
          actions: [...PIPE_MSK_ACTIONS.group],
          resources: [kafkaArn(stack, props.cluster, 'group', this.consumerGroupId)],
        }),
        new iam.PolicyStatement({ sid: 'DescribeNetwork', actions: [...PIPE_EC2_DESCRIBE_ACTIONS], resources: ['*'] }),
        // Creation names the brokers' subnets and security groups: every resource of the request is
        // authorized, so a poller's interface can only land there.
        new iam.PolicyStatement({
          sid: 'CreatePollerInterfaces',
          actions: ['ec2:CreateNetworkInterface'],
          resources: [enis, ...subnetArns, ...props.brokerSecurityGroups.map((g) => ec2Arn('security-group', g.securityGroupId))],
        }),
        new iam.PolicyStatement({
          sid: 'DeletePollerInterfaces',
          actions: ['ec2:DeleteNetworkInterface'],
          resources: [enis],
          conditions: { ArnEquals: { 'ec2:Vpc': ec2Arn('vpc', props.vpc.vpcId), 'ec2:Subnet': subnetArns } },
        }),
        new iam.PolicyStatement({ sid: 'Decode', actions: ['states:StartSyncExecution'], resources: [this.decode.stateMachineArn] }),
        new iam.PolicyStatement({
          sid: 'Deliver',
          actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
          resources: [this.deliveryStream.attrArn],
        }),
        new iam.PolicyStatement({
          sid: 'PipeLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.pipeLogGroup.logGroupArn],
        }),
      ],
    });
    acknowledgeWildcards(this.pipePolicy, (finding) => {
      if (finding === 'Resource::*') {
        return 'kafka:GetBootstrapBrokers and the ec2:Describe* calls that place the pollers support no resource type; they return broker host names and network metadata only.';
      }
      if (finding.endsWith(':network-interface/*')) {
        return "The pollers' network interfaces get ids only when created: creation is bounded to the brokers' subnets and security groups, deletion to their VPC and subnets (ec2:Vpc, ec2:Subnet).";
      }
      if (finding.startsWith('Resource::') && finding.includes(':log-group:') && finding.endsWith(':*')) {
        return "The log streams of the pipe's own log group (the group ARN attribute ends in :*).";
      }
      return undefined;
    });

    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: `Archives MSK topic ${topic} into the raw zone (decode, then Firehose)`,
      roleArn: this.pipeRole.roleArn,
      source: props.cluster.clusterArn,
      sourceParameters: {
        managedStreamingKafkaParameters: {
          topicName: topic,
          consumerGroupId: this.consumerGroupId,
          startingPosition: props.startingPosition ?? 'TRIM_HORIZON',
          batchSize,
          maximumBatchingWindowInSeconds: window,
        },
      },
      enrichment: this.decode.stateMachineArn,
      target: this.deliveryStream.attrArn,
      logConfiguration: {
        level: 'ERROR',
        includeExecutionData: ['ALL'],
        cloudwatchLogsLogDestination: { logGroupArn: this.pipeLogGroup.logGroupArn },
      },
      desiredState: 'RUNNING',
    });
    // Pipes checks its role when the pipe is created; the stream exists and accepts records first.
    this.pipe.node.addDependency(this.pipePolicy, this.deliveryStream);
  }

  /** The pipe's name (its metrics' PipeName dimension). */
  get pipeName(): string {
    return this.pipe.ref;
  }

  /**
   * Executions of the pipe that failed, partially failed or timed out (decode step or Firehose):
   * their records are retried until they succeed or leave the topic.
   */
  metricFailedExecutions(props?: { period?: Duration }): cloudwatch.IMetric {
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: PIPES_METRIC_NAMESPACE,
        metricName,
        dimensionsMap: { PipeName: this.pipeName },
        statistic: cloudwatch.Stats.SUM,
        period: props?.period ?? Duration.minutes(5),
      });
    return new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(partial, 0) + FILL(timedOut, 0)',
      usingMetrics: {
        failed: metric('ExecutionFailed'),
        partial: metric('ExecutionPartiallyFailed'),
        timedOut: metric('ExecutionTimeout'),
      },
      label: 'Failed archive pipe executions',
      period: props?.period ?? Duration.minutes(5),
    });
  }
}

export interface ArchivePipeNetworkProps {
  readonly vpc: ec2.IVpc;
  /** The brokers' security group (the pipe's pollers use it). */
  readonly brokerSecurityGroup: ec2.ISecurityGroup;
  /**
   * Subnets of the private endpoints the pollers deliver through (one is enough in a cheap
   * environment: interface endpoints are billed per AZ).
   * @default - the isolated subnets
   */
  readonly endpointSubnets?: ec2.SubnetSelection;
  /**
   * Create an STS endpoint too. Leave false when the VPC already has one with private DNS (two
   * endpoints with private DNS for one service cannot share a VPC).
   * @default true
   */
  readonly stsEndpoint?: boolean;
}

/**
 * The network the archive pipes of one MSK cluster need, once per cluster: the brokers' security
 * group (which Pipes gives the pollers) admits itself on the IAM port, and the pollers, in the
 * brokers' isolated subnets (no NAT), deliver through private endpoints for EventBridge Pipes
 * (`pipes-data`, event delivery from MSK sources) and STS, reached over HTTPS.
 */
export class ArchivePipeNetwork extends Construct {
  readonly endpointSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ArchivePipeNetworkProps) {
    super(scope, id);
    const brokers = props.brokerSecurityGroup.securityGroupId;
    new ec2.CfnSecurityGroupIngress(this, 'BrokersFromPollers', {
      groupId: brokers,
      sourceSecurityGroupId: brokers,
      ipProtocol: 'tcp',
      fromPort: KAFKA_IAM_PORT,
      toPort: KAFKA_IAM_PORT,
      description: 'Archive pipe pollers (on the brokers security group) read the topics',
    });
    new ec2.CfnSecurityGroupEgress(this, 'PollersToBrokers', {
      groupId: brokers,
      destinationSecurityGroupId: brokers,
      ipProtocol: 'tcp',
      fromPort: KAFKA_IAM_PORT,
      toPort: KAFKA_IAM_PORT,
      description: 'Archive pipe pollers read the topics',
    });
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: props.vpc,
      description: 'Private endpoints of the archive pipes: HTTPS from the brokers security group only',
      allowAllOutbound: false,
    });
    new ec2.CfnSecurityGroupIngress(this, 'EndpointsFromPollers', {
      groupId: this.endpointSecurityGroup.securityGroupId,
      sourceSecurityGroupId: brokers,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'Archive pipe pollers deliver records and get credentials',
    });
    new ec2.CfnSecurityGroupEgress(this, 'PollersToEndpoints', {
      groupId: brokers,
      destinationSecurityGroupId: this.endpointSecurityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'Archive pipe pollers deliver records and get credentials',
    });
    const subnets = props.endpointSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const services: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      PipesDataEndpoint: ec2.InterfaceVpcEndpointAwsService.PIPES_DATA,
    };
    if (props.stsEndpoint ?? true) services.StsEndpoint = ec2.InterfaceVpcEndpointAwsService.STS;
    for (const [endpointId, service] of Object.entries(services)) {
      new ec2.InterfaceVpcEndpoint(this, endpointId, {
        vpc: props.vpc,
        service,
        subnets,
        privateDnsEnabled: true,
        securityGroups: [this.endpointSecurityGroup],
        open: false,
      });
    }
  }
}
