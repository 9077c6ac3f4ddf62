import { readFileSync } from 'node:fs';
import { ArnFormat, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import { KAFKA_ACTIONS } from '../streaming/streaming-cluster';

/** The MSK cluster topics live on (the platform's `StreamingCluster` fits). */
export interface KafkaClusterRef {
  readonly clusterArn: string;
  readonly clusterName: string;
  /** The UUID part of the cluster ARN (topic and group ARNs contain it). */
  readonly clusterUuid: string;
}

/** Kafka cleanup policies. */
export const CLEANUP_POLICIES = ['delete', 'compact', 'compact,delete'] as const;
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];

/** Glue Schema Registry compatibility modes. */
export const SCHEMA_COMPATIBILITIES = [
  'NONE',
  'DISABLED',
  'BACKWARD',
  'BACKWARD_ALL',
  'FORWARD',
  'FORWARD_ALL',
  'FULL',
  'FULL_ALL',
] as const;
export type SchemaCompatibility = (typeof SCHEMA_COMPATIBILITIES)[number];

/** Kafka topic names (also valid Glue schema names and Firehose topic names). */
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** Consumer group names granted exactly (no wildcards). */
export const GROUP_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** Glue registry names. */
export const REGISTRY_NAME = /^[a-zA-Z0-9_$#.-]{1,255}$/;
/** Largest JSON schema definition the Glue Schema Registry accepts (characters). */
export const MAX_SCHEMA_DEFINITION = 170_000;

/** Glue actions of a schema reader (a serializer/deserializer or a validator). */
export const SCHEMA_READ_ACTIONS = [
  'glue:GetRegistry',
  'glue:GetSchema',
  'glue:GetSchemaVersion',
  'glue:GetSchemaByDefinition',
  'glue:ListSchemaVersions',
];

/** One topic, as declared in config. */
export interface EventTopicOptions {
  /** Kafka topic name: 1-249 letters, digits, '.', '_', '-' (not '.' or '..'). */
  readonly topicName: string;
  /** Partitions: 1 to 1000 (the most consumers of one group that can work in parallel). */
  readonly partitions: number;
  /**
   * How long records are kept (`retention.ms`): 1 hour to 3650 days, whole milliseconds.
   * @default Duration.days(7)
   */
  readonly retention?: Duration;
  /**
   * Replicas of each partition, 1 to 3 (at most the broker count). `min.insync.replicas` is
   * one less (at least 1), so a write survives the loss of one replica.
   * @default 3
   */
  readonly replicationFactor?: number;
  /**
   * `delete` (events), `compact` (latest value per key) or `compact,delete`.
   * @default 'delete'
   */
  readonly cleanupPolicy?: CleanupPolicy;
  /** Path of the JSON Schema (draft 2020-12 or 07) of the topic's events, read at synth. */
  readonly schemaFile: string;
  /**
   * Compatibility rule for new schema versions.
   * @default 'BACKWARD' (consumers on the new schema can read events written with the previous one)
   */
  readonly compatibility?: SchemaCompatibility;
  /** @default - no description */
  readonly description?: string;
}

export interface EventTopicProps extends EventTopicOptions {
  readonly cluster: KafkaClusterRef;
  /** The Glue registry of the topic's schema. */
  readonly registry: glue.CfnRegistry;
  /**
   * What happens to the topic (and its data) and its schema when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Kafka topic on an MSK cluster, created by CloudFormation (`AWS::MSK::Topic`), with its JSON
 * Schema in the Glue Schema Registry (`AWS::Glue::Schema`). Grants are exact: the topic's ARN and
 * the consumer group's ARN, never a pattern.
 */
export class EventTopic extends Construct {
  readonly topicName: string;
  readonly topicArn: string;
  readonly partitions: number;
  readonly resource: msk.CfnTopic;
  readonly schema: glue.CfnSchema;
  /** The topic configuration sent to MSK (before base64). */
  readonly configs: Readonly<Record<string, string>>;
  private readonly cluster: KafkaClusterRef;
  private readonly registry: glue.CfnRegistry;

  constructor(scope: Construct, id: string, props: EventTopicProps) {
    super(scope, id);
    const checked = checkTopic(props);
    this.cluster = props.cluster;
    this.registry = props.registry;
    this.topicName = props.topicName;
    this.partitions = props.partitions;
    this.configs = checked.configs;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.resource = new msk.CfnTopic(this, 'Resource', {
      clusterArn: props.cluster.clusterArn,
      topicName: props.topicName,
      partitionCount: props.partitions,
      replicationFactor: checked.replicationFactor,
      // Keys sorted: the same declaration always synthesizes the same template.
      configs: Fn.base64(JSON.stringify(checked.configs)),
    });
    this.resource.applyRemovalPolicy(removalPolicy);

    this.schema = new glue.CfnSchema(this, 'Schema', {
      name: props.topicName,
      description: props.description ?? `Events of the ${props.topicName} topic`,
      registry: { arn: props.registry.attrArn },
      dataFormat: 'JSON',
      compatibility: props.compatibility ?? 'BACKWARD',
      schemaDefinition: checked.schemaDefinition,
    });
    this.schema.applyRemovalPolicy(removalPolicy);

    this.topicArn = this.childArn('topic', props.topicName);
  }

  /** ARN of one consumer group of this topic's cluster. */
  groupArn(group: string): string {
    if (!Token.isUnresolved(group) && !GROUP_NAME.test(group)) {
      throw new Error(
        `EventTopic ${this.topicName}: consumer group must be 1-249 letters, digits, '.', '_', '-' (no wildcards), got '${group}'`,
      );
    }
    return this.childArn('group', group);
  }

  /** Connect, write (idempotently) to this topic; nothing else. */
  grantProduce(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...KAFKA_ACTIONS.connect, ...KAFKA_ACTIONS.produceCluster],
      resourceArns: [this.cluster.clusterArn],
    }).combine(iam.Grant.addToPrincipal({ grantee, actions: [...KAFKA_ACTIONS.produceTopic], resourceArns: [this.topicArn] }));
  }

  /** Connect, read this topic and commit offsets in one consumer group. */
  grantConsume(grantee: iam.IGrantable, group: string): iam.Grant {
    const groupArn = this.groupArn(group);
    return iam.Grant.addToPrincipal({ grantee, actions: [...KAFKA_ACTIONS.connect], resourceArns: [this.cluster.clusterArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: [...KAFKA_ACTIONS.consumeTopic], resourceArns: [this.topicArn] }))
      .combine(iam.Grant.addToPrincipal({ grantee, actions: [...KAFKA_ACTIONS.consumeGroup], resourceArns: [groupArn] }));
  }

  /** Read this topic's schema (all versions) from the registry. */
  grantReadSchema(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: SCHEMA_READ_ACTIONS,
      resourceArns: [this.registry.attrArn, this.schema.attrArn],
    });
  }

  private childArn(resource: 'topic' | 'group', name: string): string {
    return Stack.of(this).formatArn({
      service: 'kafka',
      resource,
      resourceName: `${this.cluster.clusterName}/${this.cluster.clusterUuid}/${name}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}

export interface EventStreamsProps {
  readonly cluster: KafkaClusterRef;
  /** Name of the Glue schema registry, e.g. `prod-events` (letters, digits, `-_$#.`). */
  readonly registryName: string;
  /**
   * The topics, each created with its schema.
   * @default - none (add them with `addTopic`)
   */
  readonly topics?: readonly EventTopicOptions[];
  /**
   * What happens to the topics, the registry and the schemas when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The event streams of an environment as code: a Glue schema registry and, per declared topic, the
 * Kafka topic on the MSK cluster (`AWS::MSK::Topic`: partitions, replication factor, retention,
 * cleanup policy) and its JSON Schema (compatibility-checked by the registry).
 *
 * Grants are per topic and exact: `grantProduce(role, 'card-transactions')`,
 * `grantConsume(role, 'card-transactions', 'feature-stream-applicant_txn_aggregates')`.
 * Network access to the brokers is separate (`cluster.connections.allowDefaultPortFrom(peer)`).
 *
 * @example
 * declare const ingestRole: iam.IRole;
 * const streams = new EventStreams(this, 'Streams', {
 *   cluster: msk,
 *   registryName: 'prod-events',
 *   topics: [{ topicName: 'card-transactions', partitions: 12, retention: Duration.days(7),
 *              schemaFile: 'schemas/topics/card-transactions.schema.json' }],
 * });
 * streams.grantProduce(ingestRole, 'card-transactions');
 */
export class EventStreams extends Construct {
  readonly registry: glue.CfnRegistry;
  readonly cluster: KafkaClusterRef;
  private readonly topicsByName = new Map<string, EventTopic>();
  private readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: EventStreamsProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.registryName) && !REGISTRY_NAME.test(props.registryName)) {
      throw new Error(`EventStreams registryName must be 1-255 letters, digits and '-_$#.', got '${props.registryName}'`);
    }
    const names = (props.topics ?? []).map((t) => t.topicName);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) throw new Error(`EventStreams topics: '${duplicate}' is declared twice; topic names must be unique`);
    // Every topic is validated before anything is created.
    for (const topic of props.topics ?? []) checkTopic(topic);

    this.cluster = props.cluster;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.registry = new glue.CfnRegistry(this, 'Registry', {
      name: props.registryName,
      description: `Schemas of the event topics on ${props.cluster.clusterName}`,
    });
    this.registry.applyRemovalPolicy(this.removalPolicy);
    for (const topic of props.topics ?? []) this.addTopic(topic);
  }

  /** Declares one more topic (its construct id is the topic name: renaming a topic replaces it). */
  addTopic(options: EventTopicOptions): EventTopic {
    if (this.topicsByName.has(options.topicName)) {
      throw new Error(`EventStreams topics: '${options.topicName}' is declared twice; topic names must be unique`);
    }
    const topic = new EventTopic(this, options.topicName, {
      ...options,
      cluster: this.cluster,
      registry: this.registry,
      removalPolicy: this.removalPolicy,
    });
    this.topicsByName.set(options.topicName, topic);
    return topic;
  }

  /** The declared topics, in declaration order. */
  get topics(): readonly EventTopic[] {
    return [...this.topicsByName.values()];
  }

  /** A declared topic by name; throws naming the declared ones otherwise. */
  topic(topicName: string): EventTopic {
    const found = this.topicsByName.get(topicName);
    if (!found) {
      const declared = [...this.topicsByName.keys()];
      throw new Error(`EventStreams has no topic '${topicName}'; declared: ${declared.length > 0 ? declared.join(', ') : 'none'}`);
    }
    return found;
  }

  /** Lets `grantee` connect and write (idempotently) to one declared topic. */
  grantProduce(grantee: iam.IGrantable, topicName: string): iam.Grant {
    return this.topic(topicName).grantProduce(grantee);
  }

  /** Lets `grantee` connect, read one declared topic and commit offsets in one consumer group. */
  grantConsume(grantee: iam.IGrantable, topicName: string, group: string): iam.Grant {
    return this.topic(topicName).grantConsume(grantee, group);
  }

  /** Lets `grantee` read one declared topic's schema from the registry. */
  grantReadSchema(grantee: iam.IGrantable, topicName: string): iam.Grant {
    return this.topic(topicName).grantReadSchema(grantee);
  }
}

