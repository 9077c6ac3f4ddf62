import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { assertPattern } from './private/checks';
import { allowLogsToUseKey } from './private/logs-key';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards, GRANT_WILDCARDS } from './private/nag';

/** The event a ModelPromotion's `PromotionTarget.eventBus` hand-over puts on the next environment's bus. */
export const PROMOTION_EVENT = { source: 'ml-platform.lifecycle', detailType: 'Model Promotion Requested' } as const;

export interface VersionImportProps {
  /** Account of the previous environment, whose promotions are accepted. */
  readonly sourceAccount: string;
  /** The previous environment's group of the model (the event's `modelPackageGroupName`). */
  readonly sourceModelPackageGroupName: string;
  /** This environment (the event's `targetEnvironment`). */
  readonly environment: string;
  /** This environment's group the version is registered into. */
  readonly modelPackageGroupName: string;
  /**
   * The status the version gets here: `Approved` carries the previous environment's human approval
   * over (this environment's promotion then rolls it out); `PendingManualApproval` waits for a human
   * approval here (the second approval before prod).
   */
  readonly importAs: 'Approved' | 'PendingManualApproval';
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

/**
 * Receives a version promoted from the previous environment (an EventBridge rule on this account's
 * default bus, for events from that account only) and registers it in this environment's group, with
 * its source recorded (`sourceModelPackageArn`, `sourceEnvironment`), as `importAs`. The bus policy
 * that admits the previous account is `allowPromotionsFrom` (once per environment).
 *
 * @example
 * VersionImport.allowPromotionsFrom(this, 'PromotionsFromStaging', '222222222222');
 * new VersionImport(this, 'CreditRiskImport', {
 *   sourceAccount: '222222222222',
 *   sourceModelPackageGroupName: 'staging-credit-risk',
 *   environment: 'prod',
 *   modelPackageGroupName: 'prod-credit-risk',
 *   importAs: 'PendingManualApproval',
 *   encryptionKey: keys.data,
 * });
 */
export class VersionImport extends Construct {
  /** Lets the previous environment's account put promotion events on this account's default bus (once per stack). */
  static allowPromotionsFrom(scope: Construct, id: string, sourceAccount: string): events.CfnEventBusPolicy {
    return new events.CfnEventBusPolicy(scope, id, {
      statementId: `promotions-from-${sourceAccount}`,
      eventBusName: 'default',
      statement: {
        Sid: `PromotionsFrom${sourceAccount}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:${Stack.of(scope).partition}:iam::${sourceAccount}:root` },
        Action: 'events:PutEvents',
        Resource: Stack.of(scope).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        Condition: { StringEquals: { 'events:source': PROMOTION_EVENT.source, 'events:detail-type': PROMOTION_EVENT.detailType } },
      },
    });
  }

  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: VersionImportProps) {
    super(scope, id);
    const C = 'VersionImport';
    assertPattern(C, 'sourceAccount', props.sourceAccount, /^\d{12}$/, 'a 12-digit account id');
    if (props.importAs !== 'Approved' && props.importAs !== 'PendingManualApproval') {
      throw new Error(`${C} importAs must be 'Approved' or 'PendingManualApproval', got '${props.importAs}'`);
    }
    const stack = Stack.of(this);
    const group = props.modelPackageGroupName;
    const groupArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: group,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const packagesArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package',
      resourceName: `${group}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const register = new tasks.CallAwsService(this, 'RegisterPromotedVersion', {
      service: 'sagemaker',
      action: 'createModelPackage',
      iamResources: [groupArn, packagesArn],
      parameters: {
        ModelPackageGroupName: group,
        ModelApprovalStatus: props.importAs,
        'ModelPackageDescription.$': "States.Format('promoted from {}: {}', $.detail.sourceEnvironment, $.detail.modelPackageArn)",
        InferenceSpecification: {
          Containers: [{ 'Image.$': '$.detail.image', 'ModelDataUrl.$': '$.detail.modelDataUrl' }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
        MetadataProperties: { 'GeneratedBy.$': '$$.Execution.Id' },
        CustomerMetadataProperties: {
          'sourceModelPackageArn.$': '$.detail.modelPackageArn',
          'sourceEnvironment.$': '$.detail.sourceEnvironment',
          importedAs: props.importAs,
        },
      },
      resultSelector: { 'modelPackageArn.$': '$.ModelPackageArn' },
      resultPath: '$.registered',
    });
    register.addCatch(new sfn.Fail(this, 'ImportFailed', { error: 'ImportFailed', causePath: '$.error.Cause' }), {
      errors: [sfn.Errors.ALL],
      resultPath: '$.error',
    });

    if (!props.logEncryptionKey) allowLogsToUseKey(this, props.encryptionKey);
    const logGroup = new logs.LogGroup(this, 'ExecutionLog', {
      encryptionKey: props.logEncryptionKey ?? props.encryptionKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Registers versions promoted from ${props.sourceModelPackageGroupName} into ${group} as ${props.importAs}`,
    });
    // Only the configured status: an import can never approve what the configuration says a human approves here.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OnlyConfiguredStatus',
        effect: iam.Effect.DENY,
        actions: ['sagemaker:CreateModelPackage'],
        resources: [groupArn, packagesArn],
        conditions: { StringNotEquals: { 'sagemaker:ModelApprovalStatus': props.importAs } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverUpdatePackages',
        effect: iam.Effect.DENY,
        actions: ['sagemaker:UpdateModelPackage'],
        resources: ['*'],
      }),
    );
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      role,
      definitionBody: sfn.DefinitionBody.fromChainable(register.next(new sfn.Succeed(this, 'Imported'))),
      comment: `Versions promoted from ${props.sourceModelPackageGroupName} registered into ${group} as ${props.importAs}`,
      tracingEnabled: true,
      timeout: Duration.minutes(5),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey),
    });
    props.encryptionKey.grantEncryptDecrypt(role);
    this.rule = new events.Rule(this, 'OnPromotion', {
      description: `Versions of ${props.sourceModelPackageGroupName} promoted to ${props.environment}`,
      eventPattern: {
        source: [PROMOTION_EVENT.source],
        detailType: [PROMOTION_EVENT.detailType],
        account: [props.sourceAccount],
        detail: { modelPackageGroupName: [props.sourceModelPackageGroupName], targetEnvironment: [props.environment] },
      },
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          role: new ManagedPolicyRole(this, 'RuleRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') }),
        }),
      ],
    });
    acknowledgeWildcards(this, [
      ...GRANT_WILDCARDS,
      {
        finding: /^Resource::\*$/,
        reason: 'X-Ray and log delivery actions have no resource type (aws-cdk-lib StateMachine); the Deny of UpdateModelPackage',
      },
      {
        finding: /^Resource::arn:[^:]+:sagemaker:[^:]*:[^:]*:model-package\/[A-Za-z0-9-]+\/\*$/,
        reason: "Versions of this environment's group of the model (numbered as they are registered)",
      },
    ]);
  }
}
