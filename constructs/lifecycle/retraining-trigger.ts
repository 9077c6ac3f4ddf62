import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { auditedStateMachine, executionLog, stateMachineTarget } from './private/audited-state-machine';
import { assertPattern, KEY_PREFIX, KEY_PREFIX_ALLOWED, MODEL_NAME, MODEL_NAME_ALLOWED } from './private/checks';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards, GRANT_WILDCARDS } from './private/nag';
import { retrainingIntervalProblems } from './problems';

/** Where a model's point-in-time training sets are written: one `<prefix>version=<version>/` per set. */
export interface TrainingSetLocation {
  /** The features bucket. */
  readonly bucket: s3.IBucket;
  /** Prefix of the model's feature view, ending in '/', e.g. `training-sets/applicant_txn_aggregates/`. */
  readonly prefix: string;
}

export interface RetrainingTriggerProps {
  /** The model (as in its TrainingPipeline). */
  readonly modelName: string;
  /** The model's training pipeline. */
  readonly pipeline: sfn.IStateMachine;
  /** Drift alarms of the model (e.g. the data-quality monitor's): entering ALARM asks for a retraining. */
  readonly driftAlarms: readonly cloudwatch.IAlarm[];
  /**
   * Where the feature pipeline's training-set job writes the model's training sets
   * (`<prefix>version=<YYYYMMDDTHHMMSSZ>/`): the newest version (the last in key order) is trained on.
   */
  readonly trainingSets: TrainingSetLocation;
  /** Version of the training code the retraining runs (the deployed training image's tag or commit). */
  readonly codeVersion: string;
  /**
   * At most one retraining of the model per this interval (sliding: measured from the last claim).
   * @default Duration.days(1)
   */
  readonly minInterval?: Duration;
  /**
   * Table of claims (one item per model, expired by DynamoDB TTL on `expiresAt`). Share one table
   * between models; it must have TTL on `expiresAt`.
   * @default - a new table, encrypted with `encryptionKey`
   */
  readonly table?: dynamodb.ITableV2;
  /** Key of the table (if created here), the state machine and its log. */
  readonly encryptionKey: kms.IKey;
  /**
   * Key of the execution log, when it is not `encryptionKey`: a key whose policy already lets
   * CloudWatch Logs use it for log groups (the platform's logs key). Without it, `encryptionKey`
   * encrypts the log too and gets a key-policy statement for CloudWatch Logs.
   * @default - encryptionKey
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * What happens to the created table and the log when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export const RETRAINING_STATES = {
  times: 'ClaimTimes',
  claim: 'ClaimInterval',
  listSets: 'ListTrainingSets',
  start: 'StartTraining',
  rateLimited: 'RateLimited',
  noTrainingSet: 'NoTrainingSet',
  failed: 'RetrainingNotStarted',
} as const;

/** TTL attribute of a claim (epoch seconds): after it, the model may be retrained again. */
export const CLAIM_EXPIRY_ATTRIBUTE = 'expiresAt';

/**
 * Drift → retraining, at most once per model per interval: an EventBridge rule on the model's
 * drift alarms (state ALARM) starts a small state machine that claims the model in a DynamoDB table
 * (conditional put: no claim, or the last one expired; the item carries `expiresAt` = event time +
 * interval, which DynamoDB TTL deletes), lists the model's training sets and starts the training
 * pipeline on the newest (which applies the same gates, and waits for the same human approval). An
 * alarm within the interval ends in `RateLimited` without starting anything.
 */
export class RetrainingTrigger extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  readonly table: dynamodb.ITableV2;

  constructor(scope: Construct, id: string, props: RetrainingTriggerProps) {
    super(scope, id);
    const C = 'RetrainingTrigger';
    assertPattern(C, 'modelName', props.modelName, MODEL_NAME, MODEL_NAME_ALLOWED);
    const interval = props.minInterval ?? Duration.days(1);
    const hours = interval.toHours({ integral: false });
    const problems = retrainingIntervalProblems(hours);
    if (problems.length > 0) throw new Error(`${C} of '${props.modelName}': ${problems[0]}`);
    const intervalSeconds = interval.toSeconds();
    assertPattern(C, 'trainingSets.prefix', props.trainingSets.prefix, KEY_PREFIX, KEY_PREFIX_ALLOWED);
    if (props.driftAlarms.length === 0) throw new Error(`${C} driftAlarms of '${props.modelName}' must list at least one alarm, got none`);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.table =
      props.table ??
      new dynamodb.TableV2(this, 'Claims', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: CLAIM_EXPIRY_ATTRIBUTE,
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
        removalPolicy,
      });

