import { type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import jsonata from 'jsonata';
import type { TrainingPipelineProps } from '../../constructs';
import { testStack } from '../util';

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22); this repository still runs on Node 20.
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** A stack with what the platform hands a lifecycle construct: a VPC, a key, the features and models buckets. */
export function lifecycleStack(withNag = false): { stack: Stack; vpc: ec2.IVpc; key: kms.Key; features: s3.Bucket; models: s3.Bucket } {
  const stack = testStack();
  if (withNag) {
    const app = stack.node.root;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new NIST80053R5Checks(app));
  }
  // The platform's network stack owns the VPC: the constructs receive it by reference.
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d4e5f67890',
    availabilityZones: [`${REGION}a`, `${REGION}b`],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    privateSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
  });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const bucket = (id: string) =>
    new s3.Bucket(stack, id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
    });
  const features = bucket('Features');
  const models = bucket('Models');
  // The fixture's buckets stand in for the platform's lake stack, which have their own tests;
  // only the construct under test must be free of findings.
  for (const scope of [features, models]) {
    for (const id of [
      'AwsSolutions-S1',
      'PCI.DSS.321-S3BucketLoggingEnabled',
      'PCI.DSS.321-S3BucketReplicationEnabled',
      'NIST.800.53.R5-S3BucketLoggingEnabled',
      'NIST.800.53.R5-S3BucketReplicationEnabled',
    ]) {
      Validations.of(scope).acknowledge({
        id,
        reason: 'test fixture: the platform lake stack owns access logging and replication of its buckets',
      });
    }
  }
  return { stack, vpc, key, features, models };
}

/** A credit model's pipeline props with the gates of a tier-1 model. */
export function pipelineProps(f: ReturnType<typeof lifecycleStack>, change: Partial<TrainingPipelineProps> = {}): TrainingPipelineProps {
  return {
    modelName: 'credit-risk',
    description: 'Probability of default of a loan application',
    tier: 1,
    modelPackageGroupName: 'prod-credit-risk',
    trainingSetBucket: f.features,
    artifactBucket: f.models,
    encryptionKey: f.key,
    vpc: f.vpc,
    training: {
      imageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/credit-risk-train:1.4.0`,
      hyperparameters: { max_depth: '6', eta: '0.1', num_round: '300' },
    },
    evaluation: { minAuc: 0.72, minKs: 0.3, maxAucDropVsProduction: 0.01, labelColumn: 'defaulted' },
    bias: {
      clarifyImageUri: `141502667606.dkr.ecr.${REGION}.amazonaws.com/sagemaker-clarify-processing:1.0`,
      attribute: 'age_band',
      disadvantagedValues: ['18-25'],
    },
    inferenceImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/credit-risk-serve:1.4.0`,
    mlflowTrackingServerArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:mlflow-tracking-server/prod-mlflow`,
    ...change,
  };
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the intrinsic functions of a synthesized definition into strings (Ref X → `X`, GetAtt X.A → `X.A`). */
function resolve(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v.Ref) return PSEUDO[v.Ref] ?? v.Ref;
  if (v['Fn::GetAtt']) return (v['Fn::GetAtt'] as string[]).join('.');
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(resolve).join(v['Fn::Join'][0]);
  if (v['Fn::Sub']) return String(v['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_m, name: string) => PSEUDO[name] ?? name);
  // A weak cross-stack reference (the platform's stacks): the output's name stands for its value.
  if (v['Fn::GetStackOutput']) return String(v['Fn::GetStackOutput'].OutputName);
  if (v['Fn::Select']) {
    const [index, from] = v['Fn::Select'] as [number, any];
    const parts = from['Fn::Split'] ? resolve(from['Fn::Split'][1]).split(from['Fn::Split'][0]) : (from as unknown[]).map(resolve);
    return parts[Number(index)] ?? `<${index}>`;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The Amazon States Language definitions of a stack's state machines, by logical id. */
export function definitions(stack: Stack): Record<string, any> {
  // Platform stacks pin their own account; the construct tests' stacks use ACCOUNT.
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  return Object.fromEntries(Object.entries(machines).map(([id, r]) => [id, JSON.parse(resolve(r.Properties.DefinitionString))]));
}

/** The only state machine of a stack whose logical id starts with `prefix`. */
export function definitionOf(stack: Stack, prefix: string): any {
  const found = Object.entries(definitions(stack)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one state machine '${prefix}*', got ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0]![1];
}

/** A stubbed service call: returns the task's result, or throws an error whose name is the ASL error. */
export type Stub = (input: any) => unknown;

/** A failure a stub throws: `name` is what Catch/Retry match (e.g. 'SageMaker.AmazonSageMakerException'). */
export function serviceError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

export interface Execution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: any;
  readonly error?: string;
  readonly cause?: string;
  /** Inputs each Task state was called with (after Parameters), by state name. */
  readonly calls: Record<string, any[]>;
}

/** Every Task state of a definition (including nested branches). */
function taskStates(definition: any): string[] {
  return Object.entries(definition.States as Record<string, any>).flatMap(([name, s]) => [
    ...(s.Type === 'Task' ? [name] : []),
    ...(s.Branches ?? []).flatMap(taskStates),
    ...(s.ItemProcessor ? taskStates(s.ItemProcessor) : []),
  ]);
}

/** Evaluates a JSONata `Output` template (`{% expr %}` strings, recursively) with the jsonata library. */
async function evaluateTemplate(template: unknown, input: unknown): Promise<unknown> {
  if (typeof template === 'string') {
    const m = /^\{%(.*)%\}$/s.exec(template.trim());
    return m ? jsonata(m[1]!).evaluate({}, { states: { input } }) : template;
  }
  if (Array.isArray(template)) return Promise.all(template.map((t) => evaluateTemplate(t, input)));
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = await evaluateTemplate(v, input);
    return out;
  }
  return template;
}

/**
 * aws-local-stepfunctions runs JSONPath only: each JSONata Pass state becomes a Task whose local
 * handler evaluates the state's real `Output` expressions with the jsonata library (`$states.input`).
 */
function withJsonataPasses(definition: any): { definition: any; handlers: Record<string, (input: any) => Promise<any>> } {
  const handlers: Record<string, (input: any) => Promise<any>> = {};
  const states: Record<string, any> = {};
  for (const [name, s] of Object.entries(definition.States as Record<string, any>)) {
    if (s.Type === 'Pass' && s.QueryLanguage === 'JSONata') {
      const { Output, QueryLanguage: _q, Type: _t, ...rest } = s;
      states[name] = { ...rest, Type: 'Task', Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:jsonata-${name}` };
      handlers[name] = (input: any) => evaluateTemplate(Output, input) as Promise<any>;
    } else {
      states[name] = s;
    }
  }
  return { definition: { ...definition, States: states }, handlers };
}

