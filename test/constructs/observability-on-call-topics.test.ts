import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  checkAlarmContract,
  checkCloudAssembly,
  describeAlarm,
  OnCallTopics,
  ownershipProblems,
  parseAlarmDescription,
  SEVERITY_TAG,
} from '../../constructs/observability';
import { testStack } from '../util';
import { observabilityStack, RUNBOOK_DIR, templates } from './observability-fixtures';

const metric = (name: string) => new cloudwatch.Metric({ namespace: 'Test', metricName: name, period: Duration.minutes(1) });

function runbookDir(...keys: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbooks-'));
  for (const k of keys) writeFileSync(join(dir, `${k}.md`), `# ${k}\n`);
  return dir;
}

describe('OnCallTopics', () => {
  test('one KMS-encrypted, TLS-only topic per severity, tagged with it, with subscriptions from props', () => {
    // GIVEN / WHEN
    const { stack, key } = observabilityStack();
    const t = Template.fromStack(stack);
    // THEN
    t.resourceCountIs('AWS::SNS::Topic', 2);
    for (const severity of ['page', 'ticket']) {
      t.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
        Tags: [{ Key: SEVERITY_TAG, Value: severity }],
      });
    }
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: Match.anyValue() },
          }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://events.pagerduty.com/integration/abc123/enqueue',
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ml-platform@example.com' });
    // CloudWatch (of this account only) may use the key, or encrypted notifications are dropped.
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToPublishToOnCallTopics',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
  });

  test('rejects a plain-HTTP pager endpoint and a malformed e-mail, naming environment, field and value', () => {
    // GIVEN
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    // WHEN / THEN
    expect(
      () =>
        new OnCallTopics(stack, 'OnCall', {
          environment: 'staging',
          encryptionKey: key,
          page: { httpsEndpoints: ['http://pager.example.com/hook'] },
          ticket: { emails: ['not-an-address'] },
        }),
    ).toThrow(
      "staging.oncall.page.httpsEndpoints[0]: 'http://pager.example.com/hook' is not an https:// URL (only TLS endpoints are allowed)\n" +
        "staging.oncall.ticket.emails[0]: 'not-an-address' is not an e-mail address",
    );
  });

  test('alarm(): the description carries severity, owner and runbook, and the action is the severity topic', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    // WHEN
    topics.alarm(stack, 'Lag', {
      metric: metric('Lag'),
      threshold: 600,
      evaluationPeriods: 3,
      severity: 'ticket',
      owner: 'ml-features',
      runbook: 'feature-pipeline-lag',
      summary: 'Feature pipeline lag above 10 minutes.',
    });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription:
        'Feature pipeline lag above 10 minutes.\n\nSeverity: ticket\nOwner: ml-features\nRunbook: docs/runbooks/feature-pipeline-lag.md',
      AlarmActions: [{ Ref: stack.getLogicalId(topics.ticket.node.defaultChild as any) }],
    });
  });

  test('a composite alarm pages once for two signals that carry no action', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    const o = { severity: 'page' as const, owner: 'ml-serving', runbook: 'scoring-endpoint-degraded' };
    const latency = topics.signal(stack, 'Latency', {
      metric: metric('Latency'),
      threshold: 250,
      evaluationPeriods: 5,
      summary: 'p99 slow',
      ...o,
    });
    const errors = topics.signal(stack, 'Errors', {
      metric: metric('Errors'),
      threshold: 5,
      evaluationPeriods: 5,
      summary: 'errors',
      ...o,
    });
    // WHEN
    topics.compositeAlarm(stack, 'Degraded', {
      alarmRule: cloudwatch.AlarmRule.anyOf(latency, errors),
      summary: 'Scoring degraded.',
      ...o,
    });
    // THEN
    const t = Template.fromStack(stack).toJSON();
    const alarms = Object.values<any>(t.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map((a) => a.Properties.AlarmActions)).toEqual([undefined, undefined]);
    expect(checkAlarmContract(templates(stack), { runbookDir: runbookDir('scoring-endpoint-degraded') })).toEqual([]);
  });

  test('annotate() puts a hand-written alarm under the contract', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    const alarm = new cloudwatch.Alarm(stack, 'Legacy', { metric: metric('X'), threshold: 1, evaluationPeriods: 1 });
    // WHEN
    topics.annotate(alarm, { severity: 'page', owner: 'ml-serving', runbook: 'scoring-endpoint-degraded' }, 'Legacy alarm.');
    // THEN
    expect(checkAlarmContract(templates(stack), { runbookDir: runbookDir('scoring-endpoint-degraded') })).toEqual([]);
  });

  test('the three compliance packs find nothing on the topics', () => {
    // GIVEN
    const { app } = observabilityStack({ nag: true });
    // THEN
    expect(() => app.synth()).not.toThrow();
  });
});

