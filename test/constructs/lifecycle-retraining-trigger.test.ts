import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RetrainingTrigger, type RetrainingWindow } from '../../constructs';
import { definitionOf, execute, lifecycleStack, type Stub, serviceError } from './lifecycle-fixtures';

const ALARM = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-credit-risk-drift';
const LATEST = { trainingSetUri: 's3://features/training-sets/credit-risk/v=2026-11-29/', trainingSetVersion: 'v=2026-11-29' };

function trigger(window?: RetrainingWindow) {
  const f = lifecycleStack();
  const pipeline = sfn.StateMachine.fromStateMachineName(f.stack, 'Pipeline', 'credit-risk-training');
  const t = new RetrainingTrigger(f.stack, 'Retrain', {
    modelName: 'credit-risk',
    pipeline,
    driftAlarms: [cloudwatch.Alarm.fromAlarmArn(f.stack, 'Drift', ALARM)],
    latestTrainingSet: ssm.StringParameter.fromStringParameterName(f.stack, 'Latest', '/prod/training-sets/credit-risk/latest'),
    codeVersion: '3f2c1e9',
    encryptionKey: f.key,
    window,
  });
  return { ...f, trigger: t, definition: definitionOf(f.stack, 'Retrain') };
}

/** An alarm state change event as EventBridge delivers it. */
const alarmEvent = (time: string, id = 'e-1') => ({
  id,
  time,
  source: 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  resources: [ALARM],
  detail: { alarmName: 'prod-credit-risk-drift', state: { value: 'ALARM' } },
});

/** A table of claimed windows with DynamoDB's conditional-put semantics, shared by the runs of a test. */
function windowTable(): { stubs: Record<string, Stub>; keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    stubs: {
      ClaimWindow: (req: any) => {
        expect(req.ConditionExpression).toBe('attribute_not_exists(pk)');
        const pk = req.Item.pk.S;
        if (keys.has(pk)) throw serviceError('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
        keys.add(pk);
        return {};
      },
      ReadLatestTrainingSet: () => ({ Parameter: { Value: JSON.stringify(LATEST) } }),
      StartTraining: (req: any) => ({ ExecutionArn: `arn:aws:states:eu-west-1:123456789012:execution:credit-risk-training:${req.Name}` }),
    },
  };
}

describe('RetrainingTrigger', () => {
  test('drift starts the pipeline with the newest training set, once per day; the second alarm is rate-limited', async () => {
    // GIVEN
    const { definition } = trigger();
    const table = windowTable();
    // WHEN three alarms: two the same day, one the next day
    const first = await execute(definition, alarmEvent('2026-11-29T08:00:00Z', 'a'), table.stubs);
    const second = await execute(definition, alarmEvent('2026-11-29T21:30:00Z', 'b'), table.stubs);
    const nextDay = await execute(definition, alarmEvent('2026-11-30T00:05:00Z', 'c'), table.stubs);
    // THEN
    expect(first.status).toBe('SUCCEEDED');
    expect(first.calls.StartTraining).toEqual([
      {
        StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:credit-risk-training',
        Name: 'drift-2026-11-29',
        Input: { ...LATEST, codeVersion: '3f2c1e9', trigger: 'drift', alarm: 'prod-credit-risk-drift' },
      },
    ]);
    expect(second.status).toBe('SUCCEEDED');
    expect(second.calls.ClaimWindow).toHaveLength(1);
    expect(second.calls.StartTraining).toBeUndefined();
    expect(second.calls.ReadLatestTrainingSet).toBeUndefined();
    expect(nextDay.calls.StartTraining?.[0].Name).toBe('drift-2026-11-30');
    expect([...table.keys]).toEqual(['credit-risk#2026-11-29', 'credit-risk#2026-11-30']);
  });

  test('an hourly window allows one retraining per hour', async () => {
    const { definition } = trigger('hour');
    const table = windowTable();
    await execute(definition, alarmEvent('2026-11-29T08:00:00Z'), table.stubs);
    const sameHour = await execute(definition, alarmEvent('2026-11-29T08:59:00Z'), table.stubs);
    const nextHour = await execute(definition, alarmEvent('2026-11-29T09:00:00Z'), table.stubs);
    expect(sameHour.calls.StartTraining).toBeUndefined();
    expect(nextHour.calls.StartTraining?.[0].Name).toBe('drift-2026-11-29T09');
  });

  test('a failure to start (e.g. a missing training-set pointer) fails the execution with the cause', async () => {
    const { definition } = trigger();
    const table = windowTable();
    const run = await execute(definition, alarmEvent('2026-11-29T08:00:00Z'), {
      ...table.stubs,
      ReadLatestTrainingSet: () => {
        throw serviceError('Ssm.ParameterNotFoundException', 'parameter /prod/training-sets/credit-risk/latest not found');
      },
    });
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'RetrainingNotStarted',
      cause: 'parameter /prod/training-sets/credit-risk/latest not found',
    });
    expect(run.calls.StartTraining).toBeUndefined();
  });

  test('the rule fires on the drift alarms entering ALARM; the window table is encrypted and retained', () => {
    const { stack } = trigger();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [ALARM],
        detail: { state: { value: ['ALARM'] } },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Retrain') } })],
    });
    t.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({ SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }) }),
      DeletionPolicy: 'Retain',
    });
  });

  test('rejects no alarms and an unknown window', () => {
    const f = lifecycleStack();
    const base = {
      modelName: 'credit-risk',
      pipeline: sfn.StateMachine.fromStateMachineName(f.stack, 'P', 'x'),
      latestTrainingSet: ssm.StringParameter.fromStringParameterName(f.stack, 'L', '/x'),
      codeVersion: 'c',
      encryptionKey: f.key,
    };
    expect(() => new RetrainingTrigger(f.stack, 'A', { ...base, driftAlarms: [] })).toThrow(
      "RetrainingTrigger driftAlarms of 'credit-risk' must list at least one alarm, got none",
    );
    expect(
      () =>
        new RetrainingTrigger(f.stack, 'B', {
          ...base,
          driftAlarms: [cloudwatch.Alarm.fromAlarmArn(f.stack, 'D', ALARM)],
          window: 'week' as never,
        }),
    ).toThrow("RetrainingTrigger window of 'credit-risk' must be 'hour' or 'day', got 'week'");
  });
});
