import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards } from './private/nag';
import type { ModelTier } from './training-pipeline';

/** A model whose versions are approved through this construct. */
export interface ApprovedModel {
  /** The model package group, e.g. `prod-credit-risk`. */
  readonly modelPackageGroupName: string;
  /**
   * Risk tier. Tier-1 versions can only ever be approved by the human approver role.
   * @default 1
   */
  readonly tier?: ModelTier;
}

export interface ModelApprovalProps {
  /** The models, one package group each. */
  readonly models: readonly ApprovedModel[];
  /**
   * Who may assume the approver role: the model-risk reviewers (an IAM Identity Center permission
   * set role, or an account principal whose own policies decide which humans).
   */
  readonly approvers: iam.IPrincipal;
  /**
   * Longest session of an approver.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/** What an approver must never do: train, run or change pipelines, create versions. */
export const APPROVER_DENIED_ACTIONS = [
  'states:StartExecution',
  'states:StartSyncExecution',
  'states:CreateStateMachine',
  'states:UpdateStateMachine',
  'states:DeleteStateMachine',
  'sagemaker:CreateTrainingJob',
  'sagemaker:StopTrainingJob',
  'sagemaker:UpdateTrainingJob',
  'sagemaker:CreateProcessingJob',
  'sagemaker:CreateModelPackage',
  'sagemaker:CreatePipeline',
  'sagemaker:UpdatePipeline',
  'sagemaker:StartPipelineExecution',
];

/** What an approver needs: read versions, set their approval status (and the reason). */
const APPROVER_READ_ACTIONS = ['sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup'];

/**
 * Separation of duties around the model registry:
 * - an **approver role** (assumed by the reviewers) that may read versions and set their approval
 *   status to Approved or Rejected (with `ApprovalDescription`, the reason; CloudTrail records who),
 *   and is explicitly denied training, running or changing pipelines and creating versions;
 * - a **trainer guardrail** managed policy for every principal that trains (pipeline roles, team
 *   roles, MWAA): it denies changing a version's approval and creating versions in any other state
 *   than PendingManualApproval.
 *
 * There is no automated approver: `grantAutoApprove` refuses tier-1 models, so a tier-1 version is
 * only ever approved by a human through the approver role.
 */
export class ModelApproval extends Construct {
  readonly approverRole: iam.Role;
  /** Attach to every principal that trains or runs pipelines. */
  readonly trainerGuardrail: iam.ManagedPolicy;
  private readonly tiers: Map<string, ModelTier>;

  constructor(scope: Construct, id: string, props: ModelApprovalProps) {
    super(scope, id);
    if (props.models.length === 0) throw new Error('ModelApproval models must list at least one model package group, got none');
    this.tiers = new Map();
    for (const m of props.models) {
      if (this.tiers.has(m.modelPackageGroupName)) {
        throw new Error(`ModelApproval models must name each group once, got '${m.modelPackageGroupName}' twice`);
      }
      const tier = m.tier ?? 1;
      if (![1, 2, 3].includes(tier)) throw new Error(`ModelApproval tier of '${m.modelPackageGroupName}' must be 1, 2 or 3, got ${tier}`);
      this.tiers.set(m.modelPackageGroupName, tier);
    }
    const groups = [...this.tiers.keys()];

    this.approverRole = new ManagedPolicyRole(this, 'ApproverRole', {
      assumedBy: props.approvers,
      description: 'Approves or rejects model versions; cannot train, run or change pipelines',
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
    });
    this.approverRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadVersions', actions: APPROVER_READ_ACTIONS, resources: this.arns(groups) }),
    );
    // ListModelPackages has no resource type: it is granted on '*' or not at all.
    this.approverRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ListVersions', actions: ['sagemaker:ListModelPackages'], resources: ['*'] }),
    );
    this.approverRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecideVersions',
        actions: ['sagemaker:UpdateModelPackage'],
        resources: this.packageArns(groups),
        conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': ['Approved', 'Rejected'] } },
      }),
    );
    this.approverRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverTrainOrChangePipelines',
        effect: iam.Effect.DENY,
        actions: APPROVER_DENIED_ACTIONS,
        resources: ['*'],
      }),
    );

    this.trainerGuardrail = new iam.ManagedPolicy(this, 'TrainerGuardrail', {
      description: 'Principals that train may never approve a model version, nor register one already decided',
      statements: [
        new iam.PolicyStatement({
          sid: 'NeverApprove',
          effect: iam.Effect.DENY,
          actions: ['sagemaker:UpdateModelPackage'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'RegisterOnlyPending',
          effect: iam.Effect.DENY,
          actions: ['sagemaker:CreateModelPackage'],
          resources: ['*'],
          conditions: { StringNotEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
        }),
      ],
    });
    acknowledgeWildcards(this, [
      {
        finding: /^Resource::\*$/,
        reason:
          'sagemaker:ListModelPackages has no resource type (read-only listing); every other approver action is scoped to the listed groups',
      },
      {
        finding: /^Resource::arn:[^:]+:sagemaker:[^:]*:[^:]*:model-package\/[A-Za-z0-9-]+\/\*$/,
        reason: 'The versions of the listed model package groups (versions are numbered as they are registered)',
      },
    ]);
  }

  /**
   * Applies the trainer guardrail to a role that trains or runs pipelines. The attachment is held
   * by the guardrail (its `Roles`), so a role of another stack is guarded without that stack
   * depending on this one.
   */
  guardTrainer(role: iam.IRole): void {
    this.trainerGuardrail.attachToRole(role);
  }

  /**
   * Lets an automated principal approve versions of a tier-2 or tier-3 model (e.g. in dev).
   * Throws for a tier-1 model: those are only ever approved by a human.
   */
  grantAutoApprove(grantee: iam.IGrantable, modelPackageGroupName: string): iam.Grant {
    const tier = this.tiers.get(modelPackageGroupName);
    if (tier === undefined) {
      throw new Error(`ModelApproval has no model package group '${modelPackageGroupName}'; known: ${[...this.tiers.keys()].join(', ')}`);
    }
    if (tier === 1) {
      throw new Error(
        `ModelApproval cannot grant automatic approval of '${modelPackageGroupName}': tier-1 models never skip human approval`,
      );
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:UpdateModelPackage', ...APPROVER_READ_ACTIONS],
      resourceArns: this.arns([modelPackageGroupName]),
    });
  }

  private packageArns(groups: readonly string[]): string[] {
    const stack = Stack.of(this);
    return groups.map((g) =>
      stack.formatArn({
        service: 'sagemaker',
        resource: 'model-package',
        resourceName: `${g}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
  }

  private arns(groups: readonly string[]): string[] {
    const stack = Stack.of(this);
    return [
      ...groups.map((g) =>
        stack.formatArn({
          service: 'sagemaker',
          resource: 'model-package-group',
          resourceName: g,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
      ...this.packageArns(groups),
    ];
  }
}
