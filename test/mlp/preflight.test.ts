/**
 * `mlp preflight` against a real moto server (scripts/moto_launcher.py) whose account is dev's, so
 * the real dev config is checked unchanged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ec2InstanceSpec } from '../../lib/catalog';
import { ENVIRONMENTS } from '../../lib/config';
import { configuredImages, configuredRoleArns } from '../../mlp/commands/preflight';
import { BOOTSTRAP, EC2_VCPU_QUOTAS, SERVICE_LINKED_ROLES, SPOT_SERVICE_LINKED_ROLE } from '../../mlp/preflight/tables';
import { mlp, useMoto } from './moto';

const dev = ENVIRONMENTS.dev;
const moto = useMoto({ accountId: dev.account });

function config() {
  return { region: dev.region, endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
}

/** Everything the dev deploy needs and CloudFormation cannot create, as an account would have it. */
async function seedWhatDevNeeds(): Promise<void> {
  const cfn = new CloudFormationClient(config());
  const ssm = new SSMClient(config());
  const iam = new IAMClient(config());
  const ecr = new ECRClient(config());
  try {
    await cfn.send(
      new CreateStackCommand({
        StackName: BOOTSTRAP.stackName,
        TemplateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }),
      }),
    );
    await ssm.send(
      new PutParameterCommand({ Name: BOOTSTRAP.versionParameter, Value: String(BOOTSTRAP.cliTemplateVersion), Type: 'String' }),
    );
    for (const { arn } of configuredRoleArns(dev)) {
      await iam.send(
        new CreateRoleCommand({ RoleName: arn.split('/').pop(), AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }),
      );
    }
    for (const slr of [...SERVICE_LINKED_ROLES, SPOT_SERVICE_LINKED_ROLE]) {
      // moto names a service-linked role from the service; create by name where it differs.
      await iam.send(
        new CreateRoleCommand({ RoleName: slr.role, Path: `/aws-service-role/${slr.service}/`, AssumeRolePolicyDocument: '{}' }),
      );
    }
    for (const { uri } of configuredImages(dev)) {
      const [, repositoryName, imageTag] = /^[^/]+\/([^:]+):(.+)$/.exec(uri)!;
      await ecr.send(new CreateRepositoryCommand({ repositoryName })).catch(() => {});
      await ecr.send(
        new PutImageCommand({
          repositoryName,
          imageTag,
          imageManifest: JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            tag: imageTag,
          }),
        }),
      );
    }
    await moto.seedQuotas([
      ...EC2_VCPU_QUOTAS.flatMap((q) => [q.onDemand, q.spot]).map((q) => ({
        ServiceCode: 'ec2',
        QuotaCode: q.code,
        QuotaName: q.name,
        Value: 256,
      })),
      { ServiceCode: 'sagemaker', QuotaCode: 'L-MOTO-1', QuotaName: 'ml.m5.large for endpoint usage', Value: 4 },
      { ServiceCode: 'kafka', QuotaCode: 'L-MOTO-2', QuotaName: 'Number of brokers per account', Value: 90 },
    ]);
  } finally {
    for (const c of [cfn, ssm, iam, ecr]) c.destroy();
  }
}

test('an empty account fails with one line per missing thing, each with its fix (exit 5)', async () => {
  // GIVEN an emulator with nothing in it
  // WHEN
  const run = await mlp(undefined, ['preflight', '--env', 'dev', '--endpoint-url', moto.url]);
  // THEN
  expect(run.code).toBe(5);
  expect(run.stdout).toMatch(/^Preflight of dev \(account 111111111111, region eu-west-1\):\n {2}ok {7}identity: account 111111111111/);
  expect(run.stdout).toMatch(
    /PROBLEM {2}bootstrap: stack CDKToolkit not found: .* Fix: npx cdk bootstrap aws:\/\/111111111111\/eu-west-1 --trust/,
  );
  expect(run.stdout).toMatch(
    /PROBLEM {2}roles: dev\.cluster\.access\.admins\[0\]: role arn:aws:iam::111111111111:role\/MlPlatformAdmin does not exist/,
  );
  expect(run.stdout).toMatch(
    /PROBLEM {2}service-linked-roles: AWSServiceRoleForAutoScaling does not exist .* Fix: aws iam create-service-linked-role --aws-service-name autoscaling\.amazonaws\.com/,
  );
  expect(run.stdout).toMatch(/PROBLEM {2}quotas: could not check EC2 quota L-1216C47A .*: NoSuchResourceException/);
  expect(run.stdout).toMatch(
    /PROBLEM {2}images: dev\.serving\.modelServers\[0\]\.image: image .*credit-risk-server:1\.0\.0 does not exist/,
  );
  expect(run.stdout).toMatch(/\n\d+ problems found\.\n$/);
  expect(run.stderr).toMatch(/^mlp: preflight of dev found \d+ problems; fix them before 'npx cdk deploy'\n$/);
});

