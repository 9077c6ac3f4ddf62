import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { isPrivate, overlaps, parseCidr } from './cidr';
import type { Problems } from './problems';
import type { EnvironmentConfig } from './types';

/** Commercial regions this platform may be deployed to (every service it uses is offered there). */
export const SUPPORTED_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-south-1',
  'sa-east-1',
] as const;

/** Retention values CloudWatch Logs accepts (from aws-logs RetentionDays, less INFINITE). */
export const LOG_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v > 0)
  .sort((a, b) => a - b);

/** Minimum AZs per environment: dev may save money with 2; staging mirrors prod. */
const MIN_AZS: Record<EnvironmentConfig['name'], number> = { dev: 2, staging: 3, prod: 3 };

/** Environments that hold real or production-like data: retained and protected. */
const PROTECTED = new Set<EnvironmentConfig['name']>(['staging', 'prod']);

const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

export function checkFoundation(c: EnvironmentConfig, p: Problems): void {
  p.matches('account', c.account, /^\d{12}$/, 'a 12-digit AWS account id as a string (set it in lib/config/accounts.ts)');
  p.oneOf('region', c.region, SUPPORTED_REGIONS as readonly string[]);

  const azs = c.availabilityZones;
  p.check(azs.length >= MIN_AZS[c.name], 'availabilityZones', azs, `has ${azs.length} AZs; ${c.name} needs at least ${MIN_AZS[c.name]}`);
  azs.forEach((az, i) => {
    const ok = new RegExp(`^${c.region}[a-z]$`).test(az);
    p.check(
      ok,
      `availabilityZones[${i}]`,
      az,
      `is not an AZ of region ${c.region}; expected ${c.region} followed by one letter (e.g. ${c.region}a)`,
    );
  });
  p.check(new Set(azs).size === azs.length, 'availabilityZones', azs, 'lists an AZ twice; AZs must be distinct');

  // Network.
  const vpc = parseCidr(c.network.vpcCidr);
  if (p.check(vpc !== undefined, 'network.vpcCidr', c.network.vpcCidr, 'is not an IPv4 CIDR like 10.10.0.0/16')) {
    const cidr = vpc!;
    p.check(
      cidr.prefix >= 16 && cidr.prefix <= 20,
      'network.vpcCidr',
      c.network.vpcCidr,
      'is not allowed; the VPC prefix must be /16 to /20',
    );
    p.check(isPrivate(cidr), 'network.vpcCidr', c.network.vpcCidr, 'is not in a private (RFC 1918) range');
    const mask = c.network.privateSubnetMask;
    if (p.integer('network.privateSubnetMask', mask, cidr.prefix + 1, 24)) {
      // Per AZ: a /24 public, a private of the given mask and a /24 isolated subnet.
      const needed = azs.length * (2 * 256 + 2 ** (32 - mask));
      p.check(
        needed <= cidr.size,
        'network.privateSubnetMask',
        mask,
        `does not fit: ${azs.length} AZs x (2 x /24 + /${mask}) need ${needed} addresses, the VPC ${c.network.vpcCidr} has ${cidr.size}`,
      );
    }
  }
  if (p.integer('network.natGateways', c.network.natGateways, 1, Math.max(1, azs.length))) {
    if (c.name === 'prod') {
      p.check(
        c.network.natGateways === azs.length,
        'network.natGateways',
        c.network.natGateways,
        `is not allowed; prod needs one NAT gateway per AZ (${azs.length})`,
      );
    }
  }

  // Logs and audit.
  p.oneOf('logging.retentionDays', c.logging.retentionDays, LOG_RETENTION_DAYS);
  if (c.name === 'prod') {
    p.check(
      c.logging.retentionDays >= 365,
      'logging.retentionDays',
      c.logging.retentionDays,
      'is too short; prod keeps logs at least 365 days (PCI DSS 10.7)',
    );
  }
  p.integer('audit.transitionToGlacierDays', c.audit.transitionToGlacierDays, 1, 3650);
  p.integer('audit.expirationDays', c.audit.expirationDays, 365, 3650) &&
    p.check(
      c.audit.transitionToGlacierDays < c.audit.expirationDays,
      'audit.transitionToGlacierDays',
      c.audit.transitionToGlacierDays,
      `must be less than audit.expirationDays (${c.audit.expirationDays})`,
    );

  // Retention and protection.
  if (PROTECTED.has(c.name)) {
    p.check(
      c.retainStatefulResources === true,
      'retainStatefulResources',
      c.retainStatefulResources,
      `is not allowed; ${c.name} must retain stateful resources`,
    );
  }
  if (c.name === 'prod') {
    p.check(
      c.terminationProtection === true,
      'terminationProtection',
      c.terminationProtection,
      'is not allowed; prod stateful stacks need termination protection',
    );
  }

  // Tags.
  p.matches('tags.costCenter', c.tags.costCenter, TAG_VALUE, 'a non-empty tag value of letters, digits, spaces and _.:/=+-@');
  p.matches('tags.owner', c.tags.owner, TAG_VALUE, 'a non-empty tag value of letters, digits, spaces and _.:/=+-@');
}

/** Rules across environments: VPC CIDRs must not overlap (they may be peered or share a TGW). */
export function checkAcrossEnvironments(configs: readonly EnvironmentConfig[], problemsOf: (env: string) => Problems): void {
  configs.forEach((a, i) => {
    for (const b of configs.slice(i + 1)) {
      const ca = parseCidr(a.network.vpcCidr);
      const cb = parseCidr(b.network.vpcCidr);
      if (ca && cb && overlaps(ca, cb)) {
        problemsOf(b.name).add(
          'network.vpcCidr',
          b.network.vpcCidr,
          `overlaps ${a.name}.network.vpcCidr ${a.network.vpcCidr}; VPC CIDRs must be distinct across environments`,
        );
      }
    }
  });
}
