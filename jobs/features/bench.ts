/**
 * `npm run bench:features`: a report (not a test) of the streaming computation on this machine:
 * events/s through the processor (parse, schema check, pipelined Lua ingest) into a local
 * redis-server, event-to-online-value latency at a steady arrival rate, and the read latency of a
 * 50-feature vector. The processor is one Node process (one core); redis-server runs beside it.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Redis from 'iovalkey';
import { APPLICANT_TXN_AGGREGATES_VIEW } from '../../lib/features/views';
import type { FeatureDefinition, FeatureView } from './definition';
import { startRedis } from './local-redis';
import { FeatureReader, OnlineWriter } from './online/store';
import { type SourceRecord, StreamProcessor } from './stream/processor';

const T0 = Date.parse('2026-11-29T12:00:00Z');
const noDeadLetters = { write: async () => {} };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function events(n: number, entities: number, spanMs: number, prefix: string): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (let i = 0; i < n; i++) {
    const value = JSON.stringify({
      event_id: `${prefix}-${i}`,
      applicant_id: `A-${i % entities}`,
      merchant_id: `m-${(i * 7) % 40}`,
      amount: ((i * 37) % 50000) / 100,
      status: i % 5 === 0 ? 'declined' : 'approved',
      event_time: new Date(T0 - Math.floor((((i * 7919) % 1000) / 1000) * spanMs)).toISOString(),
    });
    out.push({ value, position: `bench:${i}` });
  }
  return out;
}

/** A 50-feature view over the same topic: every aggregation over six windows, with and without filters. */
function fiftyFeatureView(): FeatureView {
  const windows = ['15m', '1h', '6h', '24h', '7d', '30d'] as const;
  const approved = { field: 'status', op: '==', value: 'approved' } as const;
  const features: FeatureDefinition[] = [];
  for (const w of windows) {
    features.push(
      { name: `count_${w}`, aggregation: 'count', window: w },
      { name: `approved_sum_${w}`, aggregation: 'sum', field: 'amount', window: w, filter: approved },
      { name: `max_${w}`, aggregation: 'max', field: 'amount', window: w },
      { name: `min_${w}`, aggregation: 'min', field: 'amount', window: w },
      { name: `avg_${w}`, aggregation: 'avg', field: 'amount', window: w },
      { name: `merchants_${w}`, aggregation: 'distinct_count', field: 'merchant_id', window: w },
      { name: `declined_ratio_${w}`, aggregation: 'ratio', window: w, numerator: { field: 'status', op: '==', value: 'declined' } },
      { name: `last_merchant_${w}`, aggregation: 'last', field: 'merchant_id', window: w },
    );
  }
  features.push(
    { name: 'approved_count_30d', aggregation: 'count', window: '30d', filter: approved },
    { name: 'last_amount_30d', aggregation: 'last', field: 'amount', window: '30d' },
  );
  return { ...APPLICANT_TXN_AGGREGATES_VIEW, name: 'bench_fifty_features', features };
}

async function main(): Promise<void> {
  const server = await startRedis();
  const client = new Redis(server.url);
  try {
    const view = APPLICANT_TXN_AGGREGATES_VIEW;
    // 1. Throughput: 200,000 events of 10,000 applicants over 30 days, batches of 500.
    const n = 200_000;
    const input = events(n, 10_000, 30 * 86_400_000, 'thr');
    const proc = new StreamProcessor(view, new OnlineWriter(client, view), noDeadLetters);
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const redis0 = cpuSeconds(server.pid);
    for (let i = 0; i < n; i += 500) await proc.processBatch(input.slice(i, i + 500));
    const secs = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const nodeCpu = (cpu.user + cpu.system) / 1e6;
    const redisCpu = cpuSeconds(server.pid) - redis0;

    // 2. Freshness: 5,000 events/s arriving one by one for 4 s; the processor takes whatever has
    // arrived (micro-batches), like a consumer's poll loop. Latency = arrival → ingest acknowledged
    // (from then on a read returns the new value; checked below).
    const live = events(20_000, 2_000, 3_600_000, 'live');
    const arrived: number[] = [];
    const latencies: number[] = [];
    const fresh = new StreamProcessor(view, new OnlineWriter(client, view), noDeadLetters);
    const start = performance.now();
    let next = 0;
    while (next < live.length) {
      const now = performance.now();
      const due = Math.min(live.length, Math.floor(((now - start) / 1000) * 5000));
      if (due > next) {
        for (let i = next; i < due; i++) arrived[i] = start + (i / 5000) * 1000;
        await fresh.processBatch(live.slice(next, due));
        const done = performance.now();
        for (let i = next; i < due; i++) latencies.push(done - arrived[i]);
        next = due;
      } else {
        await new Promise((r) => setImmediate(r));
      }
    }
    const reader = new FeatureReader(client, view);
    const check = await reader.get('A-1999', new Date(T0));
    if (!((check.txn_count_1h as number) > 0)) throw new Error('freshness check: the ingested events are not readable');

    // 3. Read latency of a 50-feature vector: 2,000 applicants with 100 events each in 30 days.
    const fifty = fiftyFeatureView();
    const reads = new StreamProcessor(fifty, new OnlineWriter(client, fifty), noDeadLetters);
    const hist = events(200_000, 2_000, 30 * 86_400_000, 'hist');
    for (let i = 0; i < hist.length; i += 500) await reads.processBatch(hist.slice(i, i + 500));
    const fiftyReader = new FeatureReader(client, fifty);
    // A model server reads in a warm process that ingests nothing: 500 reads first (JIT compilation)
    // are not recorded, and the garbage of the ingestion phases above is collected first when the
    // bench runs with --expose-gc (npm run bench:features does).
    (globalThis as { gc?: () => void }).gc?.();
    for (let i = 0; i < 500; i++) await fiftyReader.get(`A-${(i * 7) % 2000}`, new Date(T0));
    const readMs: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const t1 = performance.now();
      const v = await fiftyReader.get(`A-${(i * 13) % 2000}`, new Date(T0));
      readMs.push(performance.now() - t1);
      if (i === 0 && Object.keys(v).length !== 50) throw new Error(`expected 50 features, got ${Object.keys(v).length}`);
    }

    const r = (x: number) => x.toFixed(2);
    console.log(`features benchmark (node ${process.version}, redis-server on loopback, processor in one Node process)`);
    console.log(
      `throughput:  ${Math.round(n / secs).toLocaleString('en')} events/s wall clock (${n.toLocaleString('en')} events, 10,000 applicants, batches of 500); ` +
        `${Math.round(n / nodeCpu).toLocaleString('en')} events per CPU-second of the processor (${nodeCpu.toFixed(1)} s CPU); redis-server used ${redisCpu.toFixed(1)} s CPU`,
    );
    console.log(
      `freshness:   event arrival -> online value p50 ${r(pct(latencies, 50))} ms, p99 ${r(pct(latencies, 99))} ms (5,000 events/s for 4 s)`,
    );
    console.log(
      `online read: 50-feature vector, 100 events per entity in 30 days: p50 ${r(pct(readMs, 50))} ms, p99 ${r(pct(readMs, 99))} ms (5,000 reads after 500 warm-up reads)`,
    );
  } finally {
    client.disconnect();
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:features: ${(e as Error).message}\n`);
  process.exit(1);
});
