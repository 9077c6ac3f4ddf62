import Redis from 'iovalkey';
import { type RunningRedis, startRedis } from '../../jobs/features/local-redis';
import { FeatureReader, OnlineWriter } from '../../jobs/features/online/store';
import {
  consumeTopic,
  type KafkaBatchPayload,
  type KafkaConsumerLike,
  KafkaDeadLetterSink,
  type KafkaProducerLike,
} from '../../jobs/features/stream/kafka-source';
import { StreamProcessor } from '../../jobs/features/stream/processor';
import { APPLICANT_TXN_AGGREGATES_VIEW as VIEW } from '../../lib/features';

/** A fake kafkajs consumer: feeds the given batches to eachBatch in order and records every call. */
class FakeConsumer implements KafkaConsumerLike {
  readonly log: string[] = [];
  readonly commits: Array<{ topic: string; partition: number; offset: string }> = [];
  constructor(private readonly batches: KafkaBatchPayload['batch'][]) {}
  async subscribe(o: { topics: string[]; fromBeginning: boolean }) {
    this.log.push(`subscribe ${o.topics.join(',')}`);
  }
  async run(o: Parameters<KafkaConsumerLike['run']>[0]) {
    expect({ autoCommit: o.autoCommit, eachBatchAutoResolve: o.eachBatchAutoResolve }).toEqual({
      autoCommit: false,
      eachBatchAutoResolve: false,
    });
    for (const batch of this.batches) {
      await o.eachBatch({ batch, heartbeat: async () => {}, isRunning: () => true, isStale: () => false });
    }
  }
  async commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>) {
    this.log.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`);
    this.commits.push(...offsets);
  }
}

class FakeProducer implements KafkaProducerLike {
  readonly sent: Array<{ topic: string; acks: number; messages: Array<{ key: string; value: string }> }> = [];
  constructor(private readonly log: string[]) {}
  async send(record: { topic: string; acks: number; messages: Array<{ key: string; value: string }> }) {
    this.log.push(`dead-letter ${record.messages.length}`);
    this.sent.push(record);
  }
}

const event = (id: string, applicant: string, amount: number, time: string) =>
  JSON.stringify({ event_id: id, applicant_id: applicant, merchant_id: 'm-1', amount, status: 'approved', event_time: time });
const message = (offset: number, value: string | null) => ({ offset: String(offset), value: value === null ? null : Buffer.from(value) });

let redis: RunningRedis;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});
beforeEach(async () => {
  await client.flushall();
});

describe('Kafka source adapter', () => {
  test('offsets are committed after each batch is written; a bad record goes to the dead-letter topic with its reason', async () => {
    // GIVEN two batches of partition 4: the first has a record breaking the schema and a tombstone
    const batches = [
      {
        topic: 'card-transactions',
        partition: 4,
        messages: [
          message(10, event('e-1', 'A-1', 10, '2026-11-29T11:00:00Z')),
          message(11, JSON.stringify({ event_id: 'e-2', applicant_id: 'A-1', amount: -5 })),
          message(12, null),
        ],
      },
      { topic: 'card-transactions', partition: 4, messages: [message(13, event('e-3', 'A-1', 5.5, '2026-11-29T11:30:00Z'))] },
    ];
    const consumer = new FakeConsumer(batches);
    const producer = new FakeProducer(consumer.log);
    const writer = new OnlineWriter(client, VIEW);
    // Each online write is logged when it has resolved.
    const write = writer.write.bind(writer);
    writer.write = async (events) => {
      const counts = await write(events);
      consumer.log.push(`written ${events.length}`);
      return counts;
    };
    const processor = new StreamProcessor(VIEW, writer, new KafkaDeadLetterSink(producer, 'card-transactions-dlq'));

    // WHEN the adapter consumes the topic
    await consumeTopic(consumer, 'card-transactions', processor);

    // THEN each commit comes after its batch's dead letters and online write, at the offset after the batch
    expect(consumer.log).toEqual(['subscribe card-transactions', 'dead-letter 2', 'written 1', 'commit 4@13', 'written 1', 'commit 4@14']);
    // AND the bad records are on the dead-letter topic with position and a one-line reason, acked by all replicas
    expect(producer.sent).toHaveLength(1);
    expect(producer.sent[0].topic).toBe('card-transactions-dlq');
    expect(producer.sent[0].acks).toBe(-1);
    const letters = producer.sent[0].messages.map((m) => JSON.parse(m.value));
    expect(letters.map((l) => l.position)).toEqual(['card-transactions/4/11', 'card-transactions/4/12']);
    expect(producer.sent[0].messages.map((m) => m.key)).toEqual(['card-transactions/4/11', 'card-transactions/4/12']);
    for (const l of letters) expect(l.reason).toMatch(/^[^\n]+$/);
    expect(letters[0].reason).toMatch(/amount|merchant_id/);
    // AND only the valid events count
    const v = await new FeatureReader(client, VIEW).get('A-1', new Date('2026-11-29T12:00:00Z'));
    expect(v.txn_count_24h).toBe(2);
    expect(v.txn_amount_sum_24h).toBe(15.5);
  });

  test('a failed write commits nothing, so the batch is delivered again (and counts once)', async () => {
    // GIVEN a store write that fails the first time
    const batch = { topic: 'card-transactions', partition: 0, messages: [message(7, event('e-9', 'A-2', 3, '2026-11-29T11:59:00Z'))] };
    const writer = new OnlineWriter(client, VIEW);
    const write = writer.write.bind(writer);
    let calls = 0;
    writer.write = async (events) => {
      calls++;
      if (calls === 1) {
        await write(events); // the pipeline reached the store, then the connection dropped
        throw new Error('connection reset');
      }
      return write(events);
    };
    const first = new FakeConsumer([batch]);
    const processor = new StreamProcessor(VIEW, writer, new KafkaDeadLetterSink(new FakeProducer(first.log), 'dlq'));

    // WHEN the first delivery fails
    await expect(consumeTopic(first, 'card-transactions', processor)).rejects.toThrow('connection reset');
    // THEN nothing was committed
    expect(first.commits).toEqual([]);

    // WHEN the batch is delivered again
    const second = new FakeConsumer([batch]);
    await consumeTopic(second, 'card-transactions', processor);
    // THEN it is committed and the event counts once
    expect(second.commits).toEqual([{ topic: 'card-transactions', partition: 0, offset: '8' }]);
    expect((await new FeatureReader(client, VIEW).get('A-2', new Date('2026-11-29T12:00:00Z'))).txn_count_1h).toBe(1);
  });
});
