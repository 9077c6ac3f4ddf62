import type { DeadLetter, DeadLetterSink, SourceRecord, StreamProcessor } from './processor';

/**
 * The Kafka source adapter of the stream processor (production: kafkajs on EKS). It is written
 * against the small part of kafkajs' consumer and producer it uses, so tests drive it with a fake
 * consumer that feeds batches (there is no broker on the build machines).
 *
 * Contract: offsets of a batch are committed only after the processor has written the batch (dead
 * letters produced, online pipeline resolved). A failure before that commits nothing, so the batch
 * is delivered again; the store counts each event_id once, so re-delivery is harmless.
 */

/** One message of a batch (kafkajs `KafkaMessage`, the fields used). */
export interface KafkaMessageLike {
  readonly offset: string;
  readonly value: Buffer | null;
}

/** The `eachBatch` payload (kafkajs `EachBatchPayload`, the fields used). */
export interface KafkaBatchPayload {
  readonly batch: { readonly topic: string; readonly partition: number; readonly messages: readonly KafkaMessageLike[] };
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
}

/** kafkajs `Consumer`, the methods used. */
export interface KafkaConsumerLike {
  subscribe(options: { topics: string[]; fromBeginning: boolean }): Promise<void>;
  run(options: { autoCommit: false; eachBatchAutoResolve: false; eachBatch: (payload: KafkaBatchPayload) => Promise<void> }): Promise<void>;
  commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>;
}

/** kafkajs `Producer`, the method used. */
export interface KafkaProducerLike {
  send(record: { topic: string; acks: number; messages: Array<{ key: string; value: string }> }): Promise<unknown>;
}

/** Dead letters produced to the topic's dead-letter topic, one JSON `{position, reason, value}` per record, acknowledged by all in-sync replicas. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: KafkaProducerLike,
    readonly topic: string,
  ) {}

  async write(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: letters.map((l) => ({ key: l.position, value: JSON.stringify(l) })),
    });
  }
}

/** The records of a batch, with `<topic>/<partition>/<offset>` positions; a null value (tombstone) is an empty record (invalid). */
export function batchRecords(batch: KafkaBatchPayload['batch']): SourceRecord[] {
  return batch.messages.map((m) => ({
    value: m.value === null ? '' : m.value.toString('utf8'),
    position: `${batch.topic}/${batch.partition}/${m.offset}`,
  }));
}

/** Offset to commit after a batch: the one after its last message. */
export function nextOffset(batch: KafkaBatchPayload['batch']): string | undefined {
  const last = batch.messages.at(-1);
  return last === undefined ? undefined : (BigInt(last.offset) + 1n).toString();
}

/**
 * Runs the processor on a topic: subscribes, and for every batch processes all its records (valid
 * ones into the online store, invalid ones to the dead-letter sink) and then commits the offset
 * after the batch's last message. Returns when the consumer's run loop returns.
 */
export async function consumeTopic(consumer: KafkaConsumerLike, topic: string, processor: StreamProcessor): Promise<void> {
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      if (!payload.isRunning() || payload.isStale()) return;
      const { batch } = payload;
      await processor.processBatch(batchRecords(batch));
      const offset = nextOffset(batch);
      if (offset !== undefined) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
      await payload.heartbeat();
    },
  });
}
