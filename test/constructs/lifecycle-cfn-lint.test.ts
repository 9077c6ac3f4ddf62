import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ModelApproval, ModelPromotion, PromotionTarget, RetrainingTrigger, TeamAirflow, TrainingPipeline } from '../../constructs';
import { lifecycleStack, pipelineProps } from './lifecycle-fixtures';

test('a stack with every lifecycle construct passes cfn-lint (no errors, no warnings)', () => {
  // GIVEN one model's whole loop in a minimal stack
  const f = lifecycleStack();
  const pipeline = new TrainingPipeline(f.stack, 'CreditRisk', pipelineProps(f));
  const approval = new ModelApproval(f.stack, 'Approval', {
    models: [{ modelPackageGroupName: 'prod-credit-risk' }],
    approvers: new iam.AccountRootPrincipal(),
  });
  approval.guardTrainer(pipeline.jobRole);
  new RetrainingTrigger(f.stack, 'Retrain', {
    modelName: 'credit-risk',
    pipeline: pipeline.stateMachine,
    driftAlarms: [cloudwatch.Alarm.fromAlarmArn(f.stack, 'Drift', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:drift')],
    trainingSets: { bucket: f.features, prefix: 'training-sets/applicant_txn_aggregates/' },
    codeVersion: '3f2c1e9',
    encryptionKey: f.key,
  });
  new ModelPromotion(f.stack, 'Promotion', {
    sourceEnvironment: 'staging',
    targetEnvironment: 'prod',
    modelPackageGroupNames: ['prod-credit-risk'],
    target: PromotionTarget.stateMachine(sfn.StateMachine.fromStateMachineName(f.stack, 'Rollout', 'prod-rollout')),
    encryptionKey: f.key,
  });
  new TeamAirflow(f.stack, 'Airflow', {
    environmentName: 'prod-airflow',
    sourceBucket: f.models,
    vpc: f.vpc,
    encryptionKey: f.key,
    pipelines: [pipeline.stateMachine],
    emrServerless: [
      {
        applicationArn: 'arn:aws:emr-serverless:eu-west-1:123456789012:/applications/00abc',
        jobRoleArn: 'arn:aws:iam::123456789012:role/spark',
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'l13-cfn-lint-'));
  const file = join(dir, 'lifecycle.template.json');
  writeFileSync(file, JSON.stringify(Template.fromStack(f.stack).toJSON()));
  // WHEN
  const lint = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', file], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  // THEN (exit code is a bitmask: 2 errors, 4 warnings)
  expect(lint.stdout).toBe('');
  expect(lint.status! & 6).toBe(0);
});
