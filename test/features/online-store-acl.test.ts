import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import Redis from 'iovalkey';
import { OnlineFeatureStore } from '../../constructs';
import type { FeatureEvent } from '../../jobs/features/events';
import { type RunningRedis, startRedis } from '../../jobs/features/local-redis';
import { FeatureReader, OnlineWriter } from '../../jobs/features/online/store';
import { APPLICANT_TXN_AGGREGATES_VIEW as VIEW } from '../../lib/features';
import { testStack } from '../util';

/** The access strings OnlineFeatureStore gives its reader and writer users, from its template. */
function accessStrings(): { reader: string; writer: string } {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'I', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  new OnlineFeatureStore(stack, 'Store', {
    vpc,
    namePrefix: 'tf',
    encryptionKey: new kms.Key(stack, 'K'),
    logsKey: new kms.Key(stack, 'L'),
  });
  const users = Object.values(Template.fromStack(stack).findResources('AWS::ElastiCache::User')) as any[];
  const of = (id: string) => users.find((u) => u.Properties.UserId === id).Properties.AccessString as string;
  return { reader: of('tf-reader'), writer: of('tf-writer') };
}

const EVENT: FeatureEvent = {
  id: 'e-1',
  entity: 'A-1',
  entityValues: { applicant_id: 'A-1' },
  timeMs: Date.parse('2026-11-29T11:30:00Z'),
  attrs: { amount: 12.5, merchant_id: 'm-1', status: 'approved' },
};

let redis: RunningRedis;
let admin: Redis;
const clients: Redis[] = [];
/** A client logged in as a user created with exactly `access` (ElastiCache access strings are Redis ACL rules). */
async function clientAs(user: string, access: string): Promise<Redis> {
  await admin.call('ACL', 'SETUSER', user, 'reset', ...access.split(' '), 'nopass');
  const c = new Redis(redis.url, { username: user, password: 'x' });
  clients.push(c);
  return c;
}
beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  admin?.disconnect();
  await redis?.stop();
});

describe("the store users' access strings on a real redis-server", () => {
  test('the writer runs the ingest script (EVALSHA/EVAL) on fs:* keys; the reader reads the vector', async () => {
    // GIVEN users with the construct's access strings
    const { reader, writer } = accessStrings();
    const w = await clientAs('writer', writer);
    const r = await clientAs('reader', reader);
    // WHEN the writer ingests an event and the reader reads as of noon
    const counts = await new OnlineWriter(w, VIEW).write([EVENT]);
    const v = await new FeatureReader(r, VIEW).get('A-1', new Date('2026-11-29T12:00:00Z'));
    // THEN
    expect(counts.counted).toBe(1);
    expect(v.txn_count_1h).toBe(1);
    expect(v.txn_amount_sum_1h).toBe(12.5);
  });

  test('the check can fail: without +eval +evalsha the writer is refused; the reader cannot write', async () => {
    // GIVEN the writer's string without the two scripting commands, and the reader's
    const { reader, writer } = accessStrings();
    const noScripts = await clientAs('noscripts', writer.replace(' +eval +evalsha', ''));
    const r = await clientAs('reader2', reader);
    // WHEN / THEN
    await expect(new OnlineWriter(noScripts, VIEW).write([EVENT])).rejects.toThrow(/NOPERM/);
    await expect(r.set('fs:x', '1')).rejects.toThrow(/NOPERM/);
    await expect(r.eval('return 1', 0)).rejects.toThrow(/NOPERM/);
  });
});
