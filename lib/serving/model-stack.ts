import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  type AlarmOwnership,
  acknowledgeSignal,
  describeAlarm,
  EndpointSpec,
  type IOnCallTopics,
  ModelRegistry,
  type Severity,
  SIGNAL_MARK,
} from '../../constructs';
import { endpointDegradedSeverity } from '../observability/config';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import type { ServingEndpointConfig, ServingModelConfig } from './config';

export interface ModelStackProps extends PlatformStackProps {
  /** The model this stack holds. */
  readonly model: ServingModelConfig;
  readonly vpc: ec2.IVpc;
  /** Endpoint volumes, captured data, monitoring reports and the image repository. */
  readonly servingKey: kms.IKey;
  /** The endpoints' log groups. */
  readonly logsKey: kms.IKey;
  /** The lake's models zone: versions under `<model>/`, captured data, baselines and reports. */
  readonly modelsBucket: s3.IBucket;
  /** The Security stack's on-call topics: every alarm of the model notifies the topic of its severity. */
  readonly oncall: IOnCallTopics;
}

/** SSM parameter of an endpoint's spec, read by `mlp endpoints rollout`. */
export function endpointSpecParameterName(env: string, endpoint: string): string {
  return `/mlp/${env}/endpoints/${endpoint}/spec`;
}

/** Construct id of a model's stack: `ModelCreditRisk`. */
export function modelStackId(model: string): string {
  return `Model${pascal(model)}`;
}

/** Name of a model's stack: `MlPlatform-prod-Model-credit-risk`. */
export function modelStackName(env: string, model: string): string {
  return `MlPlatform-${env}-Model-${model}`;
}

/**
 * One model of an environment, in a stack of its own (about 20 resources per endpoint, so a
 * hundred models fit where one Serving stack would hit CloudFormation's limits): its model package
 * group, the ECR repository of its inference images, and for each endpoint that serves it
 * everything around the endpoint (execution role on the model's prefix, security groups, log
 * group, alarms, monitoring role, and the spec in SSM). The endpoint itself is created and updated
 * by `mlp endpoints rollout` only: this stack deploys with no model version in existence.
 */
export class ModelStack extends PlatformStack {
  readonly registry: ModelRegistry;
  readonly repository: ecr.Repository;
  /** Endpoint specs by endpoint config name. */
  readonly endpoints: Readonly<Record<string, EndpointSpec>>;

  constructor(scope: Construct, id: string, props: ModelStackProps) {
    const { config, model } = props;
    super(scope, id, { ...props, terminationProtection: config.terminationProtection });
    const removalPolicy = this.namedStatefulRemovalPolicy;

    this.registry = new ModelRegistry(this, 'Registry', {
      namePrefix: config.name,
      models: [{ name: model.name, description: model.description }],
      removalPolicy,
    });

    this.repository = new ecr.Repository(this, 'Images', {
      repositoryName: `${config.name}/${model.name}`,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: props.servingKey,
      lifecycleRules: [
        {
          description: 'Untagged images (superseded layers of a build) expire',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(14),
        },
      ],
      removalPolicy,
      // Where the environment does not retain, deleting the stack deletes the images too.
      emptyOnDelete: removalPolicy === RemovalPolicy.DESTROY ? true : undefined,
    });

    const owner = config.observability.owners.serving;
    const endpoints: Record<string, EndpointSpec> = {};
    for (const e of config.serving.endpoints.filter((x) => x.model === model.name)) {
      const endpointName = `${config.name}-${e.name}`;
      const spec = new EndpointSpec(this, pascal(e.name), {
        endpointName,
        parameterName: endpointSpecParameterName(config.name, e.name),
        model: {
          modelPackageGroupName: this.registry.groupName(model.name),
          repository: this.repository,
          artifactsBucket: props.modelsBucket,
          artifactsPrefix: model.name,
        },
        encryptionKey: props.servingKey,
        logEncryptionKey: props.logsKey,
        logRetention: config.logging.retentionDays,
        logRemovalPolicy: removalPolicy,
        alarmThresholds: { latencyP99: Duration.millis(e.alarms.latencyP99Ms), errors5xxPerMinute: e.alarms.errors5xxPerMinute },
        ...capacity(e, props.vpc, endpointName, props.modelsBucket),
      });
      endpoints[e.name] = spec;
      const cid = pascal(e.name);
      endpointAlarms(this, cid, config.name, e.name, spec, props.oncall, owner, endpointDegradedSeverity(config.observability, e.name));
      new CfnOutput(this, `${cid}EndpointName`, {
        value: endpointName,
        description: `SageMaker endpoint of ${e.name} (created by mlp endpoints rollout)`,
      });
      new CfnOutput(this, `${cid}SpecParameter`, {
        value: spec.parameter.parameterName,
        description: `Spec of ${endpointName}, read by mlp`,
      });
    }
    this.endpoints = endpoints;

    new CfnOutput(this, 'ModelPackageGroupName', { value: this.registry.groupName(model.name), description: `Registry of ${model.name}` });
    new CfnOutput(this, 'RepositoryUri', {
      value: this.repository.repositoryUri,
      description: `Inference images of ${model.name} (immutable tags)`,
    });
  }
}

