/**
 * `mlp oncall …`: triage from the terminal.
 * - `explain <alarm>` prints the alarm's runbook (offline; the alarm name or the runbook key).
 * - `status --env <name>` lists the environment's alarms in ALARM with severity, owner and runbook,
 *   read from each alarm's description (the alarm contract of constructs/observability).
 */
import { CloudWatchClient, type CompositeAlarm, type MetricAlarm, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { parseAlarmDescription, SIGNAL_MARK } from '../../constructs/observability/alarm-description';
import { type AwsOptions, clientConfig } from '../aws';
import type { OptionValues } from '../context';
import { awsError, CliError, ExitCode, UsageError } from '../errors';
import { isoDate, type Output, table } from '../output';
import { findRunbook, missingSections, RUNBOOK_DIR, readRunbook, runbookKeys, runbookPath } from '../runbooks';

/** The CLI's CloudWatch client: every call goes through `call`, which makes SDK errors one-line AwsErrors. */
export class CloudWatchApi {
  readonly client: CloudWatchClient;

  constructor(readonly options: AwsOptions) {
    this.client = new CloudWatchClient(clientConfig(options));
  }

  async call<T>(operation: string, fn: (client: CloudWatchClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (err) {
      throw awsError(operation, err, { service: 'CloudWatch', endpointUrl: this.options.endpointUrl });
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** What the oncall commands need: where to write and a CloudWatch client (created on first use). */
export interface OncallContext {
  readonly out: Output;
  cloudwatch(): CloudWatchApi;
  /** @default RUNBOOK_DIR (docs/runbooks of this repository) */
  readonly runbookDir?: string;
}

/** No runbook for the alarm: exit 5 is not defined by the CLI, so it is a usage error (exit 2). */
class NoRunbookError extends CliError {
  readonly exitCode = ExitCode.Usage;
  readonly kind = 'no-runbook';
}

/** Environment names: lower-case words (dev, staging, prod, sandbox-2). */
const ENV_NAME = /^[a-z][a-z0-9-]{0,30}$/;

/** Runs an oncall command with a CloudWatch client made from the CLI's AWS options, closed afterwards. */
export function withCloudWatch(
  command: (ctx: OncallContext, o: OptionValues) => Promise<void>,
): (ctx: { readonly out: Output; readonly aws: AwsOptions }, o: OptionValues) => Promise<void> {
  return async (ctx, o) => {
    let api: CloudWatchApi | undefined;
    try {
      await command({ out: ctx.out, cloudwatch: () => (api ??= new CloudWatchApi(ctx.aws)) }, o);
    } finally {
      api?.destroy();
    }
  };
}

// ------------------------------------------------------------------------------------ explain

export async function explain(ctx: OncallContext, o: OptionValues): Promise<void> {
  const cmd = 'oncall explain';
  const alarm = typeof o.alarm === 'string' ? o.alarm.trim() : '';
  if (alarm === '')
    throw new UsageError(
      'an alarm name or runbook key is required, e.g. mlp oncall explain prod-endpoint-degraded-prod-credit-scoring',
      cmd,
    );
  const dir = ctx.runbookDir ?? RUNBOOK_DIR;
  const keys = runbookKeys(dir);
  const key = findRunbook(alarm, keys);
  if (!key) {
    throw new NoRunbookError(
      `no runbook for '${alarm}' in ${dir} (runbooks: ${keys.join(', ') || 'none'}). Alarms name theirs in the description: mlp oncall status --env <name>`,
    );
  }
  const text = readRunbook(key, dir);
  ctx.out.result({ alarm, runbook: key, path: runbookPath(key), missingSections: missingSections(text), text }, () => text);
}

// ------------------------------------------------------------------------------------ status

export interface FiringAlarm {
  readonly name: string;
  readonly type: 'metric' | 'composite';
  readonly severity: string;
  readonly owner: string;
  /** docs/runbooks/<key>.md as linked in the description, or null if the alarm names none. */
  readonly runbook: string | null;
  /** Feeds a composite alarm (which is the one that notifies). */
  readonly signal: boolean;
  readonly since?: Date;
  readonly reason?: string;
}

const SEVERITY_ORDER: Record<string, number> = { page: 0, ticket: 1 };

export async function status(ctx: OncallContext, o: OptionValues): Promise<void> {
  const cmd = 'oncall status';
  const env = typeof o.env === 'string' ? o.env : '';
  if (env === '') throw new UsageError('--env is required (e.g. --env prod)', cmd);
  if (!ENV_NAME.test(env))
    throw new UsageError(`--env: '${env}' is not an environment name (lower-case letters, digits and '-', e.g. prod)`, cmd);
  const cw = ctx.cloudwatch();
  const metric: MetricAlarm[] = [];
  const composite: CompositeAlarm[] = [];
  await cw.call('DescribeAlarms', async (c) => {
    const pages = paginateDescribeAlarms(
      { client: c, pageSize: 100 },
      { StateValue: 'ALARM', AlarmNamePrefix: `${env}-`, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
    );
    // The state is filtered again here: moto (5.x) ignores StateValue when AlarmNamePrefix is given.
    for await (const page of pages) {
      metric.push(...(page.MetricAlarms ?? []).filter((a) => a.StateValue === 'ALARM'));
      composite.push(...(page.CompositeAlarms ?? []).filter((a) => a.StateValue === 'ALARM'));
    }
  });
  const firing: FiringAlarm[] = [
    ...metric.map((a) => firingAlarm('metric', a.AlarmName, a.AlarmDescription, a.StateUpdatedTimestamp, a.StateReason)),
    ...composite.map((a) => firingAlarm('composite', a.AlarmName, a.AlarmDescription, a.StateUpdatedTimestamp, a.StateReason)),
  ].sort(
    (a, b) =>
      Number(a.signal) - Number(b.signal) ||
      (SEVERITY_ORDER[a.severity] ?? 2) - (SEVERITY_ORDER[b.severity] ?? 2) ||
      (a.since?.getTime() ?? 0) - (b.since?.getTime() ?? 0) ||
      a.name.localeCompare(b.name),
  );
  const notifying = firing.filter((a) => !a.signal);
  ctx.out.result({ environment: env, alarms: firing }, () => {
    if (firing.length === 0) return `No alarms in ALARM in ${env}.`;
    const rows = firing.map((a) => [
      a.signal ? `(${a.severity})` : a.severity,
      a.name,
      a.owner,
      isoDate(a.since),
      a.runbook ?? 'none: not under the alarm contract',
    ]);
    const pages = notifying.filter((a) => a.severity === 'page').length;
    const signals = firing.length - notifying.length;
    return [
      table(['SEVERITY', 'ALARM', 'OWNER', 'SINCE', 'RUNBOOK'], rows),
      '',
      `${notifying.length} alarm(s) in ALARM in ${env}: ${pages} page, ${notifying.length - pages} ticket or other` +
        (signals > 0 ? `; ${signals} signal(s) in parentheses feed a composite above` : '') +
        '.',
      'Runbooks: mlp oncall explain <alarm> (offline).',
    ].join('\n');
  });
}

function firingAlarm(
  type: 'metric' | 'composite',
  name: string | undefined,
  description: string | undefined,
  since: Date | undefined,
  reason: string | undefined,
): FiringAlarm {
  const parsed = parseAlarmDescription(description);
  return {
    name: name ?? '?',
    type,
    severity: parsed.severity ?? '?',
    owner: parsed.owner ?? '?',
    runbook: parsed.runbook ? runbookPath(parsed.runbook) : null,
    signal: (description ?? '').includes(SIGNAL_MARK),
    since,
    reason,
  };
}
