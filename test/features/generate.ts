/** Deterministic messy event streams for the parity test and the benchmark. */

/** mulberry32: a small seeded PRNG, so a failing run can be reproduced. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  readonly seed: number;
  readonly asOfMs: number;
  readonly entities: number;
  readonly events: number;
}

const H = 3_600_000;
const D = 24 * H;

/**
 * Card transactions around `asOfMs` as JSONL lines, in ARRIVAL order: event times over the 32 days
 * before to 6 hours after the as-of time (a share exactly on window boundaries), arrival up to one
 * hour out of order, 5% re-delivered (same event, later), 3% lines that break the schema.
 */
export function generateLines(o: GenerateOptions): string[] {
  const r = rng(o.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const boundaries = [0, -H, -D, -30 * D, -15 * 60_000, 1];
  const arrivals: { at: number; line: string }[] = [];
  for (let i = 0; i < o.events; i++) {
    const u = r();
    const offset = u < 0.1 ? pick(boundaries) + pick([0, 0, 1, -1]) : u < 0.16 ? Math.floor(6 * H * r()) : Math.floor(-32 * D * r() ** 2);
    const t = o.asOfMs + offset;
    const amount = r() < 0.3 ? Math.floor(r() * 500) : Math.round(r() * 100_000) / 100;
    const line = JSON.stringify({
      event_id: `e-${i}`,
      applicant_id: `A-${Math.floor(r() ** 1.5 * o.entities)}`,
      merchant_id: `m-${Math.floor(r() * 25)}`,
      amount,
      status: r() < 0.2 ? 'declined' : 'approved',
      event_time: new Date(t).toISOString(),
    });
    const at = t + Math.floor(r() * H);
    arrivals.push({ at, line });
    if (r() < 0.05) arrivals.push({ at: at + Math.floor(r() * 2 * H), line });
  }
  const invalid = [
    'not json',
    '{"event_id":"x1","applicant_id":"A-1","merchant_id":"m-1","amount":-3,"status":"approved","event_time":"2026-11-29T11:00:00Z"}',
    '{"event_id":"x2","applicant_id":"A-1","merchant_id":"m-1","amount":3,"status":"pending","event_time":"2026-11-29T11:00:00Z"}',
    '{"event_id":"x3","applicant_id":"A-1","merchant_id":"m-1","amount":3,"status":"approved","event_time":"2026-02-30T11:00:00Z"}',
    '{"event_id":"x4","applicant_id":"A-1","merchant_id":"m-1","amount":3,"status":"approved"}',
    '{"event_id":"x5","applicant_id":"A-1","merchant_id":"m-1","amount":"3","status":"approved","event_time":"2026-11-29T11:00:00Z"}',
    '{"event_id":"x6","applicant_id":"A-1","merchant_id":"m-1","amount":3,"status":"approved","event_time":"2026-11-29 11:00:00"}',
    '{"event_id":"x7","applicant_id":"A-1","merchant_id":"m-1","amount":3,"status":"approved","event_time":"2026-11-29T11:00:00Z","extra":1}',
    '[1,2,3]',
  ];
  const n = Math.ceil(o.events * 0.03);
  for (let i = 0; i < n; i++) arrivals.push({ at: o.asOfMs - Math.floor(r() * 30 * D), line: pick(invalid) });
  return arrivals.sort((a, b) => a.at - b.at).map((a) => a.line);
}
