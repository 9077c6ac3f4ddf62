import { Arn, ArnFormat, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge } from '../private/acknowledge';

/** Engines of the online store. Valkey is the default: open source, cheaper, wire-compatible with Redis OSS. */
export type OnlineStoreEngine = 'valkey' | 'redis';

/** Engine versions we support (IAM authentication needs Valkey 7.2+ / Redis OSS 7.0+). */
export const ONLINE_STORE_ENGINE_VERSIONS: Readonly<Record<OnlineStoreEngine, { readonly version: string; readonly family: string }>> = {
  valkey: { version: '8.0', family: 'valkey8' },
  redis: { version: '7.1', family: 'redis7' },
};

/** Node families that fit a feature cache (memory-optimized and general purpose, current generations). */
export const ONLINE_STORE_NODE_TYPE =
  /^cache\.(t4g\.(micro|small|medium)|(m6g|m7g|r6g|r7g|r6gd)\.(large|xlarge|[2-9]?xlarge|1[26]xlarge))$/;

/** The two roles a client of the online store can have. */
export type OnlineStoreAccess = 'reader' | 'writer';

export interface OnlineFeatureStoreProps {
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the cache nodes.
   * @default - the VPC's isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Prefix of the physical ids that ElastiCache requires (replication group, users, user group), e.g. `prod-features`. Lowercase letters, digits and hyphens. */
  readonly namePrefix: string;
  /** @default 'valkey' */
  readonly engine?: OnlineStoreEngine;
  /** @default 'cache.r7g.large' */
  readonly nodeType?: string;
  /**
   * Shards (node groups) of the cluster-mode-enabled replication group, 1 to 500.
   * @default 1
   */
  readonly shards?: number;
  /**
   * Replicas per shard, 0 to 5. Multi-AZ with automatic failover needs at least 1.
   * @default 1
   */
  readonly replicasPerShard?: number;
  /**
   * Multi-AZ with automatic failover to a replica in another AZ.
   * @default true
   */
  readonly multiAz?: boolean;
  /** Key for encryption at rest (and of the snapshots). */
  readonly encryptionKey: kms.IKey;
  /** Key of the slow-log and engine-log groups (its policy must admit CloudWatch Logs). */
  readonly logsKey: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Days of automatic daily snapshots, 0 to 35 (0 disables them).
   * @default 7
   */
  readonly snapshotRetentionDays?: number;
  /**
   * Port of the cache; not the default 6379, so scanners of the default port find nothing.
   * @default 6380
   */
  readonly port?: number;
  /**
   * What happens to the replication group and its log groups when they leave the stack. RETAIN
   * keeps the cache (CloudFormation then also takes a final snapshot only if configured).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The port the store listens on unless told otherwise (TLS; not the engine's plain 6379). */
export const DEFAULT_ONLINE_STORE_PORT = 6380;

/** What a team holds of an online feature store: where to connect, as whom, and how to be granted it. */
export interface IOnlineFeatureStore extends IConstruct, ec2.IConnectable {
  /** Host of the cluster configuration endpoint (cluster-mode clients connect here). */
  readonly configurationEndpoint: string;
  readonly port: number;
  readonly replicationGroupId: string;
  readonly readerUserId: string;
  readonly writerUserId: string;
  /** ARN of the replication group. */
  readonly replicationGroupArn: string;
  /** ARN of one of the store's ElastiCache users. */
  userArn(access: OnlineStoreAccess): string;
  /** Lets a principal connect as the reader or writer user with IAM authentication. */
  grantConnect(grantee: iam.IGrantable, access: OnlineStoreAccess): iam.Grant;
}

/** An existing online feature store (e.g. the platform's, referenced from a team's app). */
export interface OnlineFeatureStoreAttributes {
  readonly configurationEndpoint: string;
  /** @default 6380 */
  readonly port?: number;
  readonly replicationGroupId: string;
  readonly readerUserId: string;
  readonly writerUserId: string;
  /** The store's security group: granted peers are allowed in through it. */
  readonly securityGroupId: string;
}

abstract class OnlineFeatureStoreBase extends Construct implements IOnlineFeatureStore {
  abstract readonly connections: ec2.Connections;
  abstract readonly configurationEndpoint: string;
  abstract readonly port: number;
  abstract readonly replicationGroupId: string;
  abstract readonly readerUserId: string;
  abstract readonly writerUserId: string;

