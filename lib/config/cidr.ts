/** Minimal IPv4 CIDR arithmetic for config validation (no dependencies, no lookups). */
export interface Cidr {
  readonly first: number;
  readonly prefix: number;
  /** Number of addresses. */
  readonly size: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined if it is not a valid, network-aligned IPv4 CIDR. */
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

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c) as Cidr);

/** True if the CIDR lies inside one RFC 1918 private range. */
export function isPrivate(c: Cidr): boolean {
  return PRIVATE_RANGES.some((r) => c.first >= r.first && c.first + c.size <= r.first + r.size);
}
