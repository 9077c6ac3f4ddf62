import type { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelApproval, TrainingPipeline } from '../../constructs';
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
