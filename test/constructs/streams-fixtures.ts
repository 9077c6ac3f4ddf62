import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import type {
  FeatureJobsApplication,
  KafkaClusterRef,
  OnlineFeatureStore,
  SparkApplication,
  StreamingCluster,
  WritableOnlineStore,
} from '../../constructs';
import { writeJobBundle } from '../../jobs/features/batch/bundle';
import { APPLICANT_TXN_AGGREGATES_VIEW } from '../../lib/features/views';
import { testApp } from '../util';

/** A cluster reference with a concrete ARN, so topic and group ARNs read plainly in assertions. */
export const CLUSTER: KafkaClusterRef = {
  clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/dev-events/0b2c3d4e-1111-2222-3333-444455556666-2',
  clusterName: 'dev-events',
  clusterUuid: '0b2c3d4e-1111-2222-3333-444455556666-2',
};
export const TOPIC_ARN_PREFIX = 'arn:aws:kafka:eu-west-1:123456789012:topic/dev-events/0b2c3d4e-1111-2222-3333-444455556666-2/';
export const GROUP_ARN_PREFIX = 'arn:aws:kafka:eu-west-1:123456789012:group/dev-events/0b2c3d4e-1111-2222-3333-444455556666-2/';

/** The card-transactions event schema, as F12a's schemas/topics file declares it (a fixture, not the file). */
export const CARD_TRANSACTIONS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'card-transactions',
  type: 'object',
  required: ['event_id', 'applicant_id', 'merchant_id', 'amount', 'status', 'event_time'],
  additionalProperties: false,
  properties: {
    event_id: { type: 'string', minLength: 1 },
    applicant_id: { type: 'string', minLength: 1 },
    merchant_id: { type: 'string', minLength: 1 },
    amount: { type: 'number', minimum: 0 },
    status: { enum: ['approved', 'declined'] },
    event_time: { type: 'string', format: 'date-time' },
  },
};

/** A temp dir with files (name -> content); returns the dir. */
export function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'f12-infra-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** A schema file in a temp dir. */
export function schemaFile(content: unknown = CARD_TRANSACTIONS_SCHEMA): string {
  const dir = tempFiles({ 'schema.json': typeof content === 'string' ? content : JSON.stringify(content, null, 2) });
  return join(dir, 'schema.json');
}

/** An app with the three compliance packs, and a minimal stack in it with the lake's key and bucket. */
export function nagStack(): { app: App; stack: Stack; lakeKey: kms.Key; logsKey: kms.Key; bucket: s3.Bucket } {
  const app = testApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new NIST80053R5Checks(app));
  const stack = new Stack(app, 'Minimal', { env: { account: '123456789012', region: 'eu-west-1' } });
  const { lakeKey, logsKey, bucket } = lakeParts(stack);
  return { app, stack, lakeKey, logsKey, bucket };
}

/** Keys and a compliant lake bucket (what DataLake gives), for construct tests; created once per stack. */
export function lakeParts(stack: Stack): { lakeKey: kms.Key; logsKey: kms.Key; bucket: s3.Bucket; logs: s3.Bucket } {
  if (stack.node.tryFindChild('LakeKey')) {
    const child = <T>(id: string) => stack.node.findChild(id) as T;
    return { lakeKey: child('LakeKey'), logsKey: child('LogsKey'), bucket: child('RawBucket'), logs: child('AccessLogs') };
  }
  const lakeKey = new kms.Key(stack, 'LakeKey', { enableKeyRotation: true });
  const logsKey = new kms.Key(stack, 'LogsKey', { enableKeyRotation: true });
  const logs = new s3.Bucket(stack, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });
  const bucket = new s3.Bucket(stack, 'RawBucket', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: lakeKey,
    bucketKeyEnabled: true,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    serverAccessLogsBucket: logs,
  });
  return { lakeKey, logsKey, bucket, logs };
}

/**
 * Findings of the compliance packs on the app's synth for constructs under `pathPrefix` (e.g.
 * `Minimal/Streams`), one `<path> <rule id>` line each; empty when there are none. Findings on the
 * fixture's own resources (buckets without replication, the test grantee's inline policy) are not
 * the construct's and are left out.
 */
export function complianceFindings(app: App, pathPrefix: string): string[] {
  try {
    app.synth();
    return [];
  } catch (err) {
    const text = String((err as Error).message);
    const findings: string[] = [];
    const block = /ERROR [^\n]*\n\s+(\S+) [^\n]*\n\s+Acknowledge with '([^']+)'/g;
    for (const m of text.matchAll(block)) {
      if (m[1] === pathPrefix || m[1].startsWith(`${pathPrefix}/`)) findings.push(`${m[1]} ${m[2]}`);
    }
    if (!/Acknowledge with/.test(text)) throw err;
    return findings;
  }
}

/**
 * The platform's existing constructs fit the narrow interfaces the new constructs take: tsc fails
 * here if StreamingCluster, OnlineFeatureStore or SparkApplication stop fitting.
 */
export function existingConstructsFit(
  msk: StreamingCluster,
  store: OnlineFeatureStore,
  spark: SparkApplication,
): [KafkaClusterRef, WritableOnlineStore, FeatureJobsApplication] {
  return [msk, store, spark];
}

/** The applicant_txn_aggregates job bundle, written by the real `writeJobBundle` into a temp dir (once). */
let bundleDir: string | undefined;
export function jobBundle(): { directory: string } {
  if (!bundleDir) {
    bundleDir = mkdtempSync(join(tmpdir(), 'f12-bundle-'));
    writeJobBundle(APPLICANT_TXN_AGGREGATES_VIEW, bundleDir);
  }
  return { directory: bundleDir };
}