test('an account with what dev needs passes (exit 0), and --json says so', async () => {
  // GIVEN
  await seedWhatDevNeeds();
  // WHEN
  const run = await mlp(undefined, ['preflight', '--env', 'dev', '--json', '--endpoint-url', moto.url]);
  // THEN
  const result = JSON.parse(run.stdout);
  expect(result.findings.filter((f: { status: string }) => f.status === 'problem')).toEqual([]);
  expect(run.code).toBe(0);
  expect(result).toMatchObject({ environment: 'dev', account: dev.account, region: dev.region, ok: true, problems: 0 });
  expect(result.findings.map((f: { check: string }) => f.check)).toEqual(
    expect.arrayContaining(['identity', 'bootstrap', 'roles', 'service-linked-roles', 'quotas', 'capacity-reservations', 'images']),
  );
});

test('a quota below what config needs is a problem with the increase command', async () => {
  // GIVEN everything, but 8 vCPUs of Standard On-Demand (dev's system group at its maximum size,
  // maxSize x the vCPUs of its instance type, plus the CPU NodePool at its CPU limit, need more)
  const system = dev.cluster.nodeGroups.find((g) => g.name === 'system')!;
  const cpuPool = dev.cluster.karpenter.nodePools.find((p) => p.name === 'cpu')!;
  const need = system.maxSize * ec2InstanceSpec(system.instanceTypes[0])!.vcpus + cpuPool.limits.cpu;
  expect(need).toBeGreaterThan(8);
  await seedWhatDevNeeds();
  await moto.seedQuotas([{ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A', Value: 8 }]);
  // WHEN
  const run = await mlp(undefined, ['preflight', '--env', 'dev', '--endpoint-url', moto.url]);
  // THEN
  expect(run.code).toBe(5);
  expect(run.stdout).toMatch(
    new RegExp(
      `PROBLEM {2}quotas: EC2 ".*" \\(L-1216C47A\\) is 8 vCPUs; node group system, NodePool cpu need ${need} at maximum size \\(node groups at maxSize, NodePools at their CPU limit\\)\\. Fix: aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-1216C47A --desired-value ${need}`,
    ),
  );
  expect(run.stdout).toMatch(/\n1 problem found\.\n$/);
});

test('the bootstrap version in the table is the installed CDK CLI template version', () => {
  const template = readFileSync(
    join(__dirname, '..', '..', 'node_modules', 'aws-cdk', 'lib', 'api', 'bootstrap', 'bootstrap-template.yaml'),
    'utf8',
  );
  const version = /CdkBootstrapVersion:[\s\S]*?Value: '(\d+)'/.exec(template)?.[1];
  expect(Number(version)).toBe(BOOTSTRAP.cliTemplateVersion);
});

test('prod: the p5 training NodePool is checked against the P On-Demand quota, and its capacity reservations are looked up', async () => {
  // GIVEN an emulator whose P On-Demand quota is 0 vCPUs
  const pool = ENVIRONMENTS.prod.cluster.karpenter.nodePools.find((p) => p.name === 'gpu-training')!;
  await moto.seedQuotas([{ ServiceCode: 'ec2', QuotaCode: 'L-417A185B', QuotaName: 'Running On-Demand P instances', Value: 0 }]);
  // WHEN prod's preflight runs (this emulator is another account: the identity line fails too)
  const run = await mlp(undefined, ['preflight', '--env', 'prod', '--endpoint-url', moto.url]);
  // THEN the P quota names the pool and the vCPUs its limit needs, and the reservation is checked
  expect(run.code).toBe(5);
  expect(run.stdout).toContain(
    `EC2 "Running On-Demand P instances" (L-417A185B) is 0 vCPUs; NodePool gpu-training need ${pool.limits.cpu} at maximum size`,
  );
  expect(run.stdout).toMatch(/capacity-reservations: .*cr-0123456789abcdef0/);
});
