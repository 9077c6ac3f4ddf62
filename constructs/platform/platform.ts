import { Fn, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { type IOnlineFeatureStore, OnlineFeatureStore } from '../featurestore/online-feature-store';
import { DataLake, type IDataLake, LAKE_ZONES, type LakeZone } from '../lake/data-lake';
import { type IOnCallTopics, OnCallTopics } from '../observability/on-call-topics';
import { KEY_DOMAINS, type KeyDomain } from '../security/platform-keys';
import { type ISparkApplication, SparkApplication } from '../spark/spark-application';
import { type IStreamingCluster, StreamingCluster } from '../streaming/streaming-cluster';
import { PLATFORM_HANDLES, parameterPrefixProblems, platformParameterPrefix } from './handles';

export interface PlatformImportOptions {
  /**
   * Where the environment publishes its handles.
   * @default `/mlp/<environment>/platform`
   */
  readonly parameterPrefix?: string;
  /**
   * How many AZs the environment's VPC spans (it publishes one subnet per AZ and group, and an
   * imported VPC needs their number at synth time).
   * @default - 2 for `dev`, 3 for any other environment (the platform's dev, staging and prod; a
   * platform test keeps this equal to their configuration)
   */
  readonly availabilityZones?: number;
  /**
   * Whether the environment encrypts its Glue Data Catalog with the data key (then grants on the
   * lake include decrypting catalog objects).
   * @default true (every platform environment does; a platform test keeps it so)
   */
  readonly catalogEncrypted?: boolean;
}

/** Default AZ counts of the platform's environments (kept equal to lib/config by test/platform). */
export const PLATFORM_AVAILABILITY_ZONES: Readonly<Record<string, number>> = { dev: 2, staging: 3, prod: 3 };

/**
 * One environment of the ML platform as a team's CDK app sees it: typed handles of what the
 * platform owns (VPC, keys, lake, Spark, event streams, online store, EKS cluster, alarm topic,
 * registries), resolved at deploy time from the SSM parameters the platform's stacks publish
 * (`AWS::SSM::Parameter::Value<String>` template parameters). Synth makes no AWS call and needs
 * no context. A handle's parameters are added to the stack only when it is used.
 *
 * @example
 * const platform = Platform.fromEnvironment(this, 'Platform', 'prod');
 * const spark = platform.spark;
 * platform.lake.grantRead(spark, 'curated');
 * platform.onlineStore.grantConnect(spark, 'writer');
 */
export class Platform extends Construct {
  /** The handles of environment `environment` (`dev`, `staging`, `prod`). */
  static fromEnvironment(scope: Construct, id: string, environment: string, options: PlatformImportOptions = {}): Platform {
    return new Platform(scope, id, environment, options);
  }

  readonly environment: string;
  readonly parameterPrefix: string;
  private readonly azCount: number;
  private readonly catalogEncrypted: boolean;
  private readonly cache = new Map<string, unknown>();

  private constructor(scope: Construct, id: string, environment: string, options: PlatformImportOptions) {
    super(scope, id);
    this.environment = environment;
    this.parameterPrefix = options.parameterPrefix ?? platformParameterPrefix(environment);
    const problems = parameterPrefixProblems(`Platform.fromEnvironment '${environment}'`, this.parameterPrefix);
    const azCount = options.availabilityZones ?? PLATFORM_AVAILABILITY_ZONES[environment];
    if (azCount === undefined) {
      problems.push(
        `Platform.fromEnvironment '${environment}': availabilityZones is required for an environment other than ${Object.keys(PLATFORM_AVAILABILITY_ZONES).join(', ')}`,
      );
    } else if (!Number.isInteger(azCount) || azCount < 1 || azCount > 6) {
      problems.push(`Platform.fromEnvironment '${environment}': availabilityZones must be an integer from 1 to 6, got ${azCount}`);
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
    this.azCount = azCount!;
    this.catalogEncrypted = options.catalogEncrypted ?? true;
  }

  /** The deploy-time value of one handle (`PLATFORM_HANDLES`), e.g. `value('compute/cluster-name')`. */
  value(handle: string): string {
    return ssm.StringParameter.valueForStringParameter(this, `${this.parameterPrefix}/${handle}`);
  }

  /** The deploy-time entries of one StringList handle (`AWS::SSM::Parameter::Value<List<String>>`), one per AZ. */
  perAz(handle: string): string[] {
    const list = ssm.StringListParameter.valueForTypedListParameter(this, `${this.parameterPrefix}/${handle}`);
    return [...Array(this.azCount).keys()].map((i) => Fn.select(i, list));
  }

  /** The environment's VPC: its AZs, private subnets (with egress) and isolated subnets, with their route tables. */
  get vpc(): ec2.IVpc {
    return this.once('vpc', () =>
      ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: this.value(PLATFORM_HANDLES.vpcId),
        availabilityZones: this.perAz(PLATFORM_HANDLES.availabilityZones),
        privateSubnetIds: this.perAz(PLATFORM_HANDLES.privateSubnetIds),
        privateSubnetRouteTableIds: this.perAz(PLATFORM_HANDLES.privateRouteTableIds),
        isolatedSubnetIds: this.perAz(PLATFORM_HANDLES.isolatedSubnetIds),
        isolatedSubnetRouteTableIds: this.perAz(PLATFORM_HANDLES.isolatedRouteTableIds),
      }),
    );
  }

  /** The environment's customer-managed key of one data domain (`logs`, `data`, `streaming`, `compute`, `serving`). */
  key(domain: KeyDomain): kms.IKey {
    if (!(KEY_DOMAINS as readonly string[]).includes(domain)) {
      throw new Error(`Platform '${this.environment}' has no key '${String(domain)}'; expected one of ${KEY_DOMAINS.join(', ')}`);
    }
    return this.once(`key:${domain}`, () => kms.Key.fromKeyArn(this, `${pascal(domain)}Key`, this.value(PLATFORM_HANDLES.keyArn(domain))));
  }

  /** The bucket that receives S3 server access logs (the audit bucket). */
  get accessLogsBucket(): s3.IBucket {
    return this.once('accessLogs', () =>
      s3.Bucket.fromBucketName(this, 'AccessLogsBucket', this.value(PLATFORM_HANDLES.accessLogsBucketName)),
    );
  }

  /** The lake: each zone's bucket and Glue database, encrypted with the data key. */
  get lake(): IDataLake {
    return this.once('lake', () =>
      DataLake.fromDataLakeAttributes(this, 'Lake', {
        encryptionKey: this.key('data'),
        catalogEncrypted: this.catalogEncrypted,
        // Getters: a zone's parameters are added only when the team uses that zone.
        zones: Object.fromEntries(LAKE_ZONES.map((zone) => [zone, this.lakeZone(zone)])) as Record<LakeZone, LakeZoneHandles>,
      }),
    );
  }

  /** The EMR Serverless Spark application (grants go to its job role). */
  get spark(): ISparkApplication {
    return this.once('spark', () =>
      SparkApplication.fromSparkApplicationAttributes(this, 'Spark', {
        applicationId: this.value(PLATFORM_HANDLES.sparkApplicationId),
        jobRoleArn: this.value(PLATFORM_HANDLES.sparkJobRoleArn),
        securityGroupId: this.value(PLATFORM_HANDLES.sparkSecurityGroupId),
      }),
    );
  }

  /** The MSK cluster of the event streams (IAM auth). */
  get streaming(): IStreamingCluster {
    return this.once('streaming', () =>
      StreamingCluster.fromStreamingClusterAttributes(this, 'Streaming', {
        clusterArn: this.value(PLATFORM_HANDLES.streamingClusterArn),
        clusterName: this.value(PLATFORM_HANDLES.streamingClusterName),
        bootstrapBrokersSaslIam: this.value(PLATFORM_HANDLES.streamingBootstrapBrokers),
        securityGroupId: this.value(PLATFORM_HANDLES.streamingSecurityGroupId),
      }),
    );
  }

  /** The online feature store (ElastiCache, TLS, RBAC + IAM auth). */
  get onlineStore(): IOnlineFeatureStore {
    return this.once('onlineStore', () => {
      const value = (handle: string) => this.value(handle);
      // Getters: the endpoint and user ids are added to the template only when used.
      return OnlineFeatureStore.fromOnlineFeatureStoreAttributes(this, 'OnlineStore', {
        get configurationEndpoint() {
          return value(PLATFORM_HANDLES.onlineStoreEndpoint);
        },
        port: Token.asNumber(value(PLATFORM_HANDLES.onlineStorePort)),
        get replicationGroupId() {
          return value(PLATFORM_HANDLES.onlineStoreReplicationGroupId);
        },
        get readerUserId() {
          return value(PLATFORM_HANDLES.onlineStoreReaderUserId);
        },
        get writerUserId() {
          return value(PLATFORM_HANDLES.onlineStoreWriterUserId);
        },
        securityGroupId: value(PLATFORM_HANDLES.onlineStoreSecurityGroupId),
      });
    });
  }

  /** The EKS cluster (for Pod Identity roles: `TeamWorkloadIdentity`, `ModelServerIdentity`). */
  get cluster(): eks.ICluster {
    return this.once('cluster', () =>
      eks.Cluster.fromClusterAttributes(this, 'Cluster', {
        clusterName: this.value(PLATFORM_HANDLES.clusterName),
        clusterSecurityGroupId: this.value(PLATFORM_HANDLES.clusterSecurityGroupId),
        vpc: this.vpc,
      }),
    );
  }

  /** The on-call topics (`page`, `ticket`) a team's alarms notify, with the platform's alarm contract. */
  get oncall(): IOnCallTopics {
    return this.once('oncall', () =>
      OnCallTopics.fromTopicArns(this, 'OnCall', {
        environment: this.environment,
        pageTopicArn: this.value(PLATFORM_HANDLES.pageTopicArn),
        ticketTopicArn: this.value(PLATFORM_HANDLES.ticketTopicArn),
      }),
    );
  }

  /** ARN of the managed MLflow (serverless app or tracking server). */
  get mlflowArn(): string {
    return this.value(PLATFORM_HANDLES.mlflowArn);
  }

  /** Name of the model package group (registry) of `model`, e.g. `prod-credit-risk`. */
  modelPackageGroupName(model: string): string {
    return this.value(PLATFORM_HANDLES.modelPackageGroupName(model));
  }

  /** Name of the Glue schema registry of the event topics. */
  get schemaRegistryName(): string {
    return this.value(PLATFORM_HANDLES.schemaRegistryName);
  }

  /** ARN of an event topic the platform declares (its `features` topics and their `-dlq` topics). */
  topicArn(topic: string): string {
    return this.value(PLATFORM_HANDLES.topicArn(topic));
  }

  private lakeZone(zone: LakeZone): LakeZoneHandles {
    const value = (handle: string) => this.value(handle);
    return {
      get bucketName() {
        return value(PLATFORM_HANDLES.lakeBucketName(zone));
      },
      get databaseName() {
        return value(PLATFORM_HANDLES.lakeDatabaseName(zone));
      },
    };
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }
}

interface LakeZoneHandles {
  readonly bucketName: string;
  readonly databaseName: string;
}

function pascal(s: string): string {
  return s.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
