import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, ListTagsCommand } from '@aws-sdk/client-sagemaker';
import { DATA_CAPTURE, IMAGE, KMS_KEY, modelPackage, ROLE, servingEndpoint, VPC } from '../fixtures';
import { mlp, useMoto } from '../moto';

const moto = useMoto();

async function endpoint() {
  return moto.client.send(new DescribeEndpointCommand({ EndpointName: 'scoring' }));
}

describe('mlp endpoints rollout', () => {
  test('deploys the newest Approved package: new model and config copying the current settings, waits through Updating', async () => {
    // GIVEN
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.0.0', 'Approved');
    const newest = await modelPackage(moto.client, '1.1.0', 'Approved');
    await modelPackage(moto.client, '1.2.0', 'PendingManualApproval');
    // WHEN
    const run = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring']);
    // THEN
    expect(run.code).toBe(0);
    const e = await endpoint();
    expect(e.EndpointStatus).toBe('InService');
    const configName = e.EndpointConfigName!;
    expect(configName).toMatch(/^scoring-v2-\d{8}-\d{6}$/);
    expect(run.stdout).toBe(`Rollout succeeded: scoring is InService on ${configName} (was scoring-initial) after 30s.\n`);
    // progress: one line per poll (not a TTY), the state and elapsed time, Updating before InService
    expect(run.stderr).toMatch(
      /scoring: Updating \(scoring-initial\) \[0s\]\nscoring: Updating \(scoring-initial\) \[15s\]\nscoring: InService \(scoring-v2-\d{8}-\d{6}\) \[30s\]/,
    );

    const config = await moto.client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
    expect(config.ProductionVariants).toEqual([
      { VariantName: 'AllTraffic', ModelName: configName, InitialInstanceCount: 2, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 },
    ]);
    expect(config.DataCaptureConfig).toEqual(DATA_CAPTURE);
    expect(config.KmsKeyId).toBe(KMS_KEY);
    const tags = await moto.client.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }));
    expect(tags.Tags).toEqual([
      { Key: 'platform/env', Value: 'dev' },
      { Key: 'mlp:previous-endpoint-config', Value: 'scoring-initial' },
      { Key: 'mlp:model-package-arn', Value: newest },
    ]);

    const model = await moto.client.send(new DescribeModelCommand({ ModelName: configName }));
    expect(model.ExecutionRoleArn).toBe(ROLE);
    expect(model.VpcConfig).toEqual(VPC);
    expect(model.EnableNetworkIsolation).toBe(true);
    expect(model.PrimaryContainer).toMatchObject({ Image: `${IMAGE}:1.1.0`, ModelDataUrl: 's3://ml-models/scoring/1.1.0/model.tar.gz' });
  });

  test('--package deploys that package; a second rollout of it changes nothing', async () => {
    await servingEndpoint(moto.client);
    const first = await modelPackage(moto.client, '1.0.0', 'Approved');
    await modelPackage(moto.client, '1.1.0', 'Approved');
    const run = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring', '--package', first, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      outcome: 'succeeded',
      package: first,
      version: 1,
      previousEndpointConfig: 'scoring-initial',
    });
    const again = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--package', first]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^scoring already serves .*scoring\/1 \(config scoring-v1-/);
  });

  test('a failed update leaves the previous config serving, says so, and exits 4', async () => {
    // GIVEN
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.1.0', 'Approved');
    await moto.failNextUpdate('rollback', 'health check failed on AllTraffic');
    // WHEN
    const run = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring']);
    // THEN
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/scoring: RollingBack \(scoring-initial\)/);
    expect(run.stderr).toMatch(
      /mlp: Rollout of scoring to scoring-v1-\S+ failed after \d+s\. SageMaker rolled back automatically: scoring is InService on its previous endpoint config scoring-initial, which keeps serving\. Reason: health check failed on AllTraffic/,
    );
    const e = await endpoint();
    expect([e.EndpointStatus, e.EndpointConfigName, e.FailureReason]).toEqual([
      'InService',
      'scoring-initial',
      'health check failed on AllTraffic',
    ]);
  });

  test('an endpoint that goes Failed is a failed rollout (exit 4), with JSON details', async () => {
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.1.0', 'Approved');
    await moto.failNextUpdate('failed', 'capacity error');
    const run = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring', '--json']);
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      kind: 'rollout',
      exitCode: 4,
      outcome: 'failed',
      status: 'Failed',
      failureReason: 'capacity error',
    });
    expect(run.stderr).toMatch(/keeps the previous endpoint config scoring-initial serving/);
  });

  test('--timeout: an update that does not finish in time exits 4 and says its outcome is unknown', async () => {
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.1.0', 'Approved');
    await moto.hangNextUpdate();
    const run = await mlp(moto, [
      'endpoints',
      'rollout',
      '--endpoint',
      'scoring',
      '--group',
      'scoring',
      '--timeout',
      '2m',
      '--poll-interval',
      '30s',
    ]);
    expect(run.code).toBe(4);
    // polls at 0, 30, 60, 90, 120 simulated seconds, then gives up
    expect(run.stderr.match(/scoring: Updating/g)).toHaveLength(5);
    expect(run.stderr).toMatch(
      /Rollout of scoring timed out \(after 2m00s, last status Updating\)\. Its outcome is unknown: the update may still be in progress, may finish, or may fail and be rolled back by SageMaker\. Check with: mlp endpoints status --endpoint scoring/,
    );
    expect(run.stderr).not.toMatch(/keeps serving/);
    expect((await endpoint()).EndpointStatus).toBe('Updating');
  });

  test('nothing approved, a pending --package, or a package of another group: nothing changes', async () => {
    await servingEndpoint(moto.client);
    const pending = await modelPackage(moto.client, '1.1.0', 'PendingManualApproval');
    const none = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring']);
    expect([none.code, none.stderr]).toEqual([4, expect.stringMatching(/No Approved model package in group scoring/)]);
    const notApproved = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--package', pending]);
    expect([notApproved.code, notApproved.stderr]).toEqual([
      4,
      expect.stringMatching(/is PendingManualApproval; only Approved packages are rolled out/),
    ]);
    const otherGroup = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'fraud', '--package', pending]);
    expect([otherGroup.code, otherGroup.stderr]).toEqual([2, expect.stringMatching(/belongs to group scoring, not to --group fraud/)]);
    expect((await endpoint()).EndpointConfigName).toBe('scoring-initial');
  });

  test('an endpoint that does not exist and has no spec is not rolled out (exit 4); missing --group and --package is a usage error (exit 2)', async () => {
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.1.0', 'Approved');
    // (a first rollout creates an endpoint from its spec: test/mlp/commands/first-rollout.test.ts)
    const unknown = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'nope', '--group', 'scoring']);
    expect([unknown.code, unknown.stderr]).toEqual([
      4,
      expect.stringMatching(/Endpoint nope does not exist and its spec parameter cannot be derived from the name; pass --spec/),
    ]);
    const usage = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring']);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/--group is required \(or give the package with --package\)/)]);
    const timeout = await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring', '--timeout', 'soon']);
    expect([timeout.code, timeout.stderr]).toEqual([2, expect.stringMatching(/--timeout: 'soon' is not a positive duration/)]);
  });
});

