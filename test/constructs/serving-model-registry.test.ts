import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelRegistry } from '../../constructs';
import { testStack } from '../util';

describe('ModelRegistry', () => {
  test('creates one model package group per model, named <prefix>-<model>, retained by default', () => {
    // GIVEN
    const stack = testStack();
    // WHEN
    new ModelRegistry(stack, 'Registry', {
      namePrefix: 'prod',
      models: [{ name: 'credit-risk', description: 'Probability of default' }, { name: 'fraud' }],
    });
    // THEN
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 2);
    t.hasResource('AWS::SageMaker::ModelPackageGroup', {
      Properties: { ModelPackageGroupName: 'prod-credit-risk', ModelPackageGroupDescription: 'Probability of default' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    t.hasResource('AWS::SageMaker::ModelPackageGroup', {
      Properties: { ModelPackageGroupName: 'prod-fraud' },
      DeletionPolicy: 'Retain',
    });
  });

  test('a DESTROY removal policy deletes the groups with the stack (dev)', () => {
    // GIVEN
    const stack = testStack();
    // WHEN
    new ModelRegistry(stack, 'Registry', { namePrefix: 'dev', models: [{ name: 'fraud' }], removalPolicy: RemovalPolicy.DESTROY });
    // THEN
    Template.fromStack(stack).hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Delete' });
  });

  test('grantRegister scopes to the group and its versions', () => {
    // GIVEN
    const stack = testStack();
    const registry = new ModelRegistry(stack, 'Registry', { namePrefix: 'prod', models: [{ name: 'credit-risk' }, { name: 'fraud' }] });
    const role = new iam.Role(stack, 'Training', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    // WHEN
    registry.grantRegister(role, 'credit-risk');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: Match.arrayWith(['sagemaker:CreateModelPackage']),
            Resource: [
              'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/prod-credit-risk',
              'arn:aws:sagemaker:eu-west-1:123456789012:model-package/prod-credit-risk/*',
            ],
          }),
        ],
      },
    });
    expect(registry.groupName('fraud')).toBe('prod-fraud');
  });

  test.each([
    ['an invalid model name', [{ name: 'credit_risk' }], /ModelRegistry model name must be 1 to 63 letters.*got 'credit_risk'/],
    ['a duplicate model', [{ name: 'fraud' }, { name: 'fraud' }], /unique names, got 'fraud' twice/],
    ['no models', [], /at least one model, got none/],
    ['a group name over 63 characters', [{ name: 'm'.repeat(60) }], /model package group name \(namePrefix-name\) must be 1 to 63/],
  ])('rejects %s', (_title, models, message) => {
    // GIVEN
    const stack = testStack();
    // WHEN / THEN
    expect(() => new ModelRegistry(stack, 'Registry', { namePrefix: 'prod', models })).toThrow(message);
  });

  test('asking for an unknown model names the registered ones', () => {
    const registry = new ModelRegistry(testStack(), 'Registry', { namePrefix: 'dev', models: [{ name: 'fraud' }] });
    expect(() => registry.groupArn('churn')).toThrow("ModelRegistry has no model 'churn'; registered: fraud");
  });
});
