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
}
