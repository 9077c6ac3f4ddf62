import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ModelPromotion, PromotionTarget } from '../../constructs';
import { definitionOf, execute, lifecycleStack, type Stub, serviceError } from './lifecycle-fixtures';

const VERSION = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/dev-credit-risk/7';

function promotion(target: 'machine' | 'bus' = 'machine') {
  const f = lifecycleStack();
  const t =
    target === 'machine'
      ? PromotionTarget.stateMachine(
          sfn.StateMachine.fromStateMachineArn(f.stack, 'Rollout', 'arn:aws:states:eu-west-1:210987654321:stateMachine:staging-rollout'),
        )
      : PromotionTarget.eventBus(
          events.EventBus.fromEventBusArn(f.stack, 'Bus', 'arn:aws:events:eu-west-1:210987654321:event-bus/staging-promotions'),
        );
  new ModelPromotion(f.stack, 'Promotion', {
    sourceEnvironment: 'dev',
    targetEnvironment: 'staging',
    modelPackageGroupNames: ['dev-credit-risk'],
    target: t,
    encryptionKey: f.key,
  });
  return { ...f, definition: definitionOf(f.stack, 'Promotion') };
}

const stateChange = (status: string) => ({
  source: 'aws.sagemaker',
  'detail-type': 'SageMaker Model Package State Change',
  detail: { ModelPackageGroupName: 'dev-credit-risk', ModelPackageArn: VERSION, ModelApprovalStatus: status },
});

const stubs = (change: Record<string, Stub> = {}): Record<string, Stub> => ({
  DescribeVersion: () => ({
    ModelPackageArn: VERSION,
    ModelPackageGroupName: 'dev-credit-risk',
    InferenceSpecification: { Containers: [{ Image: 'serve:1.4.0', ModelDataUrl: 's3://models/credit-risk/model.tar.gz' }] },
  }),
  Promote: () => ({ ExecutionArn: 'arn:aws:states:eu-west-1:210987654321:execution:staging-rollout:x', Status: 'SUCCEEDED' }),
  ...change,
});

describe('ModelPromotion', () => {
  test('an approval hands the version to the target environment owner', async () => {
    // GIVEN
    const { definition } = promotion();
    // WHEN
    const run = await execute(definition, stateChange('Approved'), stubs());
    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.DescribeVersion).toEqual([{ ModelPackageName: VERSION }]);
    expect(run.calls.Promote).toEqual([
      {
        StateMachineArn: 'arn:aws:states:eu-west-1:210987654321:stateMachine:staging-rollout',
        Input: {
          modelPackageArn: VERSION,
          modelPackageGroupName: 'dev-credit-risk',
          modelDataUrl: 's3://models/credit-risk/model.tar.gz',
          image: 'serve:1.4.0',
          sourceEnvironment: 'dev',
          targetEnvironment: 'staging',
        },
      },
    ]);
  });

  test('approval rejected: nothing is promoted', async () => {
    const { definition } = promotion();
    const run = await execute(definition, stateChange('Rejected'), stubs());
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls).toEqual({});
  });

  test('promotion rolled back: the owner rollout failed, the execution fails with its cause and nothing else is called', async () => {
    // GIVEN the owner's rollout tripping a guardrail and rolling back (the .sync task fails)
    const rollback = serviceError('States.TaskFailed', 'guardrail alarm staging-credit-risk-5xx: rolled back to version 6');
    // WHEN
    const run = await execute(
      definition(),
      stateChange('Approved'),
      stubs({
        Promote: () => {
          throw rollback;
        },
      }),
    );
    // THEN
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'PromotionRolledBack',
      cause: 'guardrail alarm staging-credit-risk-5xx: rolled back to version 6',
    });
    expect(Object.keys(run.calls).sort()).toEqual(['DescribeVersion', 'Promote']);
  });

  test('the event-bus target puts a promotion request on the target account bus', async () => {
    const { definition: d } = promotion('bus');
    const run = await execute(d, stateChange('Approved'), stubs({ Promote: () => ({ Entries: [{ EventId: '1' }], FailedEntryCount: 0 }) }));
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.Promote![0].Entries[0]).toMatchObject({
      EventBusName: 'arn:aws:events:eu-west-1:210987654321:event-bus/staging-promotions',
      Source: 'ml-platform.lifecycle',
      DetailType: 'Model Promotion Requested',
      Detail: { modelPackageArn: VERSION, targetEnvironment: 'staging' },
    });
  });

  test('the rule matches approvals of the listed groups only', () => {
    const { stack } = promotion();
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: ['dev-credit-risk'], ModelApprovalStatus: ['Approved'] },
      },
    });
  });

  test('rejects promoting an environment to itself', () => {
    const f = lifecycleStack();
    const target = PromotionTarget.eventBus(events.EventBus.fromEventBusName(f.stack, 'B', 'b'));
    expect(
      () =>
        new ModelPromotion(f.stack, 'P', {
          sourceEnvironment: 'prod',
          targetEnvironment: 'prod',
          modelPackageGroupNames: ['g'],
          target,
          encryptionKey: f.key,
        }),
    ).toThrow("ModelPromotion targetEnvironment must differ from sourceEnvironment, got 'prod' for both");
  });
});

function definition() {
  return promotion().definition;
}
