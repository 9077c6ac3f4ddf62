import { ArnFormat, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge, acknowledgeWildcards, packs, when } from '../private/acknowledge';

/** The port of IAM-authenticated, TLS-encrypted client traffic (provisioned and serverless). */
export const KAFKA_IAM_PORT = 9098;

/** Enhanced monitoring levels of a provisioned MSK cluster. */
export const MONITORING_LEVELS = ['DEFAULT', 'PER_BROKER', 'PER_TOPIC_PER_BROKER', 'PER_TOPIC_PER_PARTITION'] as const;
export type MonitoringLevel = (typeof MONITORING_LEVELS)[number];

/** MSK Kafka versions: `3.8.x` (latest patch), `3.6.0`, `3.7.x.kraft`. */
export const KAFKA_VERSION = /^\d+\.\d+\.(\d+|x)(\.kraft)?$/;

const SIZES_M5 = 'large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge|24xlarge';
const SIZES_M7G = 'large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge';

/** Broker instance types MSK offers, per kind: standard brokers (EBS storage) and Express brokers. */
export const BROKER_INSTANCE_TYPES: Readonly<Record<'standard' | 'express', RegExp>> = {
  standard: new RegExp(`^kafka\\.(t3\\.small|m5\\.(${SIZES_M5})|m7g\\.(${SIZES_M7G}))$`),
  express: new RegExp(`^express\\.m7g\\.(${SIZES_M7G})$`),
};

/** IAM actions (kafka-cluster:*) of the grants, by resource. */
export const KAFKA_ACTIONS = {
  connect: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
  /** Kafka clients >= 3.0 are idempotent producers by default. */
  produceCluster: ['kafka-cluster:WriteDataIdempotently'],
  produceTopic: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
  consumeTopic: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
  consumeGroup: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
} as const;

/** Brokers of a provisioned cluster. */
export interface ProvisionedBrokers {
  /**
   * Broker instance type: `kafka.t3.small`, `kafka.m5.*`, `kafka.m7g.*` or `express.m7g.*`.
   * @default 'kafka.m7g.large'
   */
  readonly instanceType?: string;
  /**
   * Number of brokers, a multiple of the number of AZs of the subnets.
   * @default - one per AZ
   */
  readonly count?: number;
  /**
   * EBS volume per broker in GiB, 1 to 16384 (ignored by Express brokers, which have no EBS).
   * @default 100
   */
  readonly volumeSizeGiB?: number;
  /**
   * Enhanced monitoring level.
   * @default 'PER_BROKER'
   */
  readonly monitoring?: MonitoringLevel;
  /**
   * Default retention of topics (`log.retention.hours`), 1 to 8760.
   * @default 168
   */
  readonly retentionHours?: number;
}

export interface StreamingClusterProps {
  /** Name of the cluster (MSK needs one): 1-64 letters, digits and '-', starting with a letter. */
  readonly clusterName: string;
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the brokers' network interfaces, one per AZ.
   * @default - the isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * MSK Serverless instead of a provisioned cluster (cheaper when idle; encrypted at rest with an
   * AWS-owned key; no broker logs or cluster configuration). Leave false for durable production data.
   * @default false
   */
  readonly serverless?: boolean;
  /**
   * Brokers of a provisioned cluster (not allowed with `serverless`).
   * @default - one kafka.m7g.large broker per AZ
   */
  readonly brokers?: ProvisionedBrokers;
  /**
   * Apache Kafka version of a provisioned cluster.
   * @default '3.8.x'
   */
  readonly kafkaVersion?: string;
  /** Encryption at rest of a provisioned cluster's broker volumes (the environment's streaming key). */
  readonly encryptionKey?: kms.IKey;
  /** Key of the broker and bootstrap-lookup log groups; its policy must admit CloudWatch Logs. */
  readonly logsKey: kms.IKey;
  /**
   * Retention of the log groups.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the cluster, its configuration and its log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Managed readers from other VPCs: multi-VPC private connectivity with IAM authentication
   * (`ConnectivityInfo.VpcConnectivity`) and a cluster policy (`AWS::MSK::ClusterPolicy`) that
   * lets these service principals create their VPC connection to the cluster, e.g.
   * `['firehose.amazonaws.com']` for a Firehose archive with an MSK source. Provisioned clusters
   * only, and not on kafka.t3.small brokers (MSK does not offer multi-VPC connectivity there).
   * @default - none (no multi-VPC connectivity, no cluster policy)
   */
  readonly privateConnectivityFor?: readonly string[];
}