/** Every Wait state (waits are skipped in tests). */
function waitStates(definition: any): string[] {
  return Object.entries(definition.States as Record<string, any>)
    .filter(([, s]) => s.Type === 'Wait')
    .map(([n]) => n);
}

/** Definitions the interpreter has validated in this worker (JSON text). */
const validated = new Set<string>();
export async function execute(
  definition: any,
  input: unknown,
  stubs: Record<string, Stub>,
  context: Record<string, unknown> = {},
): Promise<Execution> {
  const calls: Record<string, any[]> = {};
  const converted = withJsonataPasses(definition);
  const handlers: Record<string, (input: any) => Promise<any>> = { ...converted.handlers };
  for (const name of taskStates(definition)) {
    handlers[name] = async (taskInput: any) => {
      calls[name] = [...(calls[name] ?? []), taskInput];
      const stub = stubs[name];
      if (!stub) throw new Error(`state '${name}' was called but the test gave it no stub`);
      return stub(taskInput);
    };
  }
  const unknown = Object.keys(stubs).filter((s) => !handlers[s]);
  if (unknown.length > 0) throw new Error(`stubs for states the definition does not have: ${unknown.join(', ')}`);
  // The interpreter validates each definition (asl-validator compiles its JSON schemas on every
  // call): once per distinct definition in this worker is enough.
  const key = JSON.stringify(converted.definition);
  const machine = new StateMachine(converted.definition, { validationOptions: { checkArn: false, noValidate: validated.has(key) } });
  validated.add(key);
  const run = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: Object.fromEntries(waitStates(definition).map((w) => [w, 0])),
    },
    context: { Execution: { Id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:test:run-1`, Name: 'run-1' }, ...context },
  });
  try {
    const output = await run.result;
    return { status: 'SUCCEEDED', output, calls };
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    if (process.env.DEBUG_SFN) console.log(e, cause);
    if (!cause) throw e;
    return { status: 'FAILED', error: cause.name, cause: cause.message, calls };
  }
}
