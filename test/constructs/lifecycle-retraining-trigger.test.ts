import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RetrainingTrigger } from '../../constructs';
import { definitionOf, execute, lifecycleStack, type Stub, serviceError } from './lifecycle-fixtures';

const ALARM = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-credit-risk-drift';
const PREFIX = 'training-sets/applicant_txn_aggregates/';
const BUCKET = 'Features3940F53C';

function trigger(minInterval?: Duration) {
  const f = lifecycleStack();
  const pipeline = sfn.StateMachine.fromStateMachineName(f.stack, 'Pipeline', 'credit-risk-training');
  const t = new RetrainingTrigger(f.stack, 'Retrain', {
    modelName: 'credit-risk',
    pipeline,
    driftAlarms: [cloudwatch.Alarm.fromAlarmArn(f.stack, 'Drift', ALARM)],
    trainingSets: { bucket: f.features, prefix: PREFIX },
    codeVersion: '3f2c1e9',
    encryptionKey: f.key,
    minInterval,
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

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * A claims table with DynamoDB's semantics for the one condition the trigger writes
 * (`attribute_not_exists(pk) OR expiresAt <= :now`), and a features bucket with two training sets
 * listed in key order, as S3 lists them.
 */
function claimsTable(): { stubs: Record<string, Stub>; items: Map<string, any> } {
  const items = new Map<string, any>();
  return {
    items,
    stubs: {
      ClaimInterval: (req: any) => {
        expect(req.ConditionExpression).toBe('attribute_not_exists(pk) OR expiresAt <= :now');
        const existing = items.get(req.Item.pk.S);
        if (existing && Number(existing.expiresAt.N) > Number(req.ExpressionAttributeValues[':now'].N)) {
          throw serviceError('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
        }
        items.set(req.Item.pk.S, req.Item);
        return {};
      },
      ListTrainingSets: (req: any) => {
        expect(req).toEqual({ Bucket: expect.stringMatching(/^Features/), Prefix: `${PREFIX}version=`, Delimiter: '/' });
        return {
          CommonPrefixes: [{ Prefix: `${PREFIX}version=20261120T020000Z/` }, { Prefix: `${PREFIX}version=20261127T020000Z/` }],
        };
      },
      StartTraining: (req: any) => ({ ExecutionArn: `arn:aws:states:eu-west-1:123456789012:execution:credit-risk-training:${req.Name}` }),
    },
  };
}

describe('RetrainingTrigger', () => {
  test('drift starts the pipeline on the newest training set; another alarm within the interval is rate-limited', async () => {
    // GIVEN a one-day interval
    const { definition } = trigger();
    const table = claimsTable();
    // WHEN three alarms: at 08:00, 21:30 the same day, and 08:05 the next day (24 h 5 min later)
    const first = await execute(definition, alarmEvent('2026-11-29T08:00:00Z', 'a'), table.stubs);
    const second = await execute(definition, alarmEvent('2026-11-29T21:30:00Z', 'b'), table.stubs);
    const nextDay = await execute(definition, alarmEvent('2026-11-30T08:05:00Z', 'c'), table.stubs);
    // THEN
    expect(first.status).toBe('SUCCEEDED');
    expect(first.calls.StartTraining).toEqual([
      {
        StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:credit-risk-training',
        Name: `drift-${epoch('2026-11-29T08:00:00Z')}`,
        Input: {
          trainingSetUri: `s3://${BUCKET}/${PREFIX}version=20261127T020000Z/`,
          trainingSetVersion: '20261127T020000Z',
          codeVersion: '3f2c1e9',
          trigger: 'drift',
          alarm: 'prod-credit-risk-drift',
        },
      },
    ]);
    expect(first.calls.ClaimInterval[0].Item).toMatchObject({
      pk: { S: 'credit-risk' },
      expiresAt: { N: String(epoch('2026-11-29T08:00:00Z') + 86_400) },
    });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.calls.ClaimInterval).toHaveLength(1);
    expect(second.calls.ListTrainingSets).toBeUndefined();
    expect(second.calls.StartTraining).toBeUndefined();
    expect(nextDay.calls.StartTraining?.[0].Name).toBe(`drift-${epoch('2026-11-30T08:05:00Z')}`);
    expect(table.items.get('credit-risk').expiresAt.N).toBe(String(epoch('2026-11-30T08:05:00Z') + 86_400));
  });

  test('the interval is sliding: six hours after a claim a 6-hour trigger starts again, 5h59m after it does not', async () => {
    const { definition } = trigger(Duration.hours(6));
    const table = claimsTable();
    await execute(definition, alarmEvent('2026-11-29T08:00:00Z'), table.stubs);
    const early = await execute(definition, alarmEvent('2026-11-29T13:59:00Z'), table.stubs);
    const onTime = await execute(definition, alarmEvent('2026-11-29T14:00:00Z'), table.stubs);
    expect(early.calls.StartTraining).toBeUndefined();
    expect(onTime.calls.StartTraining).toHaveLength(1);
  });

  test('no training set yet: the execution fails NoTrainingSet and starts nothing', async () => {
    const { definition } = trigger();
    const table = claimsTable();
    const run = await execute(definition, alarmEvent('2026-11-29T08:00:00Z'), { ...table.stubs, ListTrainingSets: () => ({}) });
    expect(run).toMatchObject({ status: 'FAILED', error: 'NoTrainingSet' });
    expect(run.calls.StartTraining).toBeUndefined();
  });

  test('a failure to start fails the execution with the cause', async () => {
    const { definition } = trigger();
    const table = claimsTable();
    const run = await execute(definition, alarmEvent('2026-11-29T08:00:00Z'), {
      ...table.stubs,
      StartTraining: () => {
        throw serviceError('StepFunctions.StateMachineDoesNotExistException', 'State machine does not exist');
      },
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'RetrainingNotStarted', cause: 'State machine does not exist' });
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
      Properties: Match.objectLike({
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('rejects no alarms and an interval outside 1 to 720 hours', () => {
    const f = lifecycleStack();
    const base = {
      modelName: 'credit-risk',
      pipeline: sfn.StateMachine.fromStateMachineName(f.stack, 'P', 'x'),
      trainingSets: { bucket: f.features, prefix: PREFIX },
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
          minInterval: Duration.days(31),
        }),
    ).toThrow("RetrainingTrigger of 'credit-risk': minIntervalHours: 744 is not allowed; expected a whole number from 1 to 720");
  });
});
