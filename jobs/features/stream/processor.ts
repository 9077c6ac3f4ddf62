import type { FeatureView } from '../definition';
import { EventParser, type FeatureEvent } from '../events';
import type { OnlineWriter, WriteCounts } from '../online/store';
import { FreshnessTracker } from './freshness';

/** One raw record from a source: a file line locally, a Kafka message on EKS. */
export interface SourceRecord {
  readonly value: string;
  /** Where it came from, for the dead letter: `<file>:<line>` or `<topic>/<partition>/<offset>`. */
  readonly position: string;
}

/** An event that broke its schema: never counted, kept with the reason. */
export interface DeadLetter {
  readonly position: string;
  readonly reason: string;
  readonly value: string;
}

/** Where dead letters go: a local JSONL file, or a dead-letter topic/prefix in production. */
export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
}

export interface ProcessStats extends WriteCounts {
  read: number;
  invalid: number;
}

/**
 * The streaming computation: records in, validated and normalized events out to the online store,
 * invalid ones to the dead letter. Pure of transport: a source adapter (file now, Kafka on EKS)
 * feeds it batches, and commits its offsets only after `processBatch` resolves (at-least-once
 * delivery; the store counts each event_id once, so re-deliveries are harmless).
 */
export class StreamProcessor {
  private readonly parser: EventParser;
  readonly stats: ProcessStats = { read: 0, invalid: 0, counted: 0, duplicates: 0, tooOld: 0 };
  /** The newest event written, for the FeatureAgeSeconds metric. */
  readonly freshness: FreshnessTracker;

  constructor(
    readonly view: FeatureView,
    private readonly writer: OnlineWriter,
    private readonly deadLetters: DeadLetterSink,
    /** The topic's JSON Schema (default: the repository's file; the EKS bundle passes it in). */
    schema?: object,
  ) {
    this.parser = new EventParser(view, schema);
    this.freshness = new FreshnessTracker(view.name);
  }

  /** Validates a batch, writes the valid events in one pipeline, the invalid to the dead letter; returns the valid events. */
  async processBatch(records: readonly SourceRecord[]): Promise<readonly FeatureEvent[]> {
    const valid: FeatureEvent[] = [];
    const dead: DeadLetter[] = [];
    for (const r of records) {
      const res = this.parser.parse(r.value);
      if (res.ok) valid.push(res.event);
      else dead.push({ position: r.position, reason: res.reason, value: r.value });
    }
    if (dead.length) await this.deadLetters.write(dead);
    const c = await this.writer.write(valid);
    this.freshness.observe(valid.map((e) => e.timeMs));
    this.stats.read += records.length;
    this.stats.invalid += dead.length;
    this.stats.counted += c.counted;
    this.stats.duplicates += c.duplicates;
    this.stats.tooOld += c.tooOld;
    return valid;
  }

  /** Drains a source of record batches. */
  async run(batches: AsyncIterable<readonly SourceRecord[]>): Promise<ProcessStats> {
    for await (const b of batches) await this.processBatch(b);
    return this.stats;
  }
}