/**
 * The endpoint's alarms under the alarm contract: latency and 5XX errors are signals of one
 * composite `<env>-endpoint-degraded-<endpoint>` (one failure notifies once), the drift alarm
 * tickets. Names start with `<env>-<runbook>` so `mlp oncall status --env` lists them and
 * `mlp oncall explain` finds the runbook. Only names, descriptions and actions change; the
 * alarms keep their logical IDs.
 */
function endpointAlarms(
  scope: Construct,
  cid: string,
  env: string,
  endpoint: string,
  spec: EndpointSpec,
  oncall: IOnCallTopics,
  owner: string,
  severity: Severity,
): void {
  const setup = (alarm: cloudwatch.Alarm, name: string, summary: string, o: AlarmOwnership) => {
    const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm;
    cfn.alarmName = name;
    cfn.alarmDescription = describeAlarm(summary, o, oncall.runbookBase);
  };
  const degraded: AlarmOwnership = { severity, owner, runbook: 'endpoint-degraded' };
  const latency = spec.latencyAlarm.node.defaultChild as cloudwatch.CfnAlarm;
  const errors = spec.errorsAlarm.node.defaultChild as cloudwatch.CfnAlarm;
  setup(spec.latencyAlarm, `${env}-endpoint-degraded-${endpoint}-latency`, `${latency.alarmDescription} ${SIGNAL_MARK}`, degraded);
  setup(spec.errorsAlarm, `${env}-endpoint-degraded-${endpoint}-errors`, `${errors.alarmDescription} ${SIGNAL_MARK}`, degraded);
  acknowledgeSignal(spec.latencyAlarm);
  acknowledgeSignal(spec.errorsAlarm);
  oncall.compositeAlarm(scope, `${cid}Degraded`, {
    alarmRule: cloudwatch.AlarmRule.anyOf(spec.latencyAlarm, spec.errorsAlarm),
    compositeAlarmName: `${env}-endpoint-degraded-${endpoint}`,
    summary: `Endpoint ${env}-${endpoint} is degraded: p99 latency or 5XX errors above their thresholds (one notification for either).`,
    ...degraded,
  });
  if (spec.driftAlarm) {
    const drift = spec.driftAlarm.node.defaultChild as cloudwatch.CfnAlarm;
    setup(spec.driftAlarm, `${env}-model-data-drift-${endpoint}`, String(drift.alarmDescription), {
      severity: 'ticket',
      owner,
      runbook: 'model-data-drift',
    });
    spec.driftAlarm.addAlarmAction(oncall.alarmAction('ticket'));
  }
}

/** Capacity, network, capture, rollout and monitoring props of one configured endpoint. */
function capacity(e: ServingEndpointConfig, vpc: ec2.IVpc, endpointName: string, bucket: s3.IBucket) {
  if (e.serverless) {
    // Serverless (dev only): no VPC, data capture, autoscaling, guardrails or monitoring (SageMaker offers none).
    return { serverless: { memorySizeMb: e.serverless.memorySizeMb, maxConcurrency: e.serverless.maxConcurrency } };
  }
  return {
    vpc,
    instanceType: e.instanceType,
    initialInstanceCount: e.initialInstanceCount,
    autoScaling: { minCapacity: e.minInstances, maxCapacity: e.maxInstances, targetInvocationsPerInstance: e.targetInvocationsPerInstance },
    dataCapture: { bucket, prefix: `data-capture/${endpointName}`, samplingPercentage: e.dataCaptureSamplingPercent },
    deploymentGuardrails: e.rollout.guardrails
      ? {
          canaryPercent: e.rollout.canaryPercent,
          canaryWait: Duration.minutes(e.rollout.canaryWaitMinutes),
          terminationWait: Duration.minutes(e.rollout.terminationWaitMinutes),
        }
      : undefined,
    monitoring: {
      baseline: { bucket, prefix: `monitoring/${endpointName}/baseline` },
      reports: { bucket, prefix: `monitoring/${endpointName}/reports` },
      driftFeatures: e.monitoring.driftFeatures,
      driftThreshold: e.monitoring.driftThreshold,
      frequency: e.monitoring.schedule,
      instanceType: e.monitoring.instanceType,
    },
  };
}

/** `credit-risk` -> `CreditRisk`. */
export function pascal(name: string): string {
  return name
    .split('-')
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}
