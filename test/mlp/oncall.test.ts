import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { describeAlarm } from '../../constructs/observability/alarm-description';
import { CloudWatchApi, explain, type OncallContext, status } from '../../mlp/commands/oncall';
import type { OptionValues } from '../../mlp/context';
import { CliError } from '../../mlp/errors';
import { Output } from '../../mlp/output';
import { findRunbook, missingSections, RUNBOOK_DIR, readRunbook, runbookKeys } from '../../mlp/runbooks';
import { template } from '../util';
import { mlp, REGION, useMoto } from './moto';

const moto = useMoto();

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one oncall command the way `mlp` does: result on stdout, CliErrors as one line and an exit code. */
async function run(
  command: (ctx: OncallContext, o: OptionValues) => Promise<void>,
  o: OptionValues,
  options: { endpoint?: string; runbookDir?: string } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = new Output({ write: (s: string) => (stdout += s) }, { write: (s: string) => (stderr += s) }, o.json === true);
  let client: CloudWatchApi | undefined;
  const ctx: OncallContext = {
    out,
    runbookDir: options.runbookDir,
    cloudwatch: () => {
      client ??= new CloudWatchApi({ region: REGION, endpointUrl: options.endpoint ?? moto.url });
      return client;
    },
  };
  try {
    await command(ctx, o);
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    out.error(err.message);
    return { code: err.exitCode, stdout, stderr };
  } finally {
    client?.destroy();
  }
}

async function firingAlarm(name: string, description?: string): Promise<void> {
  const cw = new CloudWatchClient({ region: REGION, endpoint: moto.url });
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      AlarmDescription: description,
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  await cw.send(
    new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'Threshold crossed: 1 datapoint [400000.0] > 250000.0' }),
  );
  cw.destroy();
}

describe('mlp oncall status', () => {
  test('lists the environment’s alarms in ALARM, pages first, with owner and the runbook from the description', async () => {
    // GIVEN two firing alarms of prod (a ticket and a page), one of staging, and one prod alarm that is OK
    await firingAlarm(
      'prod-online-store-memory',
      describeAlarm('Memory above 85%.', { severity: 'ticket', owner: 'ml-features', runbook: 'online-store-memory' }),
    );
    await firingAlarm(
      'prod-msk-offline-partitions',
      describeAlarm('Partitions offline.', { severity: 'page', owner: 'ml-platform', runbook: 'msk-offline-partitions' }),
    );
    await firingAlarm(
      'staging-msk-offline-partitions',
      describeAlarm('Partitions offline.', { severity: 'page', owner: 'ml-platform', runbook: 'msk-offline-partitions' }),
    );
    const cw = new CloudWatchClient({ region: REGION, endpoint: moto.url });
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'prod-eks-nodes-failed',
        AlarmDescription: describeAlarm('Nodes failed.', { severity: 'ticket', owner: 'ml-platform', runbook: 'eks-nodes-failed' }),
        Namespace: 'ContainerInsights',
        MetricName: 'cluster_failed_node_count',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    cw.destroy();
    // WHEN
    const r = await run(status, { env: 'prod' });
    // THEN
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+ALARM\s+OWNER\s+SINCE\s+RUNBOOK$/);
    expect(lines[1]).toMatch(/^page\s+prod-msk-offline-partitions\s+ml-platform\s+\S+Z\s+docs\/runbooks\/msk-offline-partitions\.md$/);
    expect(lines[2]).toMatch(/^ticket\s+prod-online-store-memory\s+ml-features\s+\S+Z\s+docs\/runbooks\/online-store-memory\.md$/);
    expect(r.stdout).not.toContain('staging-');
    expect(r.stdout).not.toContain('prod-eks-nodes-failed');
    expect(r.stdout).toContain('2 alarm(s) in ALARM in prod: 1 page, 1 ticket or other.');
  });

  test('the platform’s own alarms, as synthesized for prod, are listed with their runbooks and explained', async () => {
    // GIVEN the metric alarms of prod's credit-risk Model stack (names and descriptions from the template), all firing
    const alarms = Object.values(template('prod', 'ModelCreditRisk').findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(3);
    for (const a of alarms) await firingAlarm(a.Properties.AlarmName, a.Properties.AlarmDescription);
    // WHEN
    const r = await run(status, { env: 'prod', json: true });
    // THEN each is listed with its severity, owner and runbook path, and each runbook explains
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout).alarms.map((a: any) => [a.name, a.severity, a.owner, a.runbook]);
    expect(listed).toEqual(
      expect.arrayContaining([
        ['prod-endpoint-degraded-credit-risk-latency', 'ticket', 'ml-serving', 'docs/runbooks/endpoint-degraded.md'],
        ['prod-endpoint-degraded-credit-risk-errors', 'ticket', 'ml-serving', 'docs/runbooks/endpoint-degraded.md'],
        ['prod-model-data-drift-credit-risk', 'ticket', 'ml-serving', 'docs/runbooks/model-data-drift.md'],
      ]),
    );
    for (const a of alarms) {
      const e = await run(explain, { alarm: a.Properties.AlarmName });
      expect(e.code).toBe(0);
      expect(e.stdout).toContain('## Escalation');
    }
  });

  test('--json gives each alarm with its metadata; an alarm outside the contract shows no runbook', async () => {
    // GIVEN
    await firingAlarm('prod-legacy-latency', 'Hand-written alarm without metadata.');
    await firingAlarm(
      'prod-endpoint-degraded-prod-credit-scoring-latency',
      describeAlarm('p99 slow. (Signal of a composite alarm; notifies through it.)', {
        severity: 'page',
        owner: 'ml-serving',
        runbook: 'endpoint-degraded',
      }),
    );
    // WHEN
    const r = await run(status, { env: 'prod', json: true });
    // THEN
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.environment).toBe('prod');
    expect(doc.alarms).toEqual([
      expect.objectContaining({ name: 'prod-legacy-latency', type: 'metric', severity: '?', owner: '?', runbook: null, signal: false }),
      expect.objectContaining({
        name: 'prod-endpoint-degraded-prod-credit-scoring-latency',
        severity: 'page',
        owner: 'ml-serving',
        runbook: 'docs/runbooks/endpoint-degraded.md',
        signal: true,
        reason: 'Threshold crossed: 1 datapoint [400000.0] > 250000.0',
      }),
    ]);
  });

  test('through the mlp command line, as on-call runs it', async () => {
    // GIVEN a firing page alarm of prod
    await firingAlarm(
      'prod-msk-offline-partitions',
      describeAlarm('Partitions offline.', { severity: 'page', owner: 'ml-platform', runbook: 'msk-offline-partitions' }),
    );
    // WHEN `mlp oncall status --env prod` runs against the emulator, then `mlp oncall explain` on that alarm (offline)
    const listed = await mlp(moto, ['oncall', 'status', '--env', 'prod']);
    const explained = await mlp(undefined, ['oncall', 'explain', '--alarm', 'prod-msk-offline-partitions']);
    // THEN the alarm is listed with its runbook, and the runbook prints
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/page\s+prod-msk-offline-partitions\s+ml-platform\s+\S+Z\s+docs\/runbooks\/msk-offline-partitions\.md/);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/^# msk-offline-partitions: /);
    expect(explained.stdout).toContain('## Mitigation');
  });

  test('no alarm in ALARM says so', async () => {
    const r = await run(status, { env: 'dev' });
    expect(r).toEqual({ code: 0, stdout: 'No alarms in ALARM in dev.\n', stderr: '' });
  });

  test('a bad --env is a usage error (exit 2) before any call', async () => {
    const r = await run(status, { env: 'Prod!' }, { endpoint: 'http://127.0.0.1:9' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mlp: --env: 'Prod!' is not an environment name (lower-case letters, digits and '-', e.g. prod)\n");
  });

  test('an unreachable endpoint is an AWS error (exit 3) in one line', async () => {
    const r = await run(status, { env: 'prod' }, { endpoint: 'http://127.0.0.1:9' });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mlp: DescribeAlarms failed: .*ECONNREFUSED/);
  });
});

