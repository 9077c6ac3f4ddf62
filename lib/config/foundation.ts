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
  if (!p.section('tags', c.tags)) return;
  p.matches('tags.costCenter', c.tags.costCenter, TAG_VALUE, 'a non-empty tag value of letters, digits, spaces and _.:/=+-@');
  p.matches('tags.owner', c.tags.owner, TAG_VALUE, 'a non-empty tag value of letters, digits, spaces and _.:/=+-@');
}
