import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, type Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { checkAlarmContract, checkCloudAssembly, parseAlarmDescription } from '../../constructs/observability/alarm-contract';
import { buildPlatformApp } from '../../lib/app';
import { ENVIRONMENT_NAMES } from '../../lib/config';
import { platformStage, testApp } from '../util';

const RUNBOOKS = join(__dirname, '..', '..', 'docs', 'runbooks');
const ALARM_TYPES = ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm'];

/** Every alarm of every stack of a synthesized stage, by stack name. */
function alarmsByStack(assembly: ReturnType<ReturnType<typeof platformStage>['synth']>): Record<string, any[]> {
  const out: Record<string, any[]> = {};
  for (const s of assembly.stacksRecursively) {
    const alarms = Object.values<any>(s.template.Resources ?? {}).filter((r) => ALARM_TYPES.includes(r.Type));
    if (alarms.length > 0) out[s.stackName] = alarms;
  }
  return out;
}

describe('the alarm contract holds in every environment, across all its stacks', () => {
  test.each(ENVIRONMENT_NAMES)('%s: every alarm has a severity, an owner, an existing runbook and an action', (env) => {
    // GIVEN every stack of the environment, synthesized
    const assembly = platformStage(env).synth();
    // WHEN
    const problems = checkCloudAssembly(assembly, { runbookDir: RUNBOOKS });
    // THEN no problem, and the check saw the alarms of the Model and Observability stacks
    expect(problems).toEqual([]);
    const byStack = alarmsByStack(assembly);
    expect(Object.keys(byStack)).toEqual(
      expect.arrayContaining([`MlPlatform-${env}-Observability`, `MlPlatform-${env}-Model-credit-risk`]),
    );
    expect(Object.values(byStack).flat().length).toBeGreaterThanOrEqual(10);
  });

  test.each(ENVIRONMENT_NAMES)('%s: every alarm is named <env>-<runbook>… so mlp oncall status and explain find it', (env) => {
    // GIVEN
    const byStack = alarmsByStack(platformStage(env).synth());
    // WHEN
    const alarms = Object.values(byStack).flat();
    // THEN
    for (const a of alarms) {
      const name = a.Properties.AlarmName;
      const runbook = parseAlarmDescription(
        typeof a.Properties.AlarmDescription === 'string'
          ? a.Properties.AlarmDescription
          : a.Properties.AlarmDescription['Fn::Join'][1].filter((x: unknown) => typeof x === 'string').join(''),
      ).runbook;
      expect(typeof name).toBe('string');
      expect(name.startsWith(`${env}-${runbook}`)).toBe(true);
    }
  });

  test('an alarm without metadata or action, in any stack, is reported with its stack and every missing field', () => {
    // GIVEN dev, with a bare alarm added to the Features stack (no alarm there today)
    const stage = buildPlatformApp(testApp(), { compliance: false, only: ['dev'] }).dev!;
    new cloudwatch.Alarm(stage.features as Stack, 'BareAlarm', {
      alarmName: 'dev-bare',
      metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Y', period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    // WHEN
    const problems = checkCloudAssembly(stage.synth(), { runbookDir: RUNBOOKS });
    // THEN
    const bare = problems.filter((p) => p.includes('(dev-bare)'));
    expect(bare.every((p) => p.startsWith('MlPlatform-dev-Features/BareAlarm'))).toBe(true);
    expect(bare.map((p) => p.replace(/^.*\(dev-bare\): /, ''))).toEqual([
      "no 'Severity:' line in the alarm description (page or ticket)",
      "no 'Owner:' line in the alarm description",
      "no 'Runbook:' line naming docs/runbooks/<key>.md in the alarm description",
      'no enabled ALARM action (and not part of a composite alarm)',
    ]);
    expect(problems).toEqual(bare);
  });

  test('a runbook named by an alarm but missing from docs/runbooks is reported', () => {
    // GIVEN prod's alarms, checked against an empty runbook folder
    const assembly = platformStage('prod').synth();
    // WHEN
    const problems = checkCloudAssembly(assembly, { runbookDir: join(__dirname, 'no-such-folder') });
    // THEN one problem per alarm, each naming the missing file
    const count = Object.values(alarmsByStack(assembly)).flat().length;
    expect(problems).toHaveLength(count);
    for (const p of problems) expect(p).toMatch(/runbook [a-z0-9-]+\.md does not exist in /);
  });

  test('every runbook says what it means, the first checks, the mitigation and the escalation', () => {
    // GIVEN
    const files = readdirSync(RUNBOOKS).filter((f) => f.endsWith('.md'));
    // WHEN
    const sections = files.map((f) => [f, readFileSync(join(RUNBOOKS, f), 'utf8').match(/^## .+$/gm)] as const);
    // THEN
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const [, found] of sections) {
      expect(found).toEqual(expect.arrayContaining(['## What it means', '## First checks', '## Mitigation', '## Escalation']));
    }
  });

  test('a description naming a resource of another stack (Fn::Join) is read by its literal parts', () => {
    // GIVEN an alarm whose summary names an EMR application id from the Data stack
    const description = {
      'Fn::Join': [
        '',
        [
          'EMR Serverless lake (',
          { 'Fn::GetStackOutput': { StackName: 'Data', OutputName: 'Id' } },
          '): a job failed.\n\nSeverity: ticket\nOwner: ml-features\nRunbook: docs/runbooks/emr-serverless-job-failed.md',
        ],
      ],
    };
    const alarm = (d: unknown) => ({
      Resources: {
        A: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmDescription: d, AlarmActions: ['arn:aws:sns:eu-west-1:1:t'] } },
      },
    });
    // WHEN / THEN
    expect(checkAlarmContract({ S: alarm(description) }, { runbookDir: RUNBOOKS })).toEqual([]);
    expect(checkAlarmContract({ S: alarm({ 'Fn::Join': ['', ['a job failed ', { Ref: 'X' }]] }) }, { runbookDir: RUNBOOKS })).toHaveLength(
      3,
    );
  });
});
