/**
 * One owner of the endpoint, proven on the emulator-backed LOCAL profile (bin/local.ts, moto): a
 * rollout creates and then updates the endpoint; a later `cdk deploy` of the profile (a real stack
 * update: the spec's sampling changes) keeps the rolled-out version serving, because CloudFormation
 * no longer declares the endpoint. `cdk deploy --method=direct` as in `npm run local:demo` (moto
 * has no change sets worth the name).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LOCAL_CDK_APP, localSpecParameterName } from '../../lib/local/local-stack';
import { ACCOUNT, mlp, REGION, useMoto } from '../mlp/moto';

const ROOT = path.join(__dirname, '..', '..');
const STACK = 'MlPlatform-local-Serving';
const ENDPOINT = 'credit-scoring';
const moto = useMoto();
let workDir = '';

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'mlp-owner-'));
});
afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Runs the CDK CLI on the local profile against the emulator; resolves with its exit code and output. */
function cdk(args: string[]): Promise<{ code: number | null; output: string }> {
  // CDK must reach moto as localhost: with 127.0.0.1 moto reads S3 bucket names from the host.
  const url = moto.url.replace('127.0.0.1', 'localhost');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ENDPOINT_URL: url,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  const app = ['--app', LOCAL_CDK_APP, '--output', path.join(workDir, 'cdk.out'), '--no-notices', '--ci'];
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'cdk'), [...args, ...app], { cwd: ROOT, env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function register(version: string): Promise<string> {
  const run = await mlp(moto, [
    'models',
    'register',
    '--group',
    ENDPOINT,
    '--image',
    `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${ENDPOINT}:${version}`,
    '--artifact',
    `s3://local-artifacts/models/${ENDPOINT}/${version}/model.tar.gz`,
  ]);
  const arn = run.stdout.trim();
  expect((await mlp(moto, ['models', 'approve', '--package', arn, '--reason', `release ${version}`])).code).toBe(0);
  return arn;
}

async function servedPackage(): Promise<{ config: string; packageArn: string | undefined; status: string | undefined }> {
  const e = await moto.client.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }));
  const config = await moto.client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: e.EndpointConfigName }));
  const tags = await moto.client.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }));
  return {
    config: e.EndpointConfigName!,
    packageArn: tags.Tags?.find((t) => t.Key === 'mlp:model-package-arn')?.Value,
    status: e.EndpointStatus,
  };
}

test('a rollout followed by a cdk deploy of the local profile keeps the rolled-out version', async () => {
  // GIVEN the local profile deployed (no endpoint in it) and the model's registry group
  expect((await cdk(['bootstrap', `aws://${ACCOUNT}/${REGION}`])).code).toBe(0);
  const first = await cdk([
    'deploy',
    STACK,
    '--require-approval',
    'never',
    '--method=direct',
    '--outputs-file',
    path.join(workDir, 'outputs.json'),
  ]);
  expect({ code: first.code, tail: first.output.slice(-400) }).toEqual({ code: 0, tail: expect.any(String) });
  const outputs = JSON.parse(readFileSync(path.join(workDir, 'outputs.json'), 'utf8'))[STACK];
  expect(outputs.SpecParameter).toBe(localSpecParameterName(ENDPOINT));
  const template = JSON.parse(readFileSync(path.join(workDir, 'cdk.out', `${STACK}.template.json`), 'utf8'));
  const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
  expect(types.filter((t) => /SageMaker::(Model|EndpointConfig|Endpoint)$/.test(t))).toEqual([]);
  await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: ENDPOINT }));
  const rollout = [
    'endpoints',
    'rollout',
    '--endpoint',
    ENDPOINT,
    '--group',
    ENDPOINT,
    '--spec',
    outputs.SpecParameter,
    '--poll-interval',
    '1s',
  ];

  // WHEN version 1.0.0 is rolled out (creates the endpoint), then 1.1.0 (updates it)
  await register('1.0.0');
  const created = await mlp(moto, rollout);
  expect([created.code, created.stdout]).toEqual([0, expect.stringMatching(/^Rollout succeeded: created credit-scoring/)]);
  const v2 = await register('1.1.0');
  const updated = await mlp(moto, rollout);
  expect([updated.code, updated.stdout]).toEqual([0, expect.stringMatching(/^Rollout succeeded: credit-scoring is InService on /)]);
  const before = await servedPackage();
  expect(before).toMatchObject({ packageArn: v2, status: 'InService' });

  // AND the local profile is deployed again with a change (a real stack update)
  const again = await cdk(['deploy', STACK, '--require-approval', 'never', '--method=direct', '-c', 'samplingPercentage=50']);
  expect({ code: again.code, tail: again.output.slice(-400) }).toEqual({ code: 0, tail: expect.any(String) });

  // THEN the stack did change, and the endpoint still serves 1.1.0 on the rolled-out config
  const ssm = new SSMClient({ region: REGION, endpoint: moto.url });
  const spec = JSON.parse((await ssm.send(new GetParameterCommand({ Name: outputs.SpecParameter }))).Parameter!.Value!);
  ssm.destroy();
  expect(spec.dataCapture.samplingPercentage).toBe(50);
  expect(await servedPackage()).toEqual(before);
}, 300_000);