    const S = RETRAINING_STATES;
    const bucket = props.trainingSets.bucket;
    const prefix = props.trainingSets.prefix;
    // Epoch seconds of the event and of the claim's end (JSONata: ASL's JSONPath has no date arithmetic).
    const times = sfn.Pass.jsonata(this, S.times, {
      outputs: {
        event: '{% $states.input %}',
        now: '{% $string($floor($toMillis($states.input.time) / 1000)) %}',
        expiresAt: `{% $string($floor($toMillis($states.input.time) / 1000) + ${intervalSeconds}) %}`,
      },
    });
    const claim = new tasks.DynamoPutItem(this, S.claim, {
      table: this.table,
      item: {
        pk: tasks.DynamoAttributeValue.fromString(props.modelName),
        [CLAIM_EXPIRY_ATTRIBUTE]: tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt('$.expiresAt')),
        claimedAt: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.event.time')),
        claimedBy: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')),
        alarm: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.event.detail.alarmName')),
      },
      conditionExpression: `attribute_not_exists(pk) OR ${CLAIM_EXPIRY_ATTRIBUTE} <= :now`,
      expressionAttributeValues: { ':now': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt('$.now')) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const rateLimited = new sfn.Succeed(this, S.rateLimited, {
      comment: `A retraining of this model started less than ${hours} hours ago`,
    });
    const failed = new sfn.Fail(this, S.failed, { error: 'RetrainingNotStarted', causePath: '$.error.Cause' });
    claim.addCatch(rateLimited, { errors: ['DynamoDB.ConditionalCheckFailedException'], resultPath: '$.error' });
    claim.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const listSets = new tasks.CallAwsService(this, S.listSets, {
      service: 's3',
      action: 'listObjectsV2',
      iamResources: [bucket.bucketArn],
      iamAction: 's3:ListBucket',
      parameters: { Bucket: bucket.bucketName, Prefix: `${prefix}version=`, Delimiter: '/' },
      // S3 leaves CommonPrefixes out when there is none: the whole answer is kept and tested below.
      resultPath: '$.sets',
    });
    listSets.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const noTrainingSet = new sfn.Fail(this, S.noTrainingSet, {
      error: 'NoTrainingSet',
      cause: `no training set under s3://${bucket.bucketName}/${prefix}version=*/ (the feature pipeline's training-set job writes them)`,
    });
    // Versions are UTC timestamps (YYYYMMDDTHHMMSSZ): key order is time order, the last is the newest.
    const newest = new sfn.Pass(this, 'NewestTrainingSet', {
      resultPath: '$.latest',
      parameters: {
        'set.$': 'States.ArrayGetItem($.sets.CommonPrefixes, States.MathAdd(States.ArrayLength($.sets.CommonPrefixes), -1))',
      },
    });
    const start = new tasks.StepFunctionsStartExecution(this, S.start, {
      stateMachine: props.pipeline,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      name: sfn.JsonPath.format('drift-{}', sfn.JsonPath.stringAt('$.now')),
      input: sfn.TaskInput.fromObject({
        'trainingSetUri.$': `States.Format('s3://${bucket.bucketName}/{}', $.latest.set.Prefix)`,
        // `<prefix>version=<v>/` → `<v>` (one '=' after the prefix; split on single characters only).
        'trainingSetVersion.$':
          "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.latest.set.Prefix, '='), States.MathAdd(States.ArrayLength(States.StringSplit($.latest.set.Prefix, '=')), -1)), '/'), 0)",
        codeVersion: props.codeVersion,
        trigger: 'drift',
        'alarm.$': '$.event.detail.alarmName',
      }),
      resultSelector: { 'executionArn.$': '$.ExecutionArn' },
      resultPath: '$.started',
    });
    start.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const hasSet = new sfn.Choice(this, 'HasTrainingSet')
      .when(sfn.Condition.isPresent('$.sets.CommonPrefixes[0]'), newest.next(start))
      .otherwise(noTrainingSet);

    const logGroup = executionLog(this, { encryptionKey: props.encryptionKey, logEncryptionKey: props.logEncryptionKey, removalPolicy });
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Starts retraining of ${props.modelName} on drift, at most once per ${hours} hours`,
    });
    this.stateMachine = auditedStateMachine(this, {
      role,
      definition: times.next(claim).next(listSets).next(hasSet),
      comment: `Drift retraining of ${props.modelName}, at most once per ${hours} hours`,
      timeout: Duration.minutes(5),
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      logGroup,
      encryptionKey: props.encryptionKey,
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
      targets: [stateMachineTarget(this, this.stateMachine)],
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