describe('mlp oncall explain', () => {
  test('prints the runbook of an alarm name, offline', async () => {
    // WHEN (no CloudWatch client is ever created: the endpoint would refuse)
    const r = await run(explain, { alarm: 'prod-endpoint-degraded-prod-credit-scoring' }, { endpoint: 'http://127.0.0.1:9' });
    // THEN
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readRunbook('endpoint-degraded'));
    expect(r.stdout).toMatch(/^# endpoint-degraded: /);
  });

  test('a runbook key works as well, and --json carries its path', async () => {
    const r = await run(explain, { alarm: 'scoring-latency-slo', json: true });
    expect(JSON.parse(r.stdout)).toMatchObject({
      runbook: 'scoring-latency-slo',
      path: 'docs/runbooks/scoring-latency-slo.md',
      missingSections: [],
    });
  });

  test('an unknown alarm names the runbooks there are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbooks-'));
    writeFileSync(join(dir, 'a-b.md'), '# a-b\n');
    const r = await run(explain, { alarm: 'prod-something-else' }, { runbookDir: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `mlp: no runbook for 'prod-something-else' in ${dir} (runbooks: a-b). Alarms name theirs in the description: mlp oncall status --env <name>\n`,
    );
  });

  test('the longest matching key wins, on whole words only', () => {
    const keys = ['feature-freshness-slo', 'feature-freshness-stale', 'msk-disk-used'];
    expect(findRunbook('prod-feature-freshness-slo-burn-1h-above-14.4x', keys)).toBe('feature-freshness-slo');
    expect(findRunbook('prod-feature-freshness-stale', keys)).toBe('feature-freshness-stale');
    expect(findRunbook('prod-xmsk-disk-used', keys)).toBeUndefined();
  });
});

describe('docs/runbooks', () => {
  test('every runbook has what it means, first checks, mitigation and escalation', () => {
    const keys = runbookKeys(RUNBOOK_DIR);
    expect(keys.length).toBeGreaterThan(15);
    expect(keys.map((k) => [k, missingSections(readRunbook(k))]).filter(([, missing]) => missing.length > 0)).toEqual([]);
  });
});