describe('mlp endpoints rollback', () => {
  test('goes back to the config recorded by the rollout', async () => {
    // GIVEN a rolled-out endpoint
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.1.0', 'Approved');
    expect((await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring'])).code).toBe(0);
    const rolledOut = (await endpoint()).EndpointConfigName;
    // WHEN
    const run = await mlp(moto, ['endpoints', 'rollback', '--endpoint', 'scoring']);
    // THEN
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Rollback succeeded: scoring is InService on scoring-initial (was ${rolledOut}) after 30s.\n`);
    expect(run.stderr).toMatch(/scoring: Updating/);
    expect((await endpoint()).EndpointConfigName).toBe('scoring-initial');
  });

  test('without a recorded previous config it refuses (exit 4); --to names one', async () => {
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.1.0', 'Approved');
    const none = await mlp(moto, ['endpoints', 'rollback', '--endpoint', 'scoring']);
    expect([none.code, none.stderr]).toEqual([
      4,
      expect.stringMatching(/No previous endpoint config is recorded on scoring-initial .*pass --to/),
    ]);
    expect((await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring'])).code).toBe(0);
    const missing = await mlp(moto, ['endpoints', 'rollback', '--endpoint', 'scoring', '--to', 'gone']);
    expect([missing.code, missing.stderr]).toEqual([
      3,
      expect.stringMatching(/DescribeEndpointConfig failed: ValidationException: Could not find endpoint configuration/),
    ]);
    const to = await mlp(moto, ['endpoints', 'rollback', '--endpoint', 'scoring', '--to', 'scoring-initial', '--json']);
    expect(to.code).toBe(0);
    expect(JSON.parse(to.stdout)).toMatchObject({ outcome: 'succeeded', endpointConfig: 'scoring-initial' });
  });

  test('a failed rollback exits 4 and the current config keeps serving', async () => {
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.1.0', 'Approved');
    expect((await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring'])).code).toBe(0);
    const rolledOut = (await endpoint()).EndpointConfigName;
    await moto.failNextUpdate();
    const run = await mlp(moto, ['endpoints', 'rollback', '--endpoint', 'scoring']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      new RegExp(
        `Rollback of scoring to scoring-initial failed .* InService on its previous endpoint config ${rolledOut}, which keeps serving`,
      ),
    );
  });

  test('an endpoint that is not InService is refused (exit 4)', async () => {
    await servingEndpoint(moto.client);
    await modelPackage(moto.client, '1.1.0', 'Approved');
    await moto.hangNextUpdate();
    expect((await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring', '--timeout', '1s'])).code).toBe(4);
    const run = await mlp(moto, ['endpoints', 'rollback', '--endpoint', 'scoring', '--to', 'scoring-initial']);
    expect([run.code, run.stderr]).toEqual([
      4,
      expect.stringMatching(/Endpoint scoring is Updating; it must be InService to roll back\. Nothing was changed/),
    ]);
  });
});

describe('mlp endpoints status', () => {
  test('shows status, configs, package, variants and the failure reason of the last update', async () => {
    // GIVEN a rollout that succeeded, then one that failed
    await servingEndpoint(moto.client);
    const first = await modelPackage(moto.client, '1.1.0', 'Approved');
    expect((await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring'])).code).toBe(0);
    await modelPackage(moto.client, '1.2.0', 'Approved');
    await moto.failNextUpdate('rollback', 'model failed to load');
    expect((await mlp(moto, ['endpoints', 'rollout', '--endpoint', 'scoring', '--group', 'scoring'])).code).toBe(4);
    const serving = (await endpoint()).EndpointConfigName!;
    // WHEN
    const human = await mlp(moto, ['endpoints', 'status', '--endpoint', 'scoring']);
    const json = await mlp(moto, ['endpoints', 'status', '--endpoint', 'scoring', '--json']);
    // THEN
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Endpoint: +scoring\nStatus: +InService\n/);
    expect(human.stdout).toMatch(new RegExp(`Endpoint config: +${serving}\nPrevious config: +scoring-initial\n`));
    expect(human.stdout).toMatch(/Failure reason: +model failed to load/);
    expect(human.stdout).toMatch(new RegExp(`AllTraffic +${serving} +ml\\.m5\\.large +2/2 +1/1`));
    expect(JSON.parse(json.stdout)).toMatchObject({
      endpoint: 'scoring',
      status: 'InService',
      endpointConfig: serving,
      previousEndpointConfig: 'scoring-initial',
      modelPackage: first,
      failureReason: 'model failed to load',
      variants: [{ name: 'AllTraffic', model: serving, instanceType: 'ml.m5.large', currentInstanceCount: 2, desiredInstanceCount: 2 }],
    });
  });

  test('an unknown endpoint is an AWS error (exit 3)', async () => {
    const run = await mlp(moto, ['endpoints', 'status', '--endpoint', 'nope', '--json']);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      kind: 'aws',
      exitCode: 3,
      operation: 'DescribeEndpoint',
      awsErrorName: 'ValidationException',
    });
  });
});
