import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { APPROVER_DENIED_ACTIONS, ModelApproval } from '../../constructs';
import { lifecycleStack } from './lifecycle-fixtures';

function approval() {
  const f = lifecycleStack();
  const construct = new ModelApproval(f.stack, 'Approval', {
    models: [
      { modelPackageGroupName: 'prod-credit-risk', tier: 1 },
      { modelPackageGroupName: 'prod-marketing', tier: 3 },
    ],
    approvers: new iam.ArnPrincipal('arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ModelRisk_abc'),
  });
  return { ...f, approval: construct, template: () => Template.fromStack(f.stack) };
}

const statementsOf = (t: Template, roleLogicalIdPrefix: string) =>
  Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
    .filter((p: any) => (p.Properties.Roles ?? []).some((r: any) => r.Ref.startsWith(roleLogicalIdPrefix)))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);

describe('ModelApproval', () => {
  test('the approver may set a version to Approved or Rejected, and nothing else on the registry', () => {
    // GIVEN / WHEN
    const t = approval().template();
    const statements = statementsOf(t, 'ApprovalApproverRole');
    // THEN
    const allowed = statements.filter((s: any) => s.Effect === 'Allow');
    expect(allowed.flatMap((s: any) => [s.Action].flat()).sort()).toEqual([
      'sagemaker:DescribeModelPackage',
      'sagemaker:DescribeModelPackageGroup',
      'sagemaker:ListModelPackages',
      'sagemaker:UpdateModelPackage',
    ]);
    expect(allowed.find((s: any) => s.Action === 'sagemaker:UpdateModelPackage')).toEqual({
      Sid: 'DecideVersions',
      Effect: 'Allow',
      Action: 'sagemaker:UpdateModelPackage',
      Resource: [
        'arn:aws:sagemaker:eu-west-1:123456789012:model-package/prod-credit-risk/*',
        'arn:aws:sagemaker:eu-west-1:123456789012:model-package/prod-marketing/*',
      ],
      Condition: { StringEquals: { 'sagemaker:ModelApprovalStatus': ['Approved', 'Rejected'] } },
    });
  });

  test('the approver is denied starting or changing pipelines, training and registering', () => {
    const t = approval().template();
    const deny = statementsOf(t, 'ApprovalApproverRole').find((s: any) => s.Effect === 'Deny');
    expect(deny).toEqual({
      Sid: 'NeverTrainOrChangePipelines',
      Effect: 'Deny',
      Action: [...APPROVER_DENIED_ACTIONS].sort(),
      Resource: '*',
    });
    expect(APPROVER_DENIED_ACTIONS).toEqual(
      expect.arrayContaining([
        'states:StartExecution',
        'states:UpdateStateMachine',
        'sagemaker:CreateTrainingJob',
        'sagemaker:CreateModelPackage',
      ]),
    );
  });

  test('the approver role is assumed only by the reviewers, with short sessions', () => {
    const t = approval().template();
    t.hasResourceProperties('AWS::IAM::Role', {
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { AWS: 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ModelRisk_abc' },
          }),
        ],
      },
    });
  });

  test('the trainer guardrail denies approving and registering anything but PendingManualApproval', () => {
    // GIVEN
    const { stack, approval: a } = approval();
    const trainer = new iam.Role(stack, 'TeamRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    // WHEN
    a.guardTrainer(trainer);
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          { Sid: 'NeverApprove', Effect: 'Deny', Action: 'sagemaker:UpdateModelPackage', Resource: '*' },
          {
            Sid: 'RegisterOnlyPending',
            Effect: 'Deny',
            Action: 'sagemaker:CreateModelPackage',
            Resource: '*',
            Condition: { StringNotEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
          },
        ],
        Version: '2012-10-17',
      },
    });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: Match.stringLikeRegexp('never approve'),
      Roles: [{ Ref: Match.stringLikeRegexp('^TeamRole') }],
    });
  });

  test('tier-1 models never auto-approve; a tier-3 model may be', () => {
    const { stack, approval: a } = approval();
    const bot = new iam.Role(stack, 'Bot', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => a.grantAutoApprove(bot, 'prod-credit-risk')).toThrow(
      "ModelApproval cannot grant automatic approval of 'prod-credit-risk': tier-1 models never skip human approval",
    );
    expect(() => a.grantAutoApprove(bot, 'prod-fraud')).toThrow(
      "ModelApproval has no model package group 'prod-fraud'; known: prod-credit-risk, prod-marketing",
    );
    expect(a.grantAutoApprove(bot, 'prod-marketing').success).toBe(true);
  });

  test('rejects no models and a group listed twice', () => {
    const f = lifecycleStack();
    const approvers = new iam.AccountRootPrincipal();
    expect(() => new ModelApproval(f.stack, 'A', { models: [], approvers })).toThrow(
      'ModelApproval models must list at least one model package group, got none',
    );
    expect(
      () => new ModelApproval(f.stack, 'B', { models: [{ modelPackageGroupName: 'g' }, { modelPackageGroupName: 'g' }], approvers }),
    ).toThrow("ModelApproval models must name each group once, got 'g' twice");
  });
});