/** The topic configuration MSK receives (`Configs`, before base64) for a declaration with defaults applied. */
export function topicConfigs(t: EventTopicOptions): Record<string, string> {
  const replicationFactor = t.replicationFactor ?? 3;
  return {
    'cleanup.policy': t.cleanupPolicy ?? 'delete',
    'min.insync.replicas': String(Math.max(1, replicationFactor - 1)),
    'retention.ms': String((t.retention ?? Duration.days(7)).toMilliseconds()),
  };
}

/**
 * Every problem of one topic declaration, one line each naming the field, the value and what is
 * allowed (e.g. `partitions: 0 is not allowed; expected a whole number from 1 to 1000`); empty when
 * it is valid. The construct throws on the first problems; config rules call this.
 */
export function eventTopicProblems(t: EventTopicOptions): string[] {
  const p: string[] = [];
  if (!Token.isUnresolved(t.topicName) && (!TOPIC_NAME.test(t.topicName) || t.topicName === '.' || t.topicName === '..')) {
    p.push(`topicName: '${t.topicName}' is not allowed; expected 1-249 letters, digits, '.', '_', '-' (not '.' or '..')`);
  }
  if (!(Number.isInteger(t.partitions) && t.partitions >= 1 && t.partitions <= 1000)) {
    p.push(`partitions: ${t.partitions} is not allowed; expected a whole number from 1 to 1000`);
  }
  const replicationFactor = t.replicationFactor ?? 3;
  if (!(Number.isInteger(replicationFactor) && replicationFactor >= 1 && replicationFactor <= 3)) {
    p.push(`replicationFactor: ${replicationFactor} is not allowed; expected a whole number from 1 to 3`);
  }
  const retention = t.retention ?? Duration.days(7);
  const retentionMs = retention.toMilliseconds();
  if (!(Number.isInteger(retentionMs) && retentionMs >= 3_600_000 && retentionMs <= 3650 * 86_400_000)) {
    p.push(`retention: ${retention.toHumanString()} is not allowed; expected 1 hour to 3650 days`);
  }
  const cleanupPolicy = t.cleanupPolicy ?? 'delete';
  if (!(CLEANUP_POLICIES as readonly string[]).includes(cleanupPolicy)) {
    p.push(`cleanupPolicy: '${cleanupPolicy}' is not allowed; expected one of ${CLEANUP_POLICIES.join(', ')}`);
  }
  const compatibility = t.compatibility ?? 'BACKWARD';
  if (!(SCHEMA_COMPATIBILITIES as readonly string[]).includes(compatibility)) {
    p.push(`compatibility: '${compatibility}' is not allowed; expected one of ${SCHEMA_COMPATIBILITIES.join(', ')}`);
  }
  try {
    readSchema(t.schemaFile);
  } catch (err) {
    p.push(`schemaFile: '${t.schemaFile}' ${(err as Error).message}`);
  }
  return p;
}

