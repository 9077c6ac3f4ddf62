import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { STREAM_BUNDLE_FILE, streamBundlePath } from '../../lib/features/bundles';

/** Runs the bundle alone (no node_modules next to it, as in the pod) with only `env`. */
function run(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [streamBundlePath()], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: '/',
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr.trim() };
}

const ENV = {
  AWS_REGION: 'eu-west-1',
  KAFKA_BOOTSTRAP_BROKERS: 'b-1.example:9098',
  KAFKA_TOPIC: 'card-transactions',
  KAFKA_CONSUMER_GROUP: 'feature-stream-applicant_txn_aggregates',
  KAFKA_DEAD_LETTER_TOPIC: 'card-transactions-dlq',
  STORE_ENDPOINT: 'clustercfg.example',
  STORE_PORT: '6380',
  STORE_USER: 'dev-features-writer',
  STORE_REPLICATION_GROUP: 'dev-features',
  FEATURE_SCHEMA: '{"type":"object"}',
};

describe('the streaming consumer bundle (esbuild at synth)', () => {
  test('is one self-contained CommonJS file that runs under Node with nothing beside it', () => {
    // GIVEN the bundle the Features stack ships
    const file = streamBundlePath();
    expect(file.endsWith(STREAM_BUNDLE_FILE)).toBe(true);
    // WHEN it starts without its configuration
    const r = run({});
    // THEN it exits 1 with one line naming what is missing (it loaded kafkajs, iovalkey, the SDK signer)
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'feature-stream: FEATURE_VIEW, AWS_REGION, KAFKA_BOOTSTRAP_BROKERS, KAFKA_TOPIC, KAFKA_CONSUMER_GROUP, KAFKA_DEAD_LETTER_TOPIC, STORE_ENDPOINT, STORE_PORT, STORE_USER, STORE_REPLICATION_GROUP, FEATURE_SCHEMA not set; the chart sets them (k8s/charts/feature-stream.ts)',
    );
    expect(readFileSync(file, 'utf8')).not.toMatch(/require\("(kafkajs|iovalkey|aws-msk-iam-sasl-signer-js|ajv)"\)/);
  });

  test('a bad view or schema is one line naming the value and what is allowed', () => {
    expect(run({ ...ENV, FEATURE_VIEW: 'nope' })).toEqual({
      status: 1,
      stderr: "feature-stream: FEATURE_VIEW 'nope' is not a view; allowed applicant_txn_aggregates",
    });
    expect(run({ ...ENV, FEATURE_VIEW: 'applicant_txn_aggregates', FEATURE_SCHEMA: '{oops' }).stderr).toMatch(
      /^feature-stream: FEATURE_SCHEMA is not JSON \(.*\); expected the topic's JSON Schema$/,
    );
  });
});
