import type { Cluster, Redis } from 'iovalkey';
import { type FeatureView, onlineHistoryMs, readSpanMs, storedFields } from '../definition';
import type { FeatureEvent } from '../events';
import { computeVector, type FeatureVector, type StoredEvent } from './compute';

/** A standalone or cluster-mode client (ElastiCache Valkey runs in cluster mode). */
export type OnlineClient = Redis | Cluster;

/** Version of the online layout below; part of every key. */
export const LAYOUT_VERSION = 'v2';

/**
 * Online key layout of one entity of a view (the `{…}` hash tag puts both keys, and every view of
 * the same entity, in one cluster slot):
 *   fs:<view>:v2:{<entity key values joined by |>}:ev   sorted set, score = event time (epoch ms),
 *                                                        member = JSON [event_id, <stored fields…>]
 *   fs:<view>:v2:{<entity>}:id                          hash, event_id → event time (dedupe)
 * The stored fields are the view's attributes the features read, in sorted order (storedFields).
 */
export function onlineKeys(view: FeatureView, entity: string): { events: string; ids: string } {
  const base = `fs:${view.name}:${LAYOUT_VERSION}:{${entity}}`;
  return { events: `${base}:ev`, ids: `${base}:id` };
}

/**
 * Atomic ingest of one event (a Lua script, so the writer's ElastiCache user needs `@scripting`):
 * drop it if older than the kept history, count it once per event_id (HSETNX), add it to the
 * sorted set, trim events that fell out of the history (and their ids), refresh both keys' expiry.
 * Returns 1 (counted), 0 (duplicate) or 2 (older than the kept history).
 */
const INGEST_LUA = `
local t = tonumber(ARGV[2])
local top = t
local newest = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) > t then top = tonumber(newest[2]) end
local cutoff = top - tonumber(ARGV[4])
if t <= cutoff then return 2 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], t, ARGV[3])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff, 'LIMIT', 0, 256)
for _, m in ipairs(old) do
  redis.call('HDEL', KEYS[2], cjson.decode(m)[1])
  redis.call('ZREM', KEYS[1], m)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;

type IngestClient = { fsIngest(events: string, ids: string, id: string, t: number, member: string, hist: number, expire: number): unknown };

function ensureCommand(client: OnlineClient): void {
  if (!(client as unknown as Partial<IngestClient>).fsIngest) client.defineCommand('fsIngest', { numberOfKeys: 2, lua: INGEST_LUA });
}

/** Outcome counts of a write batch. */
export interface WriteCounts {
  counted: number;
  duplicates: number;
  tooOld: number;
}

/** Writes events of one view to the online store, one pipeline per batch. */
export class OnlineWriter {
  private readonly fields: string[];
  private readonly history: number;
  constructor(
    private readonly client: OnlineClient,
    private readonly view: FeatureView,
  ) {
    ensureCommand(client);
    this.fields = storedFields(view);
    this.history = onlineHistoryMs(view);
  }

  /** Ingests a batch in one pipelined round trip (per cluster node). */
  async write(events: readonly FeatureEvent[]): Promise<WriteCounts> {
    const counts: WriteCounts = { counted: 0, duplicates: 0, tooOld: 0 };
    if (events.length === 0) return counts;
    const p = this.client.pipeline() as unknown as IngestClient & { exec(): Promise<[Error | null, unknown][] | null> };
    for (const e of events) {
      const k = onlineKeys(this.view, e.entity);
      const member = JSON.stringify([e.id, ...this.fields.map((f) => e.attrs[f] ?? null)]);
      // Keys expire (wall clock) once the entity has been idle longer than any read could use them.
      p.fsIngest(k.events, k.ids, e.id, e.timeMs, member, this.history, this.history);
    }
    for (const [err, r] of (await p.exec()) ?? []) {
      if (err) throw err;
      if (r === 1) counts.counted++;
      else if (r === 0) counts.duplicates++;
      else counts.tooOld++;
    }
    return counts;
  }
}

/** Reads feature vectors as of a time: the typed read client model servers use. */
export class FeatureReader {
  private readonly fields: string[];
  private readonly span: number;
  constructor(
    private readonly client: OnlineClient,
    private readonly view: FeatureView,
  ) {
    this.fields = storedFields(view);
    this.span = readSpanMs(view);
  }

  /** One entity's vector as of `asOf` (default now). */
  async get(entity: string, asOf: Date = new Date()): Promise<FeatureVector> {
    return (await this.getMany([entity], asOf))[entity];
  }

  /** Vectors of many entities as of `asOf` (default now), in one pipelined round trip. */
  async getMany(entities: readonly string[], asOf: Date = new Date()): Promise<Record<string, FeatureVector>> {
    const t = asOf.getTime();
    const p = this.client.pipeline();
    for (const e of entities) p.zrangebyscore(onlineKeys(this.view, e).events, `(${t - this.span}`, t, 'WITHSCORES');
    const replies = (await p.exec()) ?? [];
    const out: Record<string, FeatureVector> = {};
    entities.forEach((entity, i) => {
      const [err, flat] = replies[i] as [Error | null, string[]];
      if (err) throw err;
      out[entity] = computeVector(this.view, this.decode(flat), t);
    });
    return out;
  }

  private decode(flat: readonly string[]): StoredEvent[] {
    const events: StoredEvent[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const m = JSON.parse(flat[i]) as (string | number | boolean | null)[];
      const attrs: Record<string, string | number | boolean | null> = {};
      this.fields.forEach((f, j) => {
        attrs[f] = m[j + 1];
      });
      events.push({ id: String(m[0]), timeMs: Number(flat[i + 1]), attrs });
    }
    return events;
  }
}