describe('the alarm contract check', () => {
  test('fails on an alarm without severity, owner, runbook or action, and on a missing runbook file', () => {
    // GIVEN an alarm with nothing, and one whose runbook file is missing
    const stack = new Stack(undefined, 'Bare');
    new cloudwatch.Alarm(stack, 'Bare', { metric: metric('X'), threshold: 1, evaluationPeriods: 1, alarmName: 'bare' });
    new cloudwatch.Alarm(stack, 'NoFile', {
      metric: metric('Y'),
      threshold: 1,
      evaluationPeriods: 1,
      alarmDescription: describeAlarm('y', { severity: 'ticket', owner: 'ml-platform', runbook: 'no-such-runbook' }),
    });
    // WHEN
    const problems = checkAlarmContract(templates(stack), { runbookDir: runbookDir() });
    // THEN
    expect(problems).toEqual([
      expect.stringMatching(/^Bare\/Bare\w+ \(bare\): no 'Severity:' line in the alarm description \(page or ticket\)$/),
      expect.stringMatching(/^Bare\/Bare\w+ \(bare\): no 'Owner:' line/),
      expect.stringMatching(/^Bare\/Bare\w+ \(bare\): no 'Runbook:' line/),
      expect.stringMatching(/^Bare\/Bare\w+ \(bare\): no enabled ALARM action \(and not part of a composite alarm\)$/),
      expect.stringMatching(/^Bare\/NoFile\w+: runbook no-such-runbook.md does not exist in /),
      expect.stringMatching(/^Bare\/NoFile\w+: no enabled ALARM action/),
    ]);
  });

  test('fails on a page alarm that notifies the ticket topic', () => {
    // GIVEN
    const { stack, topics } = observabilityStack();
    const alarm = new cloudwatch.Alarm(stack, 'Misrouted', {
      metric: metric('X'),
      threshold: 1,
      evaluationPeriods: 1,
      alarmDescription: describeAlarm('x', { severity: 'page', owner: 'ml-serving', runbook: 'scoring-endpoint-degraded' }),
    });
    alarm.addAlarmAction(topics.alarmAction('ticket'));
    // WHEN
    const problems = checkAlarmContract(templates(stack), { runbookDir: runbookDir('scoring-endpoint-degraded') });
    // THEN
    expect(problems).toEqual([
      expect.stringMatching(/Misrouted\w+: severity 'page' but it notifies topic OnCallTicket\w+ \(mlp:severity: ticket\)$/),
    ]);
  });
});

describe('alarm descriptions', () => {
  test('round-trip: describe then parse gives the metadata back, also with a URL base', () => {
    const o = { severity: 'page' as const, owner: 'ml-serving', runbook: 'scoring-endpoint-degraded' };
    expect(parseAlarmDescription(describeAlarm('Slow.\nReally.', o))).toEqual({
      summary: 'Slow.\nReally.',
      severity: 'page',
      owner: 'ml-serving',
      runbookLink: 'docs/runbooks/scoring-endpoint-degraded.md',
      runbook: 'scoring-endpoint-degraded',
    });
    const url = describeAlarm('Slow.', o, 'https://github.com/acme/ml-platform/blob/main/docs/runbooks/');
    expect(parseAlarmDescription(url).runbook).toBe('scoring-endpoint-degraded');
  });

  test('a long summary is shortened so the description fits 1024 characters and keeps its metadata', () => {
    const d = describeAlarm('x'.repeat(2000), { severity: 'ticket', owner: 'ml-platform', runbook: 'budget-exceeded' });
    expect(d.length).toBe(1024);
    expect(parseAlarmDescription(d).runbook).toBe('budget-exceeded');
  });

  test('bad ownership is reported field by field', () => {
    expect(ownershipProblems('prod.alarms.x', { severity: 'urgent' as any, owner: 'ML Team', runbook: 'Runbook.md' })).toEqual([
      "prod.alarms.x.severity: 'urgent' is not allowed (allowed: page, ticket)",
      "prod.alarms.x.owner: 'ML Team' is not a team name (lower-case letters, digits and '-', 2 to 63 characters)",
      "prod.alarms.x.runbook: 'Runbook.md' is not a runbook key (lower-case words joined by '-', the file docs/runbooks/<key>.md)",
    ]);
  });
});

describe('checkCloudAssembly', () => {
  test('checks every stack of a synthesized app', () => {
    // GIVEN an app with one stack under the contract and one bare alarm in another stack
    const { app, stack, topics } = observabilityStack();
    topics.alarm(stack, 'Ok', {
      metric: metric('Ok'),
      threshold: 1,
      evaluationPeriods: 1,
      severity: 'ticket',
      owner: 'ml-platform',
      runbook: 'msk-disk-used',
      summary: 'x',
    });
    const other = new Stack(app, 'Other', { env: { account: '123456789012', region: 'eu-west-1' } });
    new cloudwatch.Alarm(other, 'Bare', { metric: metric('X'), threshold: 1, evaluationPeriods: 1, alarmName: 'bare' });
    // WHEN
    const problems = checkCloudAssembly(app.synth(), { runbookDir: RUNBOOK_DIR });
    // THEN
    expect(problems).toHaveLength(4);
    expect(problems.every((p) => p.startsWith('Other/Bare'))).toBe(true);
  });
});

describe('OnCallTopics.fromTopicArns', () => {
  const attrs = {
    environment: 'prod',
    pageTopicArn: 'arn:aws:sns:eu-west-1:123456789012:prod-page',
    ticketTopicArn: 'arn:aws:sns:eu-west-1:123456789012:prod-ticket',
  };

  test('alarms in another stack follow the contract with the imported topics', () => {
    // GIVEN
    const stack = testStack('Serving');
    const topics = OnCallTopics.fromTopicArns(stack, 'OnCall', attrs);
    // WHEN
    topics.alarm(stack, 'Drift', {
      metric: metric('Drift'),
      threshold: 1,
      evaluationPeriods: 1,
      severity: 'ticket',
      owner: 'ml-serving',
      runbook: 'model-data-drift',
      summary: 'Input drift.',
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [attrs.ticketTopicArn] });
    expect(checkAlarmContract(templates(stack), { runbookDir: RUNBOOK_DIR })).toEqual([]);
  });

  test('service publish permissions must be granted where the topics are defined', () => {
    const topics = OnCallTopics.fromTopicArns(testStack(), 'OnCall', attrs);
    expect(() => topics.allowServiceToPublish('ticket', 'budgets.amazonaws.com')).toThrow(
      'prod.oncall: the ticket topic is imported; allow budgets.amazonaws.com to publish where the topics are defined (OnCallTopics.allowServiceToPublish)',
    );
  });
});