/** MSK's IAM action a service needs (in the cluster policy) to reach a cluster privately from its own VPC. */
export const MULTI_VPC_ACTIONS = ['kafka:CreateVpcConnection'] as const;

/** Instance types on which MSK does not offer multi-VPC private connectivity. */
export const NO_MULTI_VPC_INSTANCE_TYPES: readonly string[] = ['kafka.t3.small'];

/** What a team holds of an event-stream cluster: its ARNs, brokers, network and grants. */
export interface IStreamingCluster extends IConstruct, ec2.IConnectable {
  readonly clusterArn: string;
  readonly clusterName: string;
  /** The UUID part of the cluster ARN (topic and group ARNs contain it). */
  readonly clusterUuid: string;
  /** Comma-separated `host:9098` list of IAM-authenticated bootstrap brokers. */
  readonly bootstrapBrokersSaslIam: string;
  /** ARN of the topics matching `topicPattern` (`*` and `?` are wildcards). */
  topicArn(topicPattern: string): string;
  /** ARN of the consumer groups matching `groupPattern`. */
  groupArn(groupPattern: string): string;
  /** Lets `grantee` connect and write (idempotently) to the topics matching `topicPattern`. */
  grantProduce(grantee: iam.IGrantable, topicPattern: string): iam.Grant;
  /** Lets `grantee` connect, read the topics matching `topicPattern` and commit offsets in groups matching `groupPattern`. */
  grantConsume(grantee: iam.IGrantable, topicPattern: string, groupPattern: string): iam.Grant;
}

/** An existing event-stream cluster (e.g. the platform's, referenced from a team's app). */
export interface StreamingClusterAttributes {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly bootstrapBrokersSaslIam: string;
  /** The brokers' security group: granted clients are allowed in through it. */
  readonly securityGroupId: string;
}

abstract class StreamingClusterBase extends Construct implements IStreamingCluster {
  abstract readonly clusterArn: string;
  abstract readonly clusterName: string;
  abstract readonly clusterUuid: string;
  abstract readonly bootstrapBrokersSaslIam: string;
  abstract readonly connections: ec2.Connections;

  /** ARN of the topics matching `topicPattern` (`*` and `?` are wildcards). */
  topicArn(topicPattern: string): string {
    return this.childArn('topic', topicPattern, 'topicPattern');
  }

  /** ARN of the consumer groups matching `groupPattern`. */
  groupArn(groupPattern: string): string {
    return this.childArn('group', groupPattern, 'groupPattern');
  }

