import { isPrivate, overlaps, parseCidr } from '../config/cidr';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';

/** Rules of the `network` section: the VPC's CIDR, subnet sizes and NAT gateways. */
export function checkNetwork(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('network', c.network)) return;
  const azs = c.availabilityZones ?? [];
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
  if (
    p.check(
      typeof c.network.interfaceEndpoints === 'boolean',
      'network.interfaceEndpoints',
      c.network.interfaceEndpoints,
      'is not allowed; expected true or false',
    )
  ) {
    p.check(
      c.name === 'dev' || c.network.interfaceEndpoints,
      'network.interfaceEndpoints',
      c.network.interfaceEndpoints,
      'is not allowed; staging and prod reach AWS APIs through interface endpoints (only dev may go through NAT)',
    );
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
}

/** Rules across environments: VPC CIDRs must not overlap (they may be peered or share a TGW). */
export function checkAcrossEnvironments(configs: readonly EnvironmentConfig[], problemsOf: (env: string) => Problems): void {
  configs.forEach((a, i) => {
    for (const b of configs.slice(i + 1)) {
      if (!a.network || !b.network) continue;
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
