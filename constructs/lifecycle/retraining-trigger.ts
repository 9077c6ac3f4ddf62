import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { assertPattern, MODEL_NAME, MODEL_NAME_ALLOWED } from './private/checks';
import { allowLogsToUseKey } from './private/logs-key';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards, GRANT_WILDCARDS } from './private/nag';

/** The rate-limit window: at most one retraining per model per UTC hour or per UTC day. */
export type RetrainingWindow = 'hour' | 'day';

export interface RetrainingTriggerProps {
  /** The model (as in its TrainingPipeline). */
  readonly modelName: string;
  /** The model's training pipeline. */
  readonly pipeline: sfn.IStateMachine;
  /** Drift alarms of the model (e.g. the data-quality monitor's): entering ALARM asks for a retraining. */
  readonly driftAlarms: readonly cloudwatch.IAlarm[];
  /**
   * The parameter that points at the model's newest point-in-time training set, a JSON value
   * `{"trainingSetUri": "s3://…/<version>/", "trainingSetVersion": "<version>"}` (the feature
   * pipeline writes it).
   */
  readonly latestTrainingSet: ssm.IStringParameter;
  /** Version of the training code the retraining runs (the deployed training image's tag or commit). */
  readonly codeVersion: string;
  /**
   * At most one retraining per model per window.
   * @default 'day'
   */
  readonly window?: RetrainingWindow;
  /**
   * Table of claimed windows (one item per model and window). Share one table between models.
   * @default - a new table, encrypted with `encryptionKey`
   */
  readonly table?: dynamodb.ITableV2;
  /** Key of the table (if created here), the state machine and its log. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the created table and the log when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export const RETRAINING_STATES = {
  claim: 'ClaimWindow',
  readLatest: 'ReadLatestTrainingSet',
  start: 'StartTraining',
  rateLimited: 'RateLimited',
  failed: 'RetrainingNotStarted',
} as const;

/**
 * Drift → retraining, at most once per model per window: an EventBridge rule on the model's drift
 * alarms (state ALARM) starts a small state machine that claims the window with a DynamoDB
 * conditional put (`attribute_not_exists`), reads the newest training set and starts the model's
 * training pipeline (which applies the same gates, and waits for the same human approval). A second
 * alarm in the same window ends in `RateLimited` without starting anything. The execution name
 * (`drift-<window>`) is a second guard: Step Functions refuses a duplicate name for 90 days.
 */
export class RetrainingTrigger extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  readonly table: dynamodb.ITableV2;

  constructor(scope: Construct, id: string, props: RetrainingTriggerProps) {
    super(scope, id);
    const C = 'RetrainingTrigger';
    assertPattern(C, 'modelName', props.modelName, MODEL_NAME, MODEL_NAME_ALLOWED);
    const window = props.window ?? 'day';
    if (window !== 'hour' && window !== 'day')
      throw new Error(`${C} window of '${props.modelName}' must be 'hour' or 'day', got '${window}'`);
    if (props.driftAlarms.length === 0) throw new Error(`${C} driftAlarms of '${props.modelName}' must list at least one alarm, got none`);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.table =
      props.table ??
      new dynamodb.TableV2(this, 'Windows', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
        removalPolicy,
      });

    const S = RETRAINING_STATES;
    // The window of the event's time: '2026-11-29' (day) or '2026-11-29T13' (hour).
    const windowOf = new sfn.Pass(this, 'WindowOf', {
      resultPath: '$.window',
      parameters: {
        'id.$':
          window === 'day'
            ? "States.ArrayGetItem(States.StringSplit($.time, 'T'), 0)"
            : "States.ArrayGetItem(States.StringSplit($.time, ':'), 0)",
      },
    });
    const claim = new tasks.DynamoPutItem(this, S.claim, {
      table: this.table,
      item: {
        pk: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.format(`${props.modelName}#{}`, sfn.JsonPath.stringAt('$.window.id'))),
        claimedBy: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')),
        eventId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.id')),
      },
      conditionExpression: 'attribute_not_exists(pk)',
      resultPath: sfn.JsonPath.DISCARD,
    });
    const rateLimited = new sfn.Succeed(this, S.rateLimited, { comment: 'A retraining of this model already started in this window' });
    const failed = new sfn.Fail(this, S.failed, { error: 'RetrainingNotStarted', causePath: '$.error.Cause' });
    claim.addCatch(rateLimited, { errors: ['DynamoDB.ConditionalCheckFailedException'], resultPath: '$.error' });
    claim.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const readLatest = new tasks.CallAwsService(this, S.readLatest, {
      service: 'ssm',
      action: 'getParameter',
      iamResources: [props.latestTrainingSet.parameterArn],
      parameters: { Name: props.latestTrainingSet.parameterName },
      resultSelector: { 'value.$': 'States.StringToJson($.Parameter.Value)' },
      resultPath: '$.latest',
    });
    readLatest.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const start = new tasks.StepFunctionsStartExecution(this, S.start, {
      stateMachine: props.pipeline,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      name: sfn.JsonPath.format('drift-{}', sfn.JsonPath.stringAt('$.window.id')),
      input: sfn.TaskInput.fromObject({
        'trainingSetUri.$': '$.latest.value.trainingSetUri',
        'trainingSetVersion.$': '$.latest.value.trainingSetVersion',
        codeVersion: props.codeVersion,
        trigger: 'drift',
        'alarm.$': '$.detail.alarmName',
      }),
      resultSelector: { 'executionArn.$': '$.ExecutionArn' },
      resultPath: '$.started',
    });
    start.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    allowLogsToUseKey(this, props.encryptionKey);
    const logGroup = new logs.LogGroup(this, 'ExecutionLog', {
      encryptionKey: props.encryptionKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Starts retraining of ${props.modelName} on drift, at most once per ${window}`,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      role,
      definitionBody: sfn.DefinitionBody.fromChainable(windowOf.next(claim).next(readLatest).next(start)),
      comment: `Drift retraining of ${props.modelName}, at most once per ${window}`,
      tracingEnabled: true,
      timeout: Duration.minutes(5),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey),
    });
    props.encryptionKey.grantEncryptDecrypt(role);

    this.rule = new events.Rule(this, 'OnDrift', {
      description: `Drift alarms of ${props.modelName} entering ALARM`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: props.driftAlarms.map((a) => a.alarmArn),
        detail: { state: { value: ['ALARM'] } },
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
        finding: /^Resource::(\*|arn:[^:]+:states:[^:]*:[^:]*:execution:[^*]+\*)$/,
        reason:
          'X-Ray and log delivery actions have no resource type (aws-cdk-lib StateMachine); executions of the one pipeline this trigger starts',
      },
    ]);
  }
}
