import { CreateModelPackageGroupCommand, DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { modelPackage, servingEndpoint } from '../fixtures';
import { ACCOUNT, mlp, REGION, useMoto } from '../moto';

const moto = useMoto();
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/scoring:1.4.2`;

async function group(): Promise<void> {
  await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'scoring' }));
}

describe('mlp models register', () => {
  test('creates a package pending manual approval with the image, artifact and metadata, and prints its ARN', async () => {
    // GIVEN
    await group();
    // WHEN
    const run = await mlp(moto, [
      'models',
      'register',
      '--group',
      'scoring',
      '--image',
      IMAGE,
      '--artifact',
      's3://ml-models/scoring/1.4.2/model.tar.gz',
      '--metadata',
      'git_sha=4f2c1e9',
      '--metadata',
      'auc=0.87',
    ]);
    // THEN
    expect(run.code).toBe(0);
    const arn = run.stdout.trim();
    expect(arn).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/scoring/1`);
    const pkg = await moto.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect(pkg.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(pkg.InferenceSpecification?.Containers).toEqual([{ Image: IMAGE, ModelDataUrl: 's3://ml-models/scoring/1.4.2/model.tar.gz' }]);
    expect(pkg.CustomerMetadataProperties).toEqual({ git_sha: '4f2c1e9', auc: '0.87' });
    expect(run.stderr).toMatch(/Registered scoring version 1 \(PendingManualApproval\)/);
  });

  test('--json prints the package as JSON', async () => {
    await group();
    const run = await mlp(moto, [
      'models',
      'register',
      '--group',
      'scoring',
      '--image',
      IMAGE,
      '--artifact',
      's3://ml-models/m.tar.gz',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ group: 'scoring', version: 1, status: 'PendingManualApproval', metadata: {} });
  });

  test('an unknown group is an AWS error (exit 3) with one line, no stack trace', async () => {
    const run = await mlp(moto, ['models', 'register', '--group', 'nope', '--image', IMAGE, '--artifact', 's3://ml-models/m.tar.gz']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^mlp: CreateModelPackage failed: ValidationException: .*Model Package Group does not exist/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test.each([
    [['--artifact', 'ml-models/m.tar.gz'], /--artifact: 'ml-models\/m.tar.gz' is not an S3 object URI/],
    [['--metadata', 'novalue'], /--metadata: 'novalue' is not key=value/],
    [['--metadata', 'a=1', '--metadata', 'a=2'], /--metadata: key 'a' is given twice/],
  ])('bad input %j is a usage error (exit 2) before any AWS call', async (extra, message) => {
    // a given --artifact replaces the good one (repeating an option is itself a usage error)
    const artifact = extra[0] === '--artifact' ? [] : ['--artifact', 's3://ml-models/m.tar.gz'];
    const args = ['models', 'register', '--group', 'scoring', '--image', IMAGE, ...artifact, ...extra];
    const run = await mlp(moto, args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/Run 'mlp models register --help' for usage/);
  });
});

describe('mlp models approve / reject', () => {
  test('approve sets Approved and records the reason as ApprovalDescription', async () => {
    // GIVEN
    await servingEndpoint(moto.client);
    const arn = await modelPackage(moto.client, '1.0.0', 'PendingManualApproval');
    // WHEN
    const run = await mlp(moto, ['models', 'approve', '--package', arn, '--reason', 'AUC 0.87 on Q3 holdout']);
    // THEN
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Approved scoring version 1 \(was PendingManualApproval\): AUC 0.87 on Q3 holdout/);
    const pkg = await moto.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect(pkg.ModelApprovalStatus).toBe('Approved');
    expect(pkg.ApprovalDescription).toBe('AUC 0.87 on Q3 holdout');
  });

  test('reject sets Rejected with the reason; --json reports the previous status', async () => {
    await servingEndpoint(moto.client);
    const arn = await modelPackage(moto.client, '1.0.0', 'Approved');
    const run = await mlp(moto, ['models', 'reject', '--package', arn, '--reason', 'calibration drift', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      arn,
      group: 'scoring',
      version: 1,
      previousStatus: 'Approved',
      status: 'Rejected',
      reason: 'calibration drift',
    });
    const pkg = await moto.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect([pkg.ModelApprovalStatus, pkg.ApprovalDescription]).toEqual(['Rejected', 'calibration drift']);
  });

  test('an unknown package is an AWS error (exit 3)', async () => {
    const run = await mlp(moto, [
      'models',
      'approve',
      '--package',
      `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/scoring/9`,
      '--reason',
      'x',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/DescribeModelPackage failed: ValidationException: Model package .*scoring\/9 not found/);
  });

  test('a missing reason or a malformed ARN is a usage error (exit 2)', async () => {
    const noReason = await mlp(moto, ['models', 'approve', '--package', `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/scoring/1`]);
    expect([noReason.code, noReason.stderr]).toEqual([2, expect.stringMatching(/--reason is required/)]);
    const blank = await mlp(moto, [
      'models',
      'reject',
      '--package',
      `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/scoring/1`,
      '--reason',
      '  ',
    ]);
    expect([blank.code, blank.stderr]).toEqual([2, expect.stringMatching(/--reason: a reason of 1-1024 characters is required/)]);
    const badArn = await mlp(moto, ['models', 'approve', '--package', 'scoring/1', '--reason', 'ok']);
    expect([badArn.code, badArn.stderr]).toEqual([
      2,
      expect.stringMatching(/--package: 'scoring\/1' is not a versioned model package ARN/),
    ]);
  });
});

describe('mlp models list', () => {
  test('lists the group newest first, filtered by status', async () => {
    // GIVEN
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.0.0', 'Approved');
    await modelPackage(moto.client, '1.1.0', 'Rejected');
    await modelPackage(moto.client, '1.2.0', 'Approved');
    // WHEN
    const all = await mlp(moto, ['models', 'list', '--group', 'scoring']);
    const approved = await mlp(moto, ['models', 'list', '--group', 'scoring', '--status', 'Approved', '--json']);
    // THEN
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+STATUS\s+CREATED\s+ARN$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['3', 'Approved'],
      ['2', 'Rejected'],
      ['1', 'Approved'],
    ]);
    expect(JSON.parse(approved.stdout).packages.map((p: { version: number }) => p.version)).toEqual([3, 1]);
  });

  test('an empty group says so', async () => {
    await group();
    const run = await mlp(moto, ['models', 'list', '--group', 'scoring', '--status', 'Rejected']);
    expect([run.code, run.stdout]).toEqual([0, 'No model packages with status Rejected in group scoring.\n']);
  });

  test('an unknown group is an AWS error (exit 3); a bad status is a usage error (exit 2)', async () => {
    const unknown = await mlp(moto, ['models', 'list', '--group', 'nope']);
    expect([unknown.code, unknown.stderr]).toEqual([
      3,
      expect.stringMatching(/DescribeModelPackageGroup failed: ValidationException: .*nope does not exist/),
    ]);
    const bad = await mlp(moto, ['models', 'list', '--group', 'scoring', '--status', 'approved']);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringMatching(/--status: 'approved' is not an approval status \(allowed: Approved, PendingManualApproval, Rejected\)/),
    ]);
  });
});
