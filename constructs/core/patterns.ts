/**
 * The name and address patterns the constructs, the charts and the config rules share: each
 * written once here (constructs never import lib/; lib/ and k8s/ import these).
 */

/** A Kubernetes DNS-1123 label (namespaces, service accounts): a-z, 0-9 and '-', at most 63. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Kubernetes DNS-1035 label (Service names): as DNS_LABEL, starting with a letter. */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Kubernetes label key: optional DNS-subdomain prefix and '/', then a name of at most 63. */
export const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A Kubernetes label value: empty, or at most 63 of A-Z, a-z, 0-9, '-', '_', '.' starting and ending alphanumeric. */
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** An S3 key prefix the platform grants on: lower-case segments, each ending in '/', no wildcards. */
export const S3_PREFIX = /^[a-z0-9][a-z0-9._=-]*(\/[a-z0-9._=-]+)*\/$/;
/** A weekly maintenance window start in UTC, `Ddd:HH:MM` (e.g. `Sun:02:00`). */
export const WEEKLY_MAINTENANCE_WINDOW = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$/;

/** An IPv4 CIDR block, as numbers. */
export interface Cidr {
  readonly first: number;
  readonly prefix: number;
  /** Number of addresses. */
  readonly size: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; undefined if it is not a valid, network-aligned IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const m = CIDR.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const first = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const size = 2 ** (32 - prefix);
  if (first % size !== 0) return undefined;
  return { first, prefix, size };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first < b.first + b.size && b.first < a.first + a.size;
}

/** RFC 1918 private ranges. */
export const PRIVATE_CIDRS: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
/** Addresses that are never the public address of an AWS API: RFC 1918, shared (RFC 6598) and link-local. */
export const NON_PUBLIC_CIDRS: readonly string[] = [...PRIVATE_CIDRS, '100.64.0.0/10', '169.254.0.0/16'];
const PRIVATE_RANGES = PRIVATE_CIDRS.map((c) => parseCidr(c) as Cidr);

/** True if `inner` lies entirely inside `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.first >= outer.first && inner.first + inner.size <= outer.first + outer.size;
}

/** True if the CIDR lies inside one RFC 1918 private range. */
export function isPrivate(c: Cidr): boolean {
  return PRIVATE_RANGES.some((r) => c.first >= r.first && c.first + c.size <= r.first + r.size);
}
