/**
 * The typed configuration of one environment. Every way in which dev, staging and prod differ is a
 * field here; stacks translate these fields into construct props. Defaults live in
 * `defaults.ts`, next to these types, once.
 */

/** The environments this platform knows. Construct ids of the stages are these names. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export interface NetworkConfig {
  /** IPv4 CIDR of the VPC, /16 to /20. Must not overlap another environment's VPC. */
  readonly vpcCidr: string;
  /** NAT gateways: 1 (cheap, single-AZ egress) up to one per AZ (resilient egress). */
  readonly natGateways: number;
  /** Netmask of the private-with-egress subnets (the bulk of addresses: EKS pods, EMR, SageMaker). */
  readonly privateSubnetMask: number;
}

export interface LoggingConfig {
  /** Retention of CloudWatch log groups, in days; must be a value CloudWatch Logs accepts. */
  readonly retentionDays: number;
}

export interface AuditConfig {
  /** Days after which audit/access-log objects move to Glacier Flexible Retrieval. */
  readonly transitionToGlacierDays: number;
  /** Days after which audit/access-log objects expire (PCI DSS 10.7 asks for at least 365). */
  readonly expirationDays: number;
}

export interface TagsConfig {
  readonly costCenter: string;
  readonly owner: string;
}

/** A feature's value type, as stored offline (Glue/Parquet) and online (hash field). */
export type FeatureType = 'string' | 'bigint' | 'int' | 'double' | 'float' | 'boolean' | 'timestamp';

export interface FeatureGroupConfig {
  /** snake_case, 3-63 characters: the Glue table, the online key prefix and the job names derive from it. */
  readonly name: string;
  readonly description: string;
  /** Columns that identify the entity (e.g. applicant_id); 1 to 3. */
  readonly entityKeys: readonly { readonly name: string; readonly type: 'string' | 'bigint' }[];
  readonly features: readonly { readonly name: string; readonly type: FeatureType; readonly description?: string }[];
  /** Time a feature vector stays in the online store, in seconds (60 to 30 days). */
  readonly onlineTtlSeconds: number;
  /** Offline partitioning of the features-zone table. */
  readonly offlinePartitioning: 'date' | 'date-hour';
  /** Where values come from: an MSK topic (streaming) or a lake table (batch). */
  readonly source:
    | { readonly kind: 'stream'; readonly topic: string }
    | { readonly kind: 'batch'; readonly zone: 'raw' | 'curated'; readonly table: string };
}

export interface FeatureStoreConfig {
  /** Online store engine: Valkey (default) or Redis OSS. */
  readonly engine: 'valkey' | 'redis';
  readonly nodeType: string;
  readonly shards: number;
  readonly replicasPerShard: number;
  readonly multiAz: boolean;
  readonly snapshotRetentionDays: number;
  /** The feature groups of this environment. */
  readonly featureGroups: readonly FeatureGroupConfig[];
}

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** 12-digit AWS account id. Set in `accounts.ts`. */
  readonly account: string;
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** Explicit availability zones (no lookups at synth): dev 2, staging and prod at least 3. */
  readonly availabilityZones: readonly string[];
  /** Retain stateful resources (buckets, keys, clusters, caches, registries) on stack deletion. */
  readonly retainStatefulResources: boolean;
  /** Protect the stateful stacks against `cdk destroy`/stack deletion. */
  readonly terminationProtection: boolean;
  readonly network: NetworkConfig;
  readonly logging: LoggingConfig;
  readonly audit: AuditConfig;
  readonly tags: TagsConfig;
  readonly featureStore: FeatureStoreConfig;
}
