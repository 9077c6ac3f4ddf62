import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * THE one place where cdk-nag findings are acknowledged. Each entry names the rule, where it
 * applies (a pattern over construct paths relative to the environment's stage) and why it is
 * acceptable. Everything else must be fixed.
 */
export interface Acknowledgement {
  /** Rule id, optionally with a finding id: `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Construct paths (relative to the stage, e.g. `Network/Network/Vpc`) the acknowledgement covers. */
  readonly path: RegExp;
  readonly reason: string;
  /**
   * Environments (stage ids) the acknowledgement applies to, e.g. `['dev']` for a finding that
   * only dev's cheaper sizing causes.
   * @default - every environment
   */
  readonly environments?: readonly string[];
}

const AUDIT_BUCKET = /^Security\/AuditLogs\/Resource$/;
const PUBLIC_SUBNET = /^Network\/Network\/Vpc\/PublicSubnet\d+$/;
const ONLINE_STORE = /^FeatureStore\/OnlineStore\/Resource$/;

export const ACKNOWLEDGEMENTS: readonly Acknowledgement[] = [
  // The audit bucket is the destination of every other bucket's server access logs.
  ...['AwsSolutions-S1', 'PCI.DSS.321-S3BucketLoggingEnabled', 'NIST.800.53.R5-S3BucketLoggingEnabled'].map((id) => ({
    id,
    path: AUDIT_BUCKET,
    reason:
      'This is the server-access-log destination bucket; logging it into itself would loop. Access to it is recorded by CloudTrail data events at the account level.',
  })),
  ...['PCI.DSS.321-S3DefaultEncryptionKMS', 'NIST.800.53.R5-S3DefaultEncryptionKMS'].map((id) => ({
    id,
    path: AUDIT_BUCKET,
    reason:
      'S3 server access log delivery supports only SSE-S3 on the destination bucket, not SSE-KMS; the bucket is encrypted with SSE-S3, TLS-only and blocks public access.',
  })),
  ...['PCI.DSS.321-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'].map((id) => ({
    id,
    path: AUDIT_BUCKET,
    reason:
      'The platform is single-region; the audit bucket is versioned and retained. Cross-region replication is an account-level DR decision outside this repository.',
  })),
  // Public subnets exist only for the NAT gateways (no instance gets a public IP).
  ...['PCI.DSS.321-VPCNoUnrestrictedRouteToIGW', 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW'].map((id) => ({
    id,
    path: PUBLIC_SUBNET,
    reason:
      'The default route to the internet gateway is what lets the NAT gateways in the public subnets give private subnets egress; public subnets host only NAT gateways and do not auto-assign public IPs.',
  })),
  // The online feature store authenticates with RBAC + IAM instead of an AUTH token.
  {
    id: 'AwsSolutions-AEC6',
    path: ONLINE_STORE,
    reason:
      'The replication group uses an RBAC user group whose users authenticate with IAM (short-lived SigV4 tokens, elasticache:Connect per user); the default user is disabled. This is stronger than a shared AUTH token, which the rule looks for.',
  },
  // Dev's online store is one node to be cheap; staging and prod are Multi-AZ with 15+ days of
  // snapshots (enforced by lib/config/rules/feature-store.ts).
  {
    id: 'AwsSolutions-AEC4',
    path: ONLINE_STORE,
    environments: ['dev'],
    reason:
      'Dev runs a single-node online store to keep cost down; its data is recomputable from the lake. Staging and prod are Multi-AZ with automatic failover (config validation enforces it).',
  },
  {
    id: 'NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup',
    path: ONLINE_STORE,
    environments: ['dev'],
    reason:
      'Dev keeps 1 day of snapshots to keep cost down; its features are recomputable from the lake. Staging and prod keep at least 15 days (config validation enforces it).',
  },
  // The online feature store authenticates with RBAC + IAM instead of an AUTH token.
  {
    id: 'AwsSolutions-AEC6',
    path: ONLINE_STORE,
    reason:
      'The replication group uses an RBAC user group whose users authenticate with IAM (short-lived SigV4 tokens, elasticache:Connect per user); the default user is disabled. This is stronger than a shared AUTH token, which the rule looks for.',
  },
  // Dev's online store is one node to be cheap; staging and prod are Multi-AZ with 15+ days of
  // snapshots (enforced by lib/config/rules/feature-store.ts).
  {
    id: 'AwsSolutions-AEC4',
    path: ONLINE_STORE,
    environments: ['dev'],
    reason:
      'Dev runs a single-node online store to keep cost down; its data is recomputable from the lake. Staging and prod are Multi-AZ with automatic failover (config validation enforces it).',
  },
  {
    id: 'NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup',
    path: ONLINE_STORE,
    environments: ['dev'],
    reason:
      'Dev keeps 1 day of snapshots to keep cost down; its features are recomputable from the lake. Staging and prod keep at least 15 days (config validation enforces it).',
  },
];

/** Applies every acknowledgement to the constructs of one stage whose path matches. */
export function acknowledgeFindings(stage: IConstruct, acknowledgements: readonly Acknowledgement[] = ACKNOWLEDGEMENTS): void {
  const prefix = `${stage.node.path}/`;
  const applicable = acknowledgements.filter((ack) => !ack.environments || ack.environments.includes(stage.node.id));
  for (const construct of stage.node.findAll()) {
    const path = construct.node.path.startsWith(prefix) ? construct.node.path.slice(prefix.length) : construct.node.path;
    for (const ack of applicable) {
      if (ack.path.test(path)) Validations.of(construct).acknowledge({ id: ack.id, reason: ack.reason });
    }
  }
}