/** Checks one topic declaration (throws with every problem); returns what the resources need. */
function checkTopic(t: EventTopicOptions): { configs: Record<string, string>; replicationFactor: number; schemaDefinition: string } {
  const problems = eventTopicProblems(t);
  if (problems.length > 0) throw new Error(`EventStreams topic '${t.topicName}': ${problems.join('; ')}`);
  return { replicationFactor: t.replicationFactor ?? 3, configs: topicConfigs(t), schemaDefinition: readSchema(t.schemaFile) };
}

/** Reads a JSON Schema file: it must exist, parse, be an object schema and fit the registry (throws what is wrong). */
function readSchema(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error("cannot be read; expected the path of the topic's JSON Schema");
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    throw new Error(`is not JSON (${(err as Error).message}); expected a JSON Schema`);
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema) || (schema as { type?: unknown }).type !== 'object') {
    throw new Error('is not allowed; expected a JSON Schema of an object ("type": "object")');
  }
  // Compact: the registry compares definitions, and whitespace in the file is not a new version.
  const definition = JSON.stringify(schema);
  if (definition.length > MAX_SCHEMA_DEFINITION) {
    throw new Error(`is ${definition.length} characters; the registry accepts at most ${MAX_SCHEMA_DEFINITION}`);
  }
  return definition;
}