  /**
   * Lets `grantee` connect and write (idempotently) to the topics matching `topicPattern`.
   * Network access is separate: `connections.allowDefaultPortFrom(client)`.
   */
  grantProduce(grantee: iam.IGrantable, topicPattern: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...KAFKA_ACTIONS.connect, ...KAFKA_ACTIONS.produceCluster],
      resourceArns: [this.clusterArn],
    }).combine(
      iam.Grant.addToPrincipal({ grantee, actions: [...KAFKA_ACTIONS.produceTopic], resourceArns: [this.topicArn(topicPattern)] }),
    );
  }

  /**
   * Lets `grantee` connect, read the topics matching `topicPattern` and commit offsets in the
   * consumer groups matching `groupPattern`.
   */
  grantConsume(grantee: iam.IGrantable, topicPattern: string, groupPattern: string): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: [...KAFKA_ACTIONS.connect], resourceArns: [this.clusterArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: [...KAFKA_ACTIONS.consumeTopic], resourceArns: [this.topicArn(topicPattern)] }))
      .combine(
        iam.Grant.addToPrincipal({ grantee, actions: [...KAFKA_ACTIONS.consumeGroup], resourceArns: [this.groupArn(groupPattern)] }),
      );
  }

  private childArn(resource: 'topic' | 'group', pattern: string, field: string): string {
    if (!Token.isUnresolved(pattern) && !/^[A-Za-z0-9._*?-]{1,249}$/.test(pattern)) {
      throw new Error(
        `StreamingCluster ${field} must be 1-249 characters of letters, digits, '.', '_', '-' and the wildcards '*' '?', got '${pattern}'`,
      );
    }
    return Stack.of(this).formatArn({
      service: 'kafka',
      resource,
      resourceName: `${this.clusterName}/${this.clusterUuid}/${pattern}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}

/**
 * An Amazon MSK cluster for durable event streams: provisioned (default) or serverless, in private
 * subnets across the VPC's AZs, IAM authentication only, TLS only between clients and brokers and
 * between brokers, encrypted at rest with a customer-managed key, broker logs to a KMS-encrypted
 * log group, and a configuration fit for durable data: topic auto-creation off, replication factor
 * 3 and `min.insync.replicas` 2 with 3 or more brokers, retention from props.
 *
 * Its security group admits nobody until a client is admitted with `connections` (e.g.
 * `cluster.connections.allowDefaultPortFrom(client)`). Grants are kafka-cluster IAM actions on the
 * cluster, topic and group ARNs of this cluster. The IAM bootstrap broker string is looked up once
 * per deployment (`bootstrapBrokersSaslIam`).
 *
 * @example
 * const events = new StreamingCluster(this, 'Streaming', {
 *   clusterName: 'prod-events',
 *   vpc,
 *   brokers: { instanceType: 'kafka.m7g.large', count: 3, retentionHours: 168 },
 *   encryptionKey: keys.streaming,
 *   logsKey: keys.logs,
 * });
 * events.connections.allowDefaultPortFrom(scorer);
 * events.grantProduce(scorer, 'loan-applications');
 * events.grantConsume(featureJob, 'loan-*', 'features-*');
 */
export class StreamingCluster extends StreamingClusterBase {
  /** References an existing cluster (no resources are created). */
  static fromStreamingClusterAttributes(scope: Construct, id: string, attrs: StreamingClusterAttributes): IStreamingCluster {
    return new ImportedStreamingCluster(scope, id, attrs);
  }

  /** The cluster ARN. */
  readonly clusterArn: string;
  readonly clusterName: string;
  /** The UUID part of the cluster ARN (topic and group ARNs contain it). */
  readonly clusterUuid: string;
  readonly serverless: boolean;
  /** The brokers' security group; ingress on the IAM port from granted clients only. */
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  /** Broker logs (provisioned only). */
  readonly brokerLogGroup?: logs.LogGroup;
  /** Comma-separated `host:9098` list of IAM-authenticated bootstrap brokers. */
  readonly bootstrapBrokersSaslIam: string;
  /** The cluster resource (`msk.CfnCluster` or `msk.CfnServerlessCluster`). */
  readonly resource: msk.CfnCluster | msk.CfnServerlessCluster;
  /** The cluster configuration (provisioned only). */
  readonly configuration?: msk.CfnConfiguration;
  /** The cluster policy admitting `privateConnectivityFor` (when given). */
  readonly clusterPolicy?: msk.CfnClusterPolicy;

  constructor(scope: Construct, id: string, props: StreamingClusterProps) {
    super(scope, id);
    const name = props.clusterName;
    if (!Token.isUnresolved(name) && !/^[a-zA-Z][a-zA-Z0-9-]{0,63}$/.test(name)) {
      throw new Error(`StreamingCluster clusterName must be 1-64 letters, digits and '-', starting with a letter, got '${name}'`);
    }
    this.serverless = props.serverless ?? false;
    if (this.serverless && props.brokers) {
      throw new Error('StreamingCluster brokers cannot be set with serverless: true (MSK Serverless has no brokers to size)');
    }
    if (!this.serverless && !props.encryptionKey) {
      throw new Error(
        'StreamingCluster encryptionKey is required for a provisioned cluster (encryption at rest with a customer-managed key)',
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    const azCount = new Set(subnets.availabilityZones).size;
    if (subnets.subnetIds.length < 2 || azCount !== subnets.subnetIds.length) {
      throw new Error(
        `StreamingCluster needs one subnet in each of at least 2 AZs, got ${subnets.subnetIds.length} subnets in ${azCount} AZs`,
      );
    }
    this.clusterName = name;

    // Validate everything before creating anything.
    const brokers = this.serverless ? undefined : resolveBrokers(props, azCount);
    const privateFor = props.privateConnectivityFor ?? [];
    if (privateFor.length > 0) {
      if (this.serverless) {
        throw new Error('StreamingCluster privateConnectivityFor needs a provisioned cluster (multi-VPC connectivity is set on brokers)');
      }
      if (NO_MULTI_VPC_INSTANCE_TYPES.includes(brokers!.instanceType)) {
        throw new Error(
          `StreamingCluster privateConnectivityFor is not offered on ${brokers!.instanceType} brokers; use kafka.m5.*, kafka.m7g.* or express.m7g.*`,
        );
      }
      for (const principal of privateFor) {
        if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(principal)) {
          throw new Error(
            `StreamingCluster privateConnectivityFor must be AWS service principals like firehose.amazonaws.com, got '${principal}'`,
          );
        }
      }
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `MSK ${name}: Kafka over TLS with IAM auth (${KAFKA_IAM_PORT}) from granted clients only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(KAFKA_IAM_PORT) });

    if (this.serverless) {
      this.resource = new msk.CfnServerlessCluster(this, 'Resource', {
        clusterName: name,
        clientAuthentication: { sasl: { iam: { enabled: true } } },
        vpcConfigs: [{ subnetIds: subnets.subnetIds, securityGroups: [this.securityGroup.securityGroupId] }],
      });
    } else {
      const { instanceType, count, volume, monitoring, retention, kafkaVersion, express } = brokers!;

      this.brokerLogGroup = new logs.LogGroup(this, 'BrokerLogs', {
        encryptionKey: props.logsKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy,
      });

      this.configuration = new msk.CfnConfiguration(this, 'Configuration', {
        name: `${name}-config`,
        description: `Durable event streams of ${name}`,
        kafkaVersionsList: [kafkaVersion],
        serverProperties: serverProperties({ brokers: count, retentionHours: retention, express }),
      });
      this.configuration.applyRemovalPolicy(removalPolicy);

      const cluster = new msk.CfnCluster(this, 'Resource', {
        clusterName: name,
        kafkaVersion,
        numberOfBrokerNodes: count,
        brokerNodeGroupInfo: {
          instanceType,
          clientSubnets: subnets.subnetIds,
          securityGroups: [this.securityGroup.securityGroupId],
          connectivityInfo: {
            publicAccess: { type: 'DISABLED' },
            ...(privateFor.length > 0 ? { vpcConnectivity: { clientAuthentication: { sasl: { iam: { enabled: true } } } } } : {}),
          },
          storageInfo: express ? undefined : { ebsStorageInfo: { volumeSize: volume } },
        },
        clientAuthentication: {
          sasl: { iam: { enabled: true }, scram: { enabled: false } },
          unauthenticated: { enabled: false },
        },
        encryptionInfo: {
          encryptionAtRest: { dataVolumeKmsKeyId: props.encryptionKey!.keyArn },
          encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
        },
        enhancedMonitoring: monitoring,
        loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: this.brokerLogGroup.logGroupName } } },
        configurationInfo: { arn: this.configuration.attrArn, revision: this.configuration.attrLatestRevisionRevision },
      });
      this.resource = cluster;
    }
    this.resource.applyRemovalPolicy(removalPolicy);
    this.clusterArn = this.resource.attrArn;
    // arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>
    this.clusterUuid = Fn.select(2, Fn.split('/', this.clusterArn));

    this.bootstrapBrokersSaslIam = this.lookUpBootstrapBrokers(props, removalPolicy);

    if (privateFor.length > 0) {
      this.clusterPolicy = new msk.CfnClusterPolicy(this, 'Policy', {
        clusterArn: this.clusterArn,
        policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'PrivateConnectivity',
              Effect: 'Allow',
              Principal: { Service: [...privateFor].sort() },
              Action: [...MULTI_VPC_ACTIONS],
              Resource: this.clusterArn,
            },
          ],
        },
      });
    }
  }

  /**
   * CloudFormation exposes no bootstrap brokers for MSK: a custom resource calls
   * kafka:GetBootstrapBrokers for this cluster (the action has no resource type), through a role with a customer-managed policy
   * and a KMS-encrypted log group.
   */
  private lookUpBootstrapBrokers(props: StreamingClusterProps, removalPolicy: RemovalPolicy): string {
    const logGroup = new logs.LogGroup(this, 'BootstrapBrokersLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    const role = new iam.Role(this, 'BootstrapBrokersRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Looks up the bootstrap brokers of MSK ${this.clusterName}`,
    });
    const policy = new iam.ManagedPolicy(this, 'BootstrapBrokersPolicy', {
      statements: [
        // kafka:GetBootstrapBrokers supports no resource type (Service Authorization Reference):
        // scoped to the cluster's ARN it is denied, and the lookup fails the deploy.
        new iam.PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      ],
    });
    acknowledgeWildcards(
      policy,
      when(
        /^Resource::\*$/,
        'kafka:GetBootstrapBrokers supports no resource type, so its resource is *; it returns broker host names only (no data, no write), and the role is assumed only by the deploy-time lookup of this cluster.',
      ),
    );
    role.addManagedPolicy(policy);
    const call: cr.AwsSdkCall = {
      service: 'Kafka',
      action: 'getBootstrapBrokers',
      parameters: { ClusterArn: this.clusterArn },
      physicalResourceId: cr.PhysicalResourceId.of(this.clusterArn),
      outputPaths: ['BootstrapBrokerStringSaslIam'],
    };
    // The role's managed policy is attached before the role exists, and the function needs the role.
    const lookup = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      onCreate: call,
      onUpdate: call,
      role,
      logGroup,
      installLatestAwsSdk: false,
    });
    // The lookup's Lambda (the stack's AwsCustomResource singleton) is the one that runs as `role`.
    const lookupFunction = Stack.of(this)
      .node.findAll()
      .find((c): c is lambda.Function => c instanceof lambda.Function && c.role === role);
    if (lookupFunction) {
      acknowledge(
        lookupFunction,
        'Deploy-time custom resource that only calls the regional MSK control-plane API (kafka:GetBootstrapBrokers for one cluster ARN); it touches no data and no VPC resource, and placing it in the VPC would add ENI permissions on * to its role.',
        ...packs.both('LambdaInsideVPC'),
      );
      acknowledge(
        lookupFunction,
        'Invoked only by CloudFormation during deployments of this stack. Reserved concurrency would take from the account pool and fails deployment in new accounts whose unreserved concurrency is at the minimum.',
        packs.nist('LambdaConcurrency'),
      );
      acknowledge(
        lookupFunction,
        'Invoked only by CloudFormation, which receives the result (or the failure) through the custom-resource response and rolls back; a dead-letter queue would hold nothing actionable.',
        packs.nist('LambdaDLQ'),
      );
    }
    return lookup.getResponseField('BootstrapBrokerStringSaslIam');
  }
}

/** Broker settings with defaults, validated against the subnets' AZ count. */
function resolveBrokers(props: StreamingClusterProps, azCount: number) {
  const b = props.brokers ?? {};
  const instanceType = b.instanceType ?? 'kafka.m7g.large';
  const count = b.count ?? azCount;
  const volume = b.volumeSizeGiB ?? 100;
  const monitoring = b.monitoring ?? 'PER_BROKER';
  const retention = b.retentionHours ?? 168;
  const kafkaVersion = props.kafkaVersion ?? '3.8.x';
  const express = instanceType.startsWith('express.');
  if (!BROKER_INSTANCE_TYPES.standard.test(instanceType) && !BROKER_INSTANCE_TYPES.express.test(instanceType)) {
    throw new Error(
      `StreamingCluster brokers.instanceType must be kafka.t3.small, kafka.m5.*, kafka.m7g.* or express.m7g.* (e.g. kafka.m7g.large), got '${instanceType}'`,
    );
  }
  if (!(Number.isInteger(count) && count >= azCount && count % azCount === 0)) {
    throw new Error(`StreamingCluster brokers.count must be a positive multiple of the ${azCount} AZs, got ${count}`);
  }
  if (express && azCount !== 3) {
    throw new Error(`StreamingCluster express brokers need subnets in exactly 3 AZs, got ${azCount}`);
  }
  if (!(Number.isInteger(volume) && volume >= 1 && volume <= 16384)) {
    throw new Error(`StreamingCluster brokers.volumeSizeGiB must be a whole number from 1 to 16384, got ${volume}`);
  }
  if (!(MONITORING_LEVELS as readonly string[]).includes(monitoring)) {
    throw new Error(`StreamingCluster brokers.monitoring must be one of ${MONITORING_LEVELS.join(', ')}, got '${monitoring}'`);
  }
  if (!(Number.isInteger(retention) && retention >= 1 && retention <= 8760)) {
    throw new Error(`StreamingCluster brokers.retentionHours must be a whole number from 1 to 8760, got ${retention}`);
  }
  if (!KAFKA_VERSION.test(kafkaVersion)) {
    throw new Error(`StreamingCluster kafkaVersion must look like 3.8.x or 3.6.0, got '${kafkaVersion}'`);
  }

  return { instanceType, count, volume, monitoring, retention, kafkaVersion, express };
}

/** The broker configuration: durable by default, auto-creation off, retention from props. */
export function serverProperties(o: { brokers: number; retentionHours: number; express: boolean }): string {
  const replication = Math.min(3, o.brokers);
  const minIsr = Math.max(1, replication - 1);
  const lines = [
    'auto.create.topics.enable=false',
    // Express brokers fix replication at 3 and min.insync.replicas at 2; they are read-only there.
    ...(o.express
      ? []
      : [
          `default.replication.factor=${replication}`,
          `min.insync.replicas=${minIsr}`,
          `offsets.topic.replication.factor=${replication}`,
          `transaction.state.log.replication.factor=${replication}`,
          `transaction.state.log.min.isr=${minIsr}`,
          'unclean.leader.election.enable=false',
        ]),
    // Express brokers accept retention in milliseconds only (log.retention.ms) in a custom configuration.
    o.express ? `log.retention.ms=${o.retentionHours * 3_600_000}` : `log.retention.hours=${o.retentionHours}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** An existing event-stream cluster, from its attributes. */
class ImportedStreamingCluster extends StreamingClusterBase {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly clusterUuid: string;
  readonly bootstrapBrokersSaslIam: string;
  readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, attrs: StreamingClusterAttributes) {
    super(scope, id);
    this.clusterArn = attrs.clusterArn;
    this.clusterName = attrs.clusterName;
    this.clusterUuid = Fn.select(2, Fn.split('/', attrs.clusterArn));
    this.bootstrapBrokersSaslIam = attrs.bootstrapBrokersSaslIam;
    this.connections = new ec2.Connections({
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', attrs.securityGroupId)],
      defaultPort: ec2.Port.tcp(KAFKA_IAM_PORT),
    });
  }
}
