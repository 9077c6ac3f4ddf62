import type { App } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  EndpointRollout,
  ModelApproval,
  ModelPromotion,
  PromotionTarget,
  RetrainingTrigger,
  TrainingPipeline,
  VersionImport,
} from '../../constructs';
import { lifecycleStack, pipelineProps } from './lifecycle-fixtures';

describe('lifecycle constructs under the three cdk-nag packs', () => {
  test('TrainingPipeline in a minimal stack has no unacknowledged finding', () => {
    // GIVEN
    const f = lifecycleStack(true);
    // WHEN
    new TrainingPipeline(f.stack, 'CreditRisk', pipelineProps(f));
    // THEN
    expect(() => (f.stack.node.root as App).synth()).not.toThrow();
  });
});

test('ModelApproval in a minimal stack has no unacknowledged finding', () => {
  const f = lifecycleStack(true);
  new ModelApproval(f.stack, 'Approval', {
    models: [{ modelPackageGroupName: 'prod-credit-risk' }],
    approvers: new iam.AccountRootPrincipal(),
  });
  expect(() => (f.stack.node.root as App).synth()).not.toThrow();
});

test('RetrainingTrigger and ModelPromotion in a minimal stack have no unacknowledged finding', () => {
  const f = lifecycleStack(true);
  new RetrainingTrigger(f.stack, 'Retrain', {
    modelName: 'credit-risk',
    pipeline: sfn.StateMachine.fromStateMachineName(f.stack, 'Pipeline', 'credit-risk-training'),
    driftAlarms: [cloudwatch.Alarm.fromAlarmArn(f.stack, 'Drift', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:drift')],
    trainingSets: { bucket: f.features, prefix: 'training-sets/applicant_txn_aggregates/' },
    codeVersion: 'c',
    encryptionKey: f.key,
  });
  new ModelPromotion(f.stack, 'Promotion', {
    sourceEnvironment: 'dev',
    targetEnvironment: 'staging',
    modelPackageGroupNames: ['dev-credit-risk'],
    target: PromotionTarget.stateMachine(
      sfn.StateMachine.fromStateMachineArn(f.stack, 'Rollout', 'arn:aws:states:eu-west-1:123456789012:stateMachine:rollout'),
    ),
    encryptionKey: f.key,
  });
  expect(() => (f.stack.node.root as App).synth()).not.toThrow();
});

test('EndpointRollout (with baseline copy and guardrails) and VersionImport in a minimal stack have no unacknowledged finding', () => {
  const f = lifecycleStack(true);
  new EndpointRollout(f.stack, 'Rollout', {
    endpointName: 'prod-credit-risk',
    specParameter: ssm.StringParameter.fromStringParameterName(f.stack, 'Spec', '/mlp/prod/endpoints/credit-risk/spec'),
    modelPackageGroupName: 'prod-credit-risk',
    executionRole: iam.Role.fromRoleArn(f.stack, 'EndpointRole', 'arn:aws:iam::123456789012:role/endpoint'),
    endpointKey: f.key,
    serverless: false,
    guardrails: true,
    baseline: { bucket: f.models, runsPrefix: 'credit-risk/pipelines/runs/', endpointPrefix: 'monitoring/prod-credit-risk/baseline/' },
    encryptionKey: f.key,
  });
  VersionImport.allowPromotionsFrom(f.stack, 'FromStaging', '222222222222');
  new VersionImport(f.stack, 'Import', {
    sourceAccount: '222222222222',
    sourceModelPackageGroupName: 'staging-credit-risk',
    environment: 'prod',
    modelPackageGroupName: 'prod-credit-risk',
    importAs: 'PendingManualApproval',
    artifacts: { bucket: f.models, prefix: 'credit-risk/', encryptionKey: f.key },
    roleName: 'prod-credit-risk-version-import',
    encryptionKey: f.key,
  });
  expect(() => (f.stack.node.root as App).synth()).not.toThrow();
});