  /** ARN of the replication group. */
  get replicationGroupArn(): string {
    return Arn.format(
      {
        service: 'elasticache',
        resource: 'replicationgroup',
        resourceName: this.replicationGroupId,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );
  }

  /** ARN of one of the store's ElastiCache users. */
  userArn(access: OnlineStoreAccess): string {
    const userId = access === 'reader' ? this.readerUserId : this.writerUserId;
    return Arn.format(
      { service: 'elasticache', resource: 'user', resourceName: userId, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
      Stack.of(this),
    );
  }

  /**
   * Lets a principal connect as the reader or writer user with IAM authentication
   * (`elasticache:Connect` on this replication group and that user, nothing else). Network access
   * is separate: `store.connections.allowDefaultPortFrom(peer)`.
   */
  grantConnect(grantee: iam.IGrantable, access: OnlineStoreAccess): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['elasticache:Connect'],
      resourceArns: [this.replicationGroupArn, this.userArn(access)],
    });
  }
}

/**
 * The online feature store: an ElastiCache replication group (Valkey by default) with cluster mode
 * enabled, TLS required, encryption at rest with a customer key, RBAC with **IAM authentication**
 * (no long-lived password anywhere: clients sign a short-lived token with their IAM role), a
 * parameter group for a TTL-driven feature cache, isolated subnets, a security group open only to
 * granted peers, and slow/engine logs in KMS-encrypted log groups.
 *
 * Two ElastiCache users: `<prefix>-reader` (read commands on `fs:*` keys) and `<prefix>-writer`
 * (read and write on `fs:*`, and `EVAL`/`EVALSHA` for the stream processor's atomic ingest script);
 * the mandatory `default` user is disabled. Keys follow the v2 layout of docs/features.md.
 *
 * @example
 * const store = new OnlineFeatureStore(this, 'OnlineStore', {
 *   vpc, namePrefix: 'dev-features', encryptionKey: keys.data, logsKey: keys.logs,
 *   nodeType: 'cache.t4g.small', shards: 1, replicasPerShard: 0, multiAz: false,
 * });
 * store.grantConnect(servingRole, 'reader');
 */
export class OnlineFeatureStore extends OnlineFeatureStoreBase {
  /** References an existing store (no resources are created). */
  static fromOnlineFeatureStoreAttributes(scope: Construct, id: string, attrs: OnlineFeatureStoreAttributes): IOnlineFeatureStore {
    return new ImportedOnlineFeatureStore(scope, id, attrs);
  }

  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly connections: ec2.Connections;
  readonly securityGroup: ec2.SecurityGroup;
  readonly userGroup: elasticache.CfnUserGroup;
  readonly slowLogGroup: logs.LogGroup;
  readonly engineLogGroup: logs.LogGroup;
  /** Host of the cluster configuration endpoint (cluster-mode clients connect here). */
  readonly configurationEndpoint: string;
  readonly port: number;
  readonly replicationGroupId: string;
  readonly readerUserId: string;
  readonly writerUserId: string;

