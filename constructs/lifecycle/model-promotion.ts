import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { auditedStateMachine, executionLog, stateMachineTarget } from './private/audited-state-machine';
import { assertPattern } from './private/checks';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards, GRANT_WILDCARDS } from './private/nag';

/** The promotion request the endpoint owner receives (state machine input or event detail). */
export const PROMOTION_REQUEST = {
  'modelPackageArn.$': '$.version.modelPackageArn',
  'modelPackageGroupName.$': '$.version.modelPackageGroupName',
  'modelDataUrl.$': '$.version.modelDataUrl',
  'image.$': '$.version.image',
  'sourceEnvironment.$': '$.sourceEnvironment',
  'targetEnvironment.$': '$.targetEnvironment',
};

/**
 * How a promotion reaches the one owner of the target environment's endpoints (pluggable: the
 * platform decides who owns endpoints elsewhere).
 */
export abstract class PromotionTarget {
  /**
   * The owner's rollout state machine (blue/green with its guardrails), run to completion: its
   * failure (a tripped guardrail rolled back by the owner) fails the promotion.
   */
  static stateMachine(rollout: sfn.IStateMachine): PromotionTarget {
    return new (class extends PromotionTarget {
      readonly description = 'rollout state machine (run to completion)';
      task(scope: Construct, id: string): sfn.TaskStateBase {
        return new tasks.StepFunctionsStartExecution(scope, id, {
          stateMachine: rollout,
          integrationPattern: sfn.IntegrationPattern.RUN_JOB,
          input: sfn.TaskInput.fromObject(PROMOTION_REQUEST),
          resultSelector: { 'executionArn.$': '$.ExecutionArn', 'status.$': '$.Status' },
          resultPath: '$.promotion',
        });
      }
    })();
  }

  /**
   * An event bus of the target account (a cross-account bus whose rules start the owner's rollout):
   * the request is handed over, the outcome is the owner's to report.
   */
  static eventBus(bus: events.IEventBus): PromotionTarget {
    return new (class extends PromotionTarget {
      readonly description = 'event bus of the target environment (hand-over)';
      task(scope: Construct, id: string): sfn.TaskStateBase {
        return new tasks.EventBridgePutEvents(scope, id, {
          entries: [
            {
              eventBus: bus,
              source: 'ml-platform.lifecycle',
              detailType: 'Model Promotion Requested',
              detail: sfn.TaskInput.fromObject(PROMOTION_REQUEST),
            },
          ],
          resultSelector: { 'entries.$': '$.Entries' },
          resultPath: '$.promotion',
        });
      }
    })();
  }

  abstract readonly description: string;
  /** The task state that performs the promotion (JSONPath, reads `$.version`, writes `$.promotion`). */
  abstract task(scope: Construct, id: string): sfn.TaskStateBase;
}

export interface ModelPromotionProps {
  /** This environment (where versions are approved), e.g. 'dev'. */
  readonly sourceEnvironment: string;
  /** The next environment, e.g. 'staging'. */
  readonly targetEnvironment: string;
  /** Model package groups whose approved versions are promoted. */
  readonly modelPackageGroupNames: readonly string[];
  /** Who performs the promotion in the target environment. */
  readonly target: PromotionTarget;
  /**
   * A second hand-over once `target` succeeded, e.g. the next environment's event bus after this
   * environment's own rollout: a version reaches the next environment only after it served here.
   * @default - none
   */
  readonly handOver?: PromotionTarget;
  /** Key of the state machine and its log. */
  readonly encryptionKey: kms.IKey;
  /**
   * Key of the execution log, when it is not `encryptionKey`: a key whose policy already lets
   * CloudWatch Logs use it for log groups (the platform's logs key). Without it, `encryptionKey`
   * encrypts the log too and gets a key-policy statement for CloudWatch Logs.
   * @default - encryptionKey
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * What happens to the log when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export const PROMOTION_STATES = {
  describe: 'DescribeVersion',
  promote: 'Promote',
  handOver: 'HandOver',
  notApproved: 'NotApproved',
  rolledBack: 'PromotionRolledBack',
} as const;

/**
 * Promotion of approved versions to the next environment: an EventBridge rule on "SageMaker Model
 * Package State Change" (Approved, in the listed groups) starts a state machine that describes the
 * version and hands it to the target environment's endpoint owner (a {@link PromotionTarget}). This
 * construct never touches an endpoint: a rejected or failed rollout is rolled back by the owner and
 * ends here in `PromotionRolledBack`, so the previous version keeps serving.
 */
export class ModelPromotion extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ModelPromotionProps) {
    super(scope, id);
    const C = 'ModelPromotion';
    const env = /^[a-z][a-z0-9-]{0,15}$/;
    assertPattern(C, 'sourceEnvironment', props.sourceEnvironment, env, 'an environment name (lower-case, ≤ 16)');
    assertPattern(C, 'targetEnvironment', props.targetEnvironment, env, 'an environment name (lower-case, ≤ 16)');
    if (props.sourceEnvironment === props.targetEnvironment) {
      throw new Error(`${C} targetEnvironment must differ from sourceEnvironment, got '${props.targetEnvironment}' for both`);
    }
    if (props.modelPackageGroupNames.length === 0) throw new Error(`${C} modelPackageGroupNames must list at least one group, got none`);
    const stack = Stack.of(this);
    const S = PROMOTION_STATES;

