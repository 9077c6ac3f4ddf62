/**
 * The streaming computation on EKS (bundled into one .mjs at synth, fetched by the pod's init
 * container): a kafkajs consumer with MSK IAM auth feeding the stream processor, writing the online
 * store (ElastiCache, cluster mode, TLS, IAM auth as the writer user) and producing rejects to the
 * dead-letter topic. Configuration comes from the environment the chart sets; a missing or bad value
 * exits with one line naming it.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Cluster } from 'iovalkey';
import { Kafka, logLevel } from 'kafkajs';
import { FEATURE_VIEWS } from '../../../lib/features/views';
import { featureViewProblems } from '../definition';
import { OnlineWriter } from '../online/store';
import { FEATURE_FRESHNESS_NAMESPACE } from './freshness';
import { consumeTopic, type KafkaConsumerLike, KafkaDeadLetterSink } from './kafka-source';
import { StreamProcessor } from './processor';

const REQUIRED = [
  'FEATURE_VIEW',
  'AWS_REGION',
  'KAFKA_BOOTSTRAP_BROKERS',
  'KAFKA_TOPIC',
  'KAFKA_CONSUMER_GROUP',
  'KAFKA_DEAD_LETTER_TOPIC',
  'STORE_ENDPOINT',
  'STORE_PORT',
  'STORE_USER',
  'STORE_REPLICATION_GROUP',
  'FEATURE_SCHEMA',
] as const;

/** An ElastiCache IAM auth token: a SigV4-presigned `connect` request for the user, valid 15 minutes. */
async function elastiCacheToken(region: string, replicationGroup: string, user: string): Promise<string> {
  const signer = new SignatureV4({ service: 'elasticache', region, credentials: defaultProvider(), sha256: Sha256 });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: replicationGroup,
      path: '/',
      query: { Action: 'connect', User: user },
      headers: { host: replicationGroup },
    },
    { expiresIn: 900 },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${replicationGroup}/?${query}`;
}

async function main(): Promise<void> {
  const env = Object.fromEntries(REQUIRED.map((k) => [k, process.env[k] ?? '']));
  const missing = REQUIRED.filter((k) => env[k] === '');
  if (missing.length > 0)
    throw new Error(`feature-stream: ${missing.join(', ')} not set; the chart sets them (k8s/charts/feature-stream.ts)`);
  const view = FEATURE_VIEWS.find((v) => v.name === env.FEATURE_VIEW);
  if (!view)
    throw new Error(
      `feature-stream: FEATURE_VIEW '${env.FEATURE_VIEW}' is not a view; allowed ${FEATURE_VIEWS.map((v) => v.name).join(', ')}`,
    );
  const problems = featureViewProblems(view);
  if (problems.length > 0) throw new Error(`feature-stream: ${problems.join('; ')}`);
  const region = env.AWS_REGION;
  let schema: object;
  try {
    schema = JSON.parse(env.FEATURE_SCHEMA);
  } catch (err) {
    throw new Error(`feature-stream: FEATURE_SCHEMA is not JSON (${(err as Error).message}); expected the topic's JSON Schema`);
  }

  const token = () => elastiCacheToken(region, env.STORE_REPLICATION_GROUP, env.STORE_USER);
  const store = new Cluster([{ host: env.STORE_ENDPOINT, port: Number(env.STORE_PORT) }], {
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: { tls: {}, username: env.STORE_USER, password: await token() },
  });
  // New connections (failover, resharding, reconnects) authenticate with a fresh token.
  const refresh = setInterval(() => {
    token().then(
      (t) => {
        if (store.options.redisOptions) store.options.redisOptions.password = t;
      },
      (err) => console.error(`feature-stream: cannot refresh the store token: ${(err as Error).message}`),
    );
  }, 10 * 60_000);

  const kafka = new Kafka({
    clientId: `feature-stream-${view.name}`,
    brokers: env.KAFKA_BOOTSTRAP_BROKERS.split(','),
    ssl: true,
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }) },
    logLevel: logLevel.WARN,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: env.KAFKA_CONSUMER_GROUP });
  await producer.connect();
  await consumer.connect();
  const processor = new StreamProcessor(
    view,
    new OnlineWriter(store, view),
    new KafkaDeadLetterSink(producer, env.KAFKA_DEAD_LETTER_TOPIC),
    schema,
  );

  // Feature freshness (FeatureAgeSeconds) every minute: the freshness alarm and SLO read it.
  const cloudwatch = new CloudWatchClient({ region });
  const publish = setInterval(() => {
    const datum = processor.freshness.datum(Date.now());
    if (!datum) return;
    cloudwatch
      .send(
        new PutMetricDataCommand({ Namespace: FEATURE_FRESHNESS_NAMESPACE, MetricData: [{ ...datum, Dimensions: [...datum.Dimensions] }] }),
      )
      .catch((err: Error) => console.error(`feature-stream: cannot publish FeatureAgeSeconds: ${err.message}`));
  }, 60_000);

  const stop = async () => {
    clearInterval(refresh);
    clearInterval(publish);
    await consumer.disconnect();
    await producer.disconnect();
    store.disconnect();
    console.error(`feature-stream: stopped; ${JSON.stringify(processor.stats)}`);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await consumeTopic(consumer as unknown as KafkaConsumerLike, env.KAFKA_TOPIC, processor);
}

main().catch((err: Error) => {
  console.error(err.message.split('\n')[0]);
  process.exit(1);
});
