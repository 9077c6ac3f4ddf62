/**
 * `npm run local:demo`: the model-ops path end to end on a local AWS emulator, no AWS account.
 *
 *  1. starts moto (scripts/moto_launcher.py) on a free port,
 *  2. `cdk bootstrap` + `cdk deploy` of the LOCAL profile app (bin/local.ts: KMS key, S3 bucket,
 *     IAM role and the endpoint spec in SSM; no endpoint: the platform deploys with no model),
 *  3. registers and approves a model with `mlp`; the first rollout creates the endpoint from the
 *     spec, the second updates it, a failed rollout leaves the previous config serving, rollback,
 *  4. deploys the profile again (a stack update) and shows the endpoint still serves what was rolled out,
 *  5. stops the emulator and removes its temporary files, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateModelPackageGroupCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { LOCAL_CDK_APP } from '../lib/local/local-stack';
import { freePort, startMotoLauncher } from './moto-server';

const ROOT = path.join(__dirname, '..');
const STACK = 'MlPlatform-local-Serving';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

const NOT_MODELLED = `What the emulator does NOT model (a green local deploy is no coverage of these):
  - EKS clusters, node groups, add-ons and the Kubernetes workloads (no API server locally)
  - MSK (Kafka), ElastiCache (feature store online cache), EMR Serverless, Glue databases/tables
  - Application Auto Scaling beyond recording the target and policy (nothing scales), CloudWatch
    alarms and dashboards, Model Monitor jobs (the schedule is recorded by the launcher, nothing runs)
  - SageMaker model package groups via CloudFormation (moto skips the type; the demo creates the
    group through the API), MLflow, deployment guardrails (blue/green, canary: recorded, not run)
  - S3 bucket policies (e.g. TLS-only), KMS key policies and grants, IAM policy evaluation:
    moto accepts every call from any credentials, so no least-privilege check happens here
  - Secrets Manager secrets, VPC endpoints / private networking, real model containers (an
    endpoint here serves nothing; Updating/InService are simulated by the launcher)
The local profile deploys only: KMS key, S3 bucket, IAM role, the endpoint spec (SSM parameter).
mlp creates the SageMaker model, endpoint config and endpoint (and autoscaling, monitoring schedule).`;

const children = new Set<ChildProcess>();
let moto: ChildProcess | undefined;
let workDir: string | undefined;

function banner(text: string): void {
  process.stdout.write(process.stdout.isTTY ? `\n\x1b[1m== ${text}\x1b[0m\n` : `\n== ${text}\n`);
}

/** Runs a command, echoing it; stdout is shown and also returned. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, expectCode = 0): Promise<string> {
  process.stdout.write(`\n$ ${[cmd, ...args].map((a) => (/[\s"]/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      children.delete(child);
      process.stdout.write(`(exit ${code})\n`);
      if (code === expectCode) resolve(out);
      else reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${code}, expected ${expectCode}`));
    });
  });
}

async function startMoto(port: number): Promise<void> {
  moto = await startMotoLauncher(port, { updatingPolls: 3 });
}

function cleanup(): void {
  for (const child of children) if (child.pid) process.kill(child.pid, 'SIGTERM');
  if (moto?.pid !== undefined && moto.exitCode === null) {
    process.kill(moto.pid, 'SIGTERM');
    process.stdout.write(`Stopped the emulator (pid ${moto.pid}).\n`);
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}

async function demo(): Promise<void> {
  const started = Date.now();
  banner('Local end-to-end demo of mlp on the moto emulator');
  process.stdout.write(`${NOT_MODELLED}\n`);

  const port = await freePort();
  // CDK must reach moto as localhost: with 127.0.0.1 moto reads the bucket name from the host.
  const url = `http://localhost:${port}`;
  workDir = mkdtempSync(path.join(tmpdir(), 'mlp-local-demo-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ENDPOINT_URL: url,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };

  banner(`1. Start the emulator (moto + scripts/moto_launcher.py) on ${url}`);
  await startMoto(port);
  process.stdout.write(`moto is up (pid ${moto!.pid}).\n`);

  banner('2. cdk bootstrap + cdk deploy of the LOCAL profile (bin/local.ts)');
  const cdk = path.join(ROOT, 'node_modules', '.bin', 'cdk');
  const app = ['--app', LOCAL_CDK_APP, '--output', path.join(workDir, 'cdk.out'), '--no-notices', '--ci'];
  await run(cdk, ['bootstrap', `aws://${ACCOUNT}/${REGION}`, ...app], env);
  const outputsFile = path.join(workDir, 'outputs.json');
  await run(cdk, ['deploy', STACK, ...app, '--require-approval', 'never', '--method=direct', '--outputs-file', outputsFile], env);
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8'))[STACK] as Record<string, string>;
  const endpoint = outputs.EndpointName;
  const bucket = outputs.ArtifactBucket;
  const spec = outputs.SpecParameter;
  const group = endpoint;

  banner(`3. Model package group ${group} (created via the API: moto's CloudFormation skips this type)`);
  const sm = new SageMakerClient({ region: REGION, endpoint: url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group, ModelPackageGroupDescription: 'local demo' }));
  sm.destroy();
  process.stdout.write(`Created model package group ${group}.\n`);

  const mlp = (args: string[], expectCode = 0) => run('node', ['bin/mlp.js', ...args], env, expectCode);
  const image = (v: string) => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${endpoint}:${v}`;
  const wait = ['--poll-interval', '1s', '--timeout', '2m'];

  const register = async (version: string, metadata: string[] = []) =>
    (
      await mlp([
        'models',
        'register',
        '--group',
        group,
        '--image',
        image(version),
        '--artifact',
        `s3://${bucket}/models/${endpoint}/${version}/model.tar.gz`,
        ...metadata,
      ])
    ).trim();
  const rollout = ['endpoints', 'rollout', '--endpoint', endpoint, '--group', group, '--spec', spec, ...wait];

  banner('4. Register version 1.0.0 (pending manual approval), list, approve');
  const v1 = await register('1.0.0', ['--metadata', 'git_sha=4f2c1e9', '--metadata', 'auc=0.87']);
  await mlp(['models', 'list', '--group', group]);
  await mlp(['models', 'approve', '--package', v1, '--reason', 'AUC 0.87 on the Q3 holdout; fairness review FR-112 passed']);

  banner(`5. First rollout: the endpoint does not exist yet; mlp creates it from the spec ${spec}`);
  await mlp(rollout);
  await mlp(['endpoints', 'status', '--endpoint', endpoint]);

  banner('6. Version 1.1.0: the rollout updates the endpoint (blue/green), recording the previous config');
  const v2 = await register('1.1.0');
  await mlp(['models', 'approve', '--package', v2, '--reason', 'candidate for the November release']);
  await mlp(rollout);

  banner('7. A failed rollout: version 1.2.0 fails its health check (switch in the launcher)');
  const v3 = await register('1.2.0');
  await mlp(['models', 'approve', '--package', v3, '--reason', 'candidate for the December release']);
  await fetch(`http://127.0.0.1:${port}/mlp-test/fail-next-update`, { method: 'POST' });
  await mlp(rollout, 4);
  process.stdout.write('Exit code 4 as expected: SageMaker rolled back, the previous config (1.1.0) keeps serving.\n');
  await mlp(['endpoints', 'status', '--endpoint', endpoint]);

  banner('8. Roll back to the config before 1.1.0 (the one the first rollout created)');
  await mlp(['endpoints', 'rollback', '--endpoint', endpoint, ...wait]);

  banner('9. cdk deploy of the LOCAL profile again, with a change (data-capture sampling 50%): a stack update');
  await run(cdk, ['deploy', STACK, ...app, '--require-approval', 'never', '--method=direct', '-c', 'samplingPercentage=50'], env);
  process.stdout.write('CloudFormation does not declare the endpoint: it still serves what mlp rolled out.\n');
  await mlp(['endpoints', 'status', '--endpoint', endpoint]);
  await mlp(['models', 'list', '--group', group, '--json']);

  banner(`Demo finished in ${Math.round((Date.now() - started) / 1000)}s`);
  process.stdout.write(`${NOT_MODELLED}\n`);
}

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

demo()
  .then(() => {
    cleanup();
  })
  .catch((err: unknown) => {
    process.stderr.write(`\nlocal demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    cleanup();
    process.exitCode = 1;
  });