    const approved = new sfn.Choice(this, 'IsApproved');
    const notApproved = new sfn.Succeed(this, S.notApproved, { comment: 'Only Approved versions are promoted' });
    const describe = new tasks.CallAwsService(this, S.describe, {
      service: 'sagemaker',
      action: 'describeModelPackage',
      iamResources: props.modelPackageGroupNames.map((g) =>
        stack.formatArn({
          service: 'sagemaker',
          resource: 'model-package',
          resourceName: `${g}/*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
      parameters: { 'ModelPackageName.$': '$.detail.ModelPackageArn' },
      resultSelector: {
        'modelPackageArn.$': '$.ModelPackageArn',
        'modelPackageGroupName.$': '$.ModelPackageGroupName',
        'modelDataUrl.$': '$.InferenceSpecification.Containers[0].ModelDataUrl',
        'image.$': '$.InferenceSpecification.Containers[0].Image',
      },
      resultPath: '$.version',
    });
    const context = new sfn.Pass(this, 'Environments', {
      parameters: { 'version.$': '$.version', sourceEnvironment: props.sourceEnvironment, targetEnvironment: props.targetEnvironment },
    });
    const promote = props.target.task(this, S.promote);
    const rolledBack = new sfn.Fail(this, S.rolledBack, { error: 'PromotionRolledBack', causePath: '$.error.Cause' });
    describe.addCatch(rolledBack, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    promote.addCatch(rolledBack, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const promoted = new sfn.Succeed(this, 'Promoted');
    let chain = describe.next(context).next(promote);
    if (props.handOver) {
      const handOver = props.handOver.task(this, S.handOver);
      handOver.addCatch(new sfn.Fail(this, 'HandOverFailed', { error: 'HandOverFailed', causePath: '$.error.Cause' }), {
        errors: [sfn.Errors.ALL],
        resultPath: '$.error',
      });
      chain = chain.next(handOver);
    }

    const definition = approved
      .when(sfn.Condition.stringEquals('$.detail.ModelApprovalStatus', 'Approved'), chain.next(promoted))
      .otherwise(notApproved);

    const logGroup = executionLog(this, {
      encryptionKey: props.encryptionKey,
      logEncryptionKey: props.logEncryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Promotes approved versions from ${props.sourceEnvironment} to ${props.targetEnvironment}`,
    });
    this.stateMachine = auditedStateMachine(this, {
      role,
      definition: definition,
      comment: `Promotion of approved model versions from ${props.sourceEnvironment} to ${props.targetEnvironment} (${props.target.description})`,
      timeout: Duration.hours(6),
      logGroup,
      encryptionKey: props.encryptionKey,
    });
    props.encryptionKey.grantEncryptDecrypt(role);

    this.rule = new events.Rule(this, 'OnApproval', {
      description: `Approved model versions in ${props.sourceEnvironment}`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [...props.modelPackageGroupNames], ModelApprovalStatus: ['Approved'] },
      },
      targets: [stateMachineTarget(this, this.stateMachine)],
    });

    acknowledgeWildcards(this, [
      ...GRANT_WILDCARDS,
      {
        finding: /^Resource::\*$/,
        reason: 'X-Ray and log delivery actions have no resource type (aws-cdk-lib StateMachine)',
      },
      {
        finding:
          /^Resource::arn:[^:]+:(sagemaker:[^:]*:[^:]*:model-package\/[A-Za-z0-9-]+\/\*|states:[^:]*:[^:]*:execution:[^*]+\*|events:[^:]*:[^:]*:rule\/StepFunctions.+)$/,
        reason: 'Versions of the promoted groups; executions of the one rollout state machine (and its .sync rule)',
      },
    ]);
  }
}