  constructor(scope: Construct, id: string, props: OnlineFeatureStoreProps) {
    super(scope, id);
    const engine = props.engine ?? 'valkey';
    const nodeType = props.nodeType ?? 'cache.r7g.large';
    const shards = props.shards ?? 1;
    const replicas = props.replicasPerShard ?? 1;
    const multiAz = props.multiAz ?? true;
    const snapshotRetentionDays = props.snapshotRetentionDays ?? 7;
    const port = props.port ?? DEFAULT_ONLINE_STORE_PORT;
    validate({ namePrefix: props.namePrefix, engine, nodeType, shards, replicas, multiAz, snapshotRetentionDays, port });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.port = port;
    this.replicationGroupId = props.namePrefix;
    this.readerUserId = `${props.namePrefix}-reader`;
    this.writerUserId = `${props.namePrefix}-writer`;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Online feature store ${props.namePrefix}: only granted peers, on the cache port`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(port) });

    const subnetIds = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds;
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `Online feature store ${props.namePrefix}`,
      subnetIds,
    });

    const versions = ONLINE_STORE_ENGINE_VERSIONS[engine];
    const parameterGroup = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: versions.family,
      description: `Feature cache ${props.namePrefix}: cluster mode, evict features with a TTL first`,
      properties: {
        'cluster-enabled': 'yes',
        // Every feature key carries a TTL: under memory pressure evict the least recently used of
        // those, never a key without TTL (control data).
        'maxmemory-policy': 'volatile-lru',
        // Close idle client connections after 5 minutes (pods that died without QUIT).
        timeout: '300',
        // Slow log: every command over 10 ms (a feature read should take well under 1 ms).
        'slowlog-log-slower-than': '10000',
        'slowlog-max-len': '1024',
      },
    });

    // RBAC with IAM authentication. The user group must contain a user named `default`: it is
    // switched off.
    const defaultUser = new elasticache.CfnUser(this, 'DefaultUser', {
      engine,
      userId: `${props.namePrefix}-default`,
      userName: 'default',
      accessString: 'off -@all',
      noPasswordRequired: true,
    });
    const reader = new elasticache.CfnUser(this, 'ReaderUser', {
      engine,
      userId: this.readerUserId,
      userName: this.readerUserId,
      authenticationMode: { Type: 'iam' },
      accessString: 'on ~fs:* resetchannels -@all +@read +@connection',
    });
    const writer = new elasticache.CfnUser(this, 'WriterUser', {
      engine,
      userId: this.writerUserId,
      userName: this.writerUserId,
      authenticationMode: { Type: 'iam' },
      // The stream processor ingests each event with one Lua script (docs/features.md): EVALSHA, and
      // EVAL when the node does not have it cached. Only these two of @scripting (no SCRIPT FLUSH/KILL,
      // no FUNCTION); the script's own commands are checked against @read/@write on fs:* as usual.
      accessString: 'on ~fs:* resetchannels -@all +@read +@write +@connection +@transaction +eval +evalsha',
    });
    this.userGroup = new elasticache.CfnUserGroup(this, 'UserGroup', {
      engine,
      userGroupId: `${props.namePrefix}-users`,
      userIds: [defaultUser.userId, reader.userId, writer.userId],
    });
    this.userGroup.addResourceDependency(defaultUser);
    this.userGroup.addResourceDependency(reader);
    this.userGroup.addResourceDependency(writer);

    const logGroup = (logId: string): logs.LogGroup =>
      new logs.LogGroup(this, logId, {
        encryptionKey: props.logsKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy,
      });
    this.slowLogGroup = logGroup('SlowLog');
    this.engineLogGroup = logGroup('EngineLog');
    const delivery = (logType: string, group: logs.LogGroup): elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty => ({
      destinationType: 'cloudwatch-logs',
      destinationDetails: { cloudWatchLogsDetails: { logGroup: group.logGroupName } },
      logFormat: 'json',
      logType,
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'Resource', {
      replicationGroupId: props.namePrefix,
      replicationGroupDescription: `Online feature store ${props.namePrefix}`,
      engine,
      engineVersion: versions.version,
      cacheNodeType: nodeType,
      clusterMode: 'enabled',
      numNodeGroups: shards,
      replicasPerNodeGroup: replicas,
      automaticFailoverEnabled: true,
      multiAzEnabled: multiAz,
      port,
      cacheParameterGroupName: parameterGroup.ref,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: props.encryptionKey.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      userGroupIds: [this.userGroup.userGroupId],
      snapshotRetentionLimit: snapshotRetentionDays,
      snapshotWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: [delivery('slow-log', this.slowLogGroup), delivery('engine-log', this.engineLogGroup)],
    });
    this.replicationGroup.addResourceDependency(this.userGroup);
    this.replicationGroup.applyRemovalPolicy(removalPolicy);
    acknowledge(
      this.replicationGroup,
      'The replication group uses an RBAC user group whose users authenticate with IAM (short-lived SigV4 tokens, elasticache:Connect per user); the default user is disabled. This is stronger than a shared AUTH token, which the rule looks for.',
      'AwsSolutions-AEC6',
    );

    this.configurationEndpoint = this.replicationGroup.attrConfigurationEndPointAddress;
  }
}

interface Checked {
  readonly namePrefix: string;
  readonly engine: string;
  readonly nodeType: string;
  readonly shards: number;
  readonly replicas: number;
  readonly multiAz: boolean;
  readonly snapshotRetentionDays: number;
  readonly port: number;
}

function validate(p: Checked): void {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  if (!Token.isUnresolved(p.namePrefix)) {
    check(
      /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(p.namePrefix),
      `namePrefix must be 2-32 lowercase letters, digits or hyphens starting with a letter, got '${p.namePrefix}'`,
    );
  }
  check(
    p.engine in ONLINE_STORE_ENGINE_VERSIONS,
    `engine must be one of ${Object.keys(ONLINE_STORE_ENGINE_VERSIONS).join(', ')}, got '${p.engine}'`,
  );
  check(ONLINE_STORE_NODE_TYPE.test(p.nodeType), `nodeType must be a current cache.t4g/m6g/m7g/r6g/r7g node type, got '${p.nodeType}'`);
  check(Number.isInteger(p.shards) && p.shards >= 1 && p.shards <= 500, `shards must be a whole number from 1 to 500, got ${p.shards}`);
  check(
    Number.isInteger(p.replicas) && p.replicas >= 0 && p.replicas <= 5,
    `replicasPerShard must be a whole number from 0 to 5, got ${p.replicas}`,
  );
  check(!p.multiAz || p.replicas >= 1, `multiAz needs at least 1 replica per shard, got ${p.replicas}`);
  check(
    Number.isInteger(p.snapshotRetentionDays) && p.snapshotRetentionDays >= 0 && p.snapshotRetentionDays <= 35,
    `snapshotRetentionDays must be a whole number from 0 to 35, got ${p.snapshotRetentionDays}`,
  );
  check(
    Number.isInteger(p.port) && p.port >= 1024 && p.port <= 65535 && p.port !== 6379,
    `port must be from 1024 to 65535 and not the default 6379, got ${p.port}`,
  );
  if (problems.length > 0) throw new Error(`OnlineFeatureStore: ${problems.join('; ')}`);
}

/** An existing online feature store, from its attributes. */
class ImportedOnlineFeatureStore extends OnlineFeatureStoreBase {
  readonly port: number;
  readonly connections: ec2.Connections;

  constructor(
    scope: Construct,
    id: string,
    private readonly attrs: OnlineFeatureStoreAttributes,
  ) {
    super(scope, id);
    this.port = attrs.port ?? DEFAULT_ONLINE_STORE_PORT;
    this.connections = new ec2.Connections({
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', attrs.securityGroupId)],
      defaultPort: ec2.Port.tcp(this.port),
    });
  }

  // Read on use: attributes given as getters (Platform.fromEnvironment's SSM handles) add their
  // template parameter only when the app uses them.
  get configurationEndpoint(): string {
    return this.attrs.configurationEndpoint;
  }

  get replicationGroupId(): string {
    return this.attrs.replicationGroupId;
  }

  get readerUserId(): string {
    return this.attrs.readerUserId;
  }

  get writerUserId(): string {
    return this.attrs.writerUserId;
  }
}
