import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { allowLogsToUseKey } from './logs-key';
import { ManagedPolicyRole } from './managed-policy-role';

export interface AuditedStateMachineProps {
  readonly definition: sfn.IChainable;
  readonly comment: string;
  readonly timeout: Duration;
  readonly role: iam.IRole;
  /** Where every event goes, with its input and output. */
  readonly logGroup: logs.ILogGroup;
  /** Encrypts the executions' state data (the caller grants the role its use). */
  readonly encryptionKey: kms.IKey;
  /** @default - generated */
  readonly stateMachineName?: string;
  /** @default - aws-cdk-lib's default (JSONPath) */
  readonly queryLanguage?: sfn.QueryLanguage;
}

/**
 * A lifecycle state machine as every lifecycle construct runs one (id `Resource` of `scope`): X-Ray
 * tracing, every event logged with its data, state data encrypted with a customer-managed key. The
 * one definition of those settings for the pipelines, rollouts, promotions, imports and retraining.
 */
export function auditedStateMachine(scope: Construct, props: AuditedStateMachineProps): sfn.StateMachine {
  return new sfn.StateMachine(scope, 'Resource', {
    role: props.role,
    ...(props.stateMachineName !== undefined ? { stateMachineName: props.stateMachineName } : {}),
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    comment: props.comment,
    tracingEnabled: true,
    timeout: props.timeout,
    ...(props.queryLanguage !== undefined ? { queryLanguage: props.queryLanguage } : {}),
    logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey),
  });
}

export interface ExecutionLogProps {
  /** The construct's key; used for the log group when no `logEncryptionKey` is given (CloudWatch Logs is then allowed to use it). */
  readonly encryptionKey: kms.IKey;
  readonly logEncryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default one year */
  readonly retention?: logs.RetentionDays;
}

/** The execution log group of a lifecycle state machine (id `ExecutionLog` of `scope`), KMS-encrypted. */
export function executionLog(scope: Construct, props: ExecutionLogProps): logs.LogGroup {
  if (!props.logEncryptionKey) allowLogsToUseKey(scope, props.encryptionKey);
  return new logs.LogGroup(scope, 'ExecutionLog', {
    encryptionKey: props.logEncryptionKey ?? props.encryptionKey,
    retention: props.retention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}

/**
 * An EventBridge target that starts `stateMachine`, as the role `RuleRole` (in `scope`, with a
 * managed policy: the grant EventBridge's target adds lands there).
 */
export function stateMachineTarget(scope: Construct, stateMachine: sfn.IStateMachine): targets.SfnStateMachine {
  return new targets.SfnStateMachine(stateMachine, {
    role: new ManagedPolicyRole(scope, 'RuleRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') }),
  });
}
