import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import type { ModelSource } from './model-source';
import { assertInstanceType, assertInteger, assertSageMakerName } from './names';
import { endpointAlarms } from './private/endpoint-alarms';
import { SageMakerRole } from './private/sagemaker-role';

/** Serverless capacity: no instances to manage (no VPC, data capture, autoscaling or guardrails). */
export interface ServerlessCapacity {
  /** Memory per concurrent invocation: 1024 to 6144 MB in steps of 1024. */
  readonly memorySizeMb: number;
  /** Concurrent invocations, 1 to 200. */
  readonly maxConcurrency: number;
}

/** Target tracking on SageMakerVariantInvocationsPerInstance. */
export interface EndpointAutoScaling {
  /** Fewest instances. */
  readonly minCapacity: number;
  /** Most instances. */
  readonly maxCapacity: number;
  /** Invocations per instance per minute to hold. */
  readonly targetInvocationsPerInstance: number;
  /**
   * Wait after a scale-in before the next.
   * @default Duration.minutes(5)
   */
  readonly scaleInCooldown?: Duration;
  /**
   * Wait after a scale-out before the next.
   * @default Duration.minutes(1)
   */
  readonly scaleOutCooldown?: Duration;
}

/** Where and how much of the traffic is captured (Model Monitor's input). */
export interface EndpointDataCapture {
  readonly bucket: s3.IBucket;
  /** Prefix of the captured data, without slashes at either end, e.g. `data-capture/prod-credit-risk`. */
  readonly prefix: string;
  /** Percentage of requests captured, 0 to 100. */
  readonly samplingPercentage: number;
}

/**
 * Blue/green updates with canary traffic shifting: SageMaker routes `canaryPercent` of the traffic
 * to the new fleet, bakes for `canaryWait`, then shifts the rest, bakes `terminationWait` and
 * removes the old fleet. An alarm going off at any point rolls the endpoint back.
 */
export interface DeploymentGuardrails {
  /** Capacity share of the canary, 1 to 50 %. */
  readonly canaryPercent: number;
  /** Baking time of the canary, up to 1 hour. */
  readonly canaryWait: Duration;
  /**
   * Baking time after the full shift before the old fleet is terminated, up to 1 hour.
   * @default Duration.minutes(0)
   */
  readonly terminationWait?: Duration;
  /**
   * Longest a deployment may take (10 minutes to 8 hours).
   * @default - the waits plus 30 minutes to provision the new fleet, at least 10 minutes
   */
  readonly maximumExecutionTimeout?: Duration;
}

/** Thresholds of the endpoint's alarms (also the rollback alarms when guardrails are on). */
export interface EndpointAlarmThresholds {
  /**
   * p99 ModelLatency over three consecutive minutes above this alarms.
   * @default Duration.millis(500)
   */
  readonly latencyP99?: Duration;
  /**
   * Invocation5XXErrors per minute, at or above this in 2 of 3 minutes, alarms.
   * @default 5
   */
  readonly errors5xxPerMinute?: number;
}

export interface ModelEndpointProps {
  /** Physical endpoint name, stable: clients, the model-ops CLI and alarms address the endpoint by it. */
  readonly endpointName: string;
  /** What the endpoint serves: `ModelSource.fromImage(...)` or `ModelSource.fromModelPackage(...)`. */
  readonly model: ModelSource;
  /** Key of the instances' storage volumes, the captured data and the log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * VPC of the model's network interfaces. Required unless serverless.
   * @default - none (serverless only)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of the model's network interfaces.
   * @default - the private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the model's network interfaces.
   * @default - one group with no ingress and HTTPS egress only (S3 and the VPC's interface endpoints)
   */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];
  /**
   * No network access for the inference container (the artifact and image are still fetched by SageMaker).
   * Serverless endpoints do not support it.
   * @default - true, false when serverless
   */
  readonly networkIsolation?: boolean;
  /**
   * Instance type (`ml.*`). Ignored when serverless.
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;
  /**
   * Instances at creation.
   * @default - autoScaling.minCapacity, else 1
   */
  readonly initialInstanceCount?: number;
  /**
   * Serverless capacity instead of instances.
   * @default - instances
   */
  readonly serverless?: ServerlessCapacity;
  /**
   * Target-tracking autoscaling of the variant.
   * @default - a fixed instance count
   */
  readonly autoScaling?: EndpointAutoScaling;
  /**
   * Capture requests and responses to S3 (encrypted with `encryptionKey`).
   * @default - no capture
   */
  readonly dataCapture?: EndpointDataCapture;
  /**
   * Blue/green with canary and automatic rollback on the alarms.
   * @default - SageMaker's default: blue/green, all at once, no rollback alarms
   */
  readonly deploymentGuardrails?: DeploymentGuardrails;
  /**
   * Alarm thresholds.
   * @default - p99 latency 500 ms, 5 errors per minute
   */
  readonly alarmThresholds?: EndpointAlarmThresholds;
  /**
   * Action of the alarms (e.g. an SNS topic).
   * @default - no action
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /**
   * Name of the production variant; a rollout must keep it.
   * @default 'AllTraffic'
   */
  readonly variantName?: string;
  /**
   * Retention of the endpoint's log group (`/aws/sagemaker/Endpoints/<name>`).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key of the log group; its policy must admit CloudWatch Logs.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The scalable dimension and service namespace of a SageMaker variant. */
const SAGEMAKER_VARIANT_COUNT = 'sagemaker:variant:DesiredInstanceCount';

/**
 * A SageMaker real-time endpoint with a stable name: the model (network-isolated, in private
 * subnets), an endpoint config (one production variant, KMS-encrypted volumes, optional data
 * capture), target-tracking autoscaling, and alarms on p99 model latency and 5xx errors which,
 * with deployment guardrails, roll a blue/green canary update back automatically.
 *
 * Updates made outside CloudFormation (the model-ops CLI: a new endpoint config, then
 * UpdateEndpoint with RetainDeploymentConfig) keep the variant name and the guardrails.
 *
 * @example
 * const endpoint = new ModelEndpoint(this, 'CreditRisk', {
 *   endpointName: 'prod-credit-risk',
 *   model: ModelSource.fromImage({ imageUri, modelDataBucket: models, modelDataKey: 'credit-risk/1.0.0/model.tar.gz' }),
 *   encryptionKey: keys.serving,
 *   vpc,
 *   instanceType: 'ml.c5.2xlarge',
 *   autoScaling: { minCapacity: 3, maxCapacity: 12, targetInvocationsPerInstance: 300 },
 *   dataCapture: { bucket: models, prefix: 'data-capture/prod-credit-risk', samplingPercentage: 20 },
 *   deploymentGuardrails: { canaryPercent: 10, canaryWait: Duration.minutes(15) },
 * });
 * endpoint.grantInvoke(scoringServiceRole);
 */
export class ModelEndpoint extends Construct {
  readonly endpoint: sagemaker.CfnEndpoint;
  readonly endpointConfig: sagemaker.CfnEndpointConfig;
  readonly model: sagemaker.CfnModel;
  /** Execution role of the model (pulls the image, reads the artifact, writes captured data). */
  readonly role: iam.Role;
  readonly endpointName: string;
  readonly endpointArn: string;
  readonly variantName: string;
  /** p99 ModelLatency alarm. */
  readonly latencyAlarm: cloudwatch.Alarm;
  /** Invocation5XXErrors alarm. */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Security groups of the model's interfaces (empty when serverless). */
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  readonly logGroup: logs.LogGroup;
  readonly scalableTarget?: appscaling.ScalableTarget;
  readonly dataCapture?: EndpointDataCapture;
  /** The VPC placement, reused by monitoring jobs. */
  readonly vpc?: ec2.IVpc;
  readonly subnets: readonly ec2.ISubnet[];

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    validate(props);
    const stack = Stack.of(this);
    this.endpointName = props.endpointName;
    this.variantName = props.variantName ?? 'AllTraffic';
    this.dataCapture = props.dataCapture;
    this.vpc = props.vpc;
    const serverless = props.serverless;

    // Container logs: created here (not by SageMaker) so they are encrypted, retained and expire.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/sagemaker/Endpoints/${props.endpointName}`,
      encryptionKey: props.logEncryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const execution = new SageMakerRole(this, 'ExecutionRole', {
      description: `Execution role of SageMaker endpoint ${props.endpointName}`,
    });
    this.role = execution.role;
    execution.allowKey(props.encryptionKey);
    execution.allowLogs([this.logGroup.logGroupArn]);
    const container = props.model._bind(this, execution);

    let vpcConfig: sagemaker.CfnModel.VpcConfigProperty | undefined;
    if (props.vpc) {
      this.subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
      this.securityGroups = props.securityGroups ? [...props.securityGroups] : [this.defaultSecurityGroup(props.vpc)];
      execution.allowVpc(props.vpc, this.subnets, this.securityGroups);
      vpcConfig = {
        subnets: this.subnets.map((s) => s.subnetId),
        securityGroupIds: this.securityGroups.map((g) => g.securityGroupId),
      };
    } else {
      this.subnets = [];
      this.securityGroups = [];
    }

    if (props.dataCapture) {
      execution.allowWrite(props.dataCapture.bucket, `${props.dataCapture.prefix}/*`);
    }

    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      primaryContainer: container,
      enableNetworkIsolation: props.networkIsolation ?? !serverless,
      vpcConfig,
    });
    this.model.node.addDependency(execution.policy);

    const instanceCount = props.initialInstanceCount ?? props.autoScaling?.minCapacity ?? 1;
    this.endpointConfig = new sagemaker.CfnEndpointConfig(this, 'Config', {
      kmsKeyId: props.encryptionKey.keyArn,
      productionVariants: [
        serverless
          ? {
              variantName: this.variantName,
              modelName: this.model.attrModelName,
              serverlessConfig: { memorySizeInMb: serverless.memorySizeMb, maxConcurrency: serverless.maxConcurrency },
            }
          : {
              variantName: this.variantName,
              modelName: this.model.attrModelName,
              instanceType: props.instanceType ?? 'ml.m5.large',
              initialInstanceCount: instanceCount,
              initialVariantWeight: 1,
            },
      ],
      dataCaptureConfig: props.dataCapture
        ? {
            enableCapture: true,
            initialSamplingPercentage: props.dataCapture.samplingPercentage,
            destinationS3Uri: `s3://${props.dataCapture.bucket.bucketName}/${props.dataCapture.prefix}`,
            kmsKeyId: props.encryptionKey.keyArn,
            captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
            captureContentTypeHeader: { csvContentTypes: ['text/csv'], jsonContentTypes: ['application/json'] },
          }
        : undefined,
    });

    // Alarms name the endpoint by its physical name (not a reference): the endpoint refers to them.
    ({ latencyAlarm: this.latencyAlarm, errorsAlarm: this.errorsAlarm } = endpointAlarms(
      this,
      props.endpointName,
      this.variantName,
      props.alarmThresholds,
    ));
    if (props.alarmAction) {
      for (const alarm of [this.latencyAlarm, this.errorsAlarm]) {
        alarm.addAlarmAction(props.alarmAction);
        alarm.addOkAction(props.alarmAction);
      }
    }

    const guardrails = props.deploymentGuardrails;
    this.endpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName: props.endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
      // Keep the instance count autoscaling set when CloudFormation updates the endpoint, but take
      // data-capture changes (e.g. the sampling percentage) from the new endpoint config.
      retainAllVariantProperties: props.autoScaling ? true : undefined,
      excludeRetainedVariantProperties: props.autoScaling ? [{ variantPropertyType: 'DataCaptureConfig' }] : undefined,
      deploymentConfig: guardrails
        ? {
            blueGreenUpdatePolicy: {
              trafficRoutingConfiguration: {
                type: 'CANARY',
                canarySize: { type: 'CAPACITY_PERCENT', value: guardrails.canaryPercent },
                waitIntervalInSeconds: guardrails.canaryWait.toSeconds(),
              },
              terminationWaitInSeconds: (guardrails.terminationWait ?? Duration.minutes(0)).toSeconds(),
              maximumExecutionTimeoutInSeconds: maximumExecutionTimeout(guardrails),
            },
            autoRollbackConfiguration: {
              alarms: [{ alarmName: this.latencyAlarm.alarmName }, { alarmName: this.errorsAlarm.alarmName }],
            },
          }
        : undefined,
    });
    // SageMaker writes to the log group and data capture as soon as the endpoint is in service.
    this.endpoint.node.addDependency(this.logGroup);
    this.endpoint.node.addDependency(execution.policy);
    this.endpointArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'endpoint',
      resourceName: props.endpointName.toLowerCase(),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    if (props.autoScaling) {
      const scaling = props.autoScaling;
      this.scalableTarget = new appscaling.ScalableTarget(this, 'Scaling', {
        serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
        resourceId: `endpoint/${props.endpointName}/variant/${this.variantName}`,
        scalableDimension: SAGEMAKER_VARIANT_COUNT,
        minCapacity: scaling.minCapacity,
        maxCapacity: scaling.maxCapacity,
        // Application Auto Scaling uses its service-linked role for SageMaker (created on first
        // use); passing this imported role keeps the L2 from creating a role of its own.
        role: iam.Role.fromRoleArn(
          this,
          'AutoScalingServiceRole',
          stack.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName:
              'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
          }),
          { mutable: false },
        ),
      });
      this.scalableTarget.node.addDependency(this.endpoint);
      // Scalable targets take Tags in the current CloudFormation schema (aws-cdk-lib's L1 is
      // taggable); cfn-lint 1.51 ships an older schema without them. Silence only that check here.
      const cfnTarget = this.scalableTarget.node.defaultChild as appscaling.CfnScalableTarget;
      cfnTarget.addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } });
      this.scalableTarget.scaleToTrackMetric('InvocationsPerInstance', {
        predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
        targetValue: scaling.targetInvocationsPerInstance,
        scaleInCooldown: scaling.scaleInCooldown ?? Duration.minutes(5),
        scaleOutCooldown: scaling.scaleOutCooldown ?? Duration.minutes(1),
      });
    }
  }

  /** Lets a principal call InvokeEndpoint on this endpoint. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      resourceArns: [this.endpointArn],
    });
  }

  private defaultSecurityGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `SageMaker endpoint ${this.endpointName}: no ingress, HTTPS egress to S3 and AWS API endpoints`,
      allowAllOutbound: false,
    });
    // The S3 gateway endpoint's prefix list is regional and resolved only at deploy time, so
    // egress is HTTPS to any address; routing keeps S3 on the gateway endpoint and AWS APIs on
    // the interface endpoints (private DNS). The isolated container itself has no network.
    sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 and AWS APIs (image, artifact, captured data)');
    return sg;
  }
}

function maximumExecutionTimeout(g: DeploymentGuardrails): number {
  if (g.maximumExecutionTimeout) return g.maximumExecutionTimeout.toSeconds();
  const waits = g.canaryWait.toSeconds() + (g.terminationWait ?? Duration.minutes(0)).toSeconds();
  return Math.min(28800, Math.max(600, waits + 1800));
}

function validate(props: ModelEndpointProps): void {
  const C = 'ModelEndpoint';
  assertSageMakerName(C, 'endpointName', props.endpointName);
  if (props.variantName !== undefined) assertSageMakerName(C, 'variantName', props.variantName);
  if (props.serverless) {
    const s = props.serverless;
    if (
      !Token.isUnresolved(s.memorySizeMb) &&
      !(Number.isInteger(s.memorySizeMb) && s.memorySizeMb % 1024 === 0 && s.memorySizeMb >= 1024 && s.memorySizeMb <= 6144)
    ) {
      throw new Error(`${C} serverless.memorySizeMb must be 1024, 2048, 3072, 4096, 5120 or 6144, got ${s.memorySizeMb}`);
    }
    assertInteger(C, 'serverless.maxConcurrency', s.maxConcurrency, 1, 200);
    const unsupported = (
      [
        ['vpc', props.vpc],
        ['dataCapture', props.dataCapture],
        ['autoScaling', props.autoScaling],
        ['deploymentGuardrails', props.deploymentGuardrails],
        ['instanceType', props.instanceType],
        ['networkIsolation', props.networkIsolation || undefined],
        ['initialInstanceCount', props.initialInstanceCount],
      ] as const
    )
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    if (unsupported.length > 0) {
      throw new Error(`${C} serverless endpoints do not support ${unsupported.join(', ')}; remove them or use instances`);
    }
  } else {
    if (!props.vpc) throw new Error(`${C} vpc is required for instance-based endpoints (only serverless endpoints run outside a VPC)`);
    if (props.instanceType !== undefined) assertInstanceType(C, 'instanceType', props.instanceType);
    if (props.initialInstanceCount !== undefined) assertInteger(C, 'initialInstanceCount', props.initialInstanceCount, 1, 1000);
  }
  const a = props.autoScaling;
  if (a) {
    assertInteger(C, 'autoScaling.minCapacity', a.minCapacity, 1, 1000);
    assertInteger(C, 'autoScaling.maxCapacity', a.maxCapacity, 1, 1000);
    if (a.minCapacity > a.maxCapacity) {
      throw new Error(`${C} autoScaling.minCapacity must not exceed maxCapacity, got min ${a.minCapacity} > max ${a.maxCapacity}`);
    }
    const initial = props.initialInstanceCount;
    if (initial !== undefined && !Token.isUnresolved(initial) && (initial < a.minCapacity || initial > a.maxCapacity)) {
      throw new Error(`${C} initialInstanceCount must be within autoScaling min..max (${a.minCapacity}..${a.maxCapacity}), got ${initial}`);
    }
    if (!Token.isUnresolved(a.targetInvocationsPerInstance) && !(a.targetInvocationsPerInstance > 0)) {
      throw new Error(`${C} autoScaling.targetInvocationsPerInstance must be greater than 0, got ${a.targetInvocationsPerInstance}`);
    }
  }
  const d = props.dataCapture;
  if (d) {
    assertInteger(C, 'dataCapture.samplingPercentage', d.samplingPercentage, 0, 100);
    if (!Token.isUnresolved(d.prefix) && !/^[^/\s]([^\s]*[^/\s])?$/.test(d.prefix)) {
      throw new Error(`${C} dataCapture.prefix must be a non-empty S3 prefix without leading or trailing '/', got '${d.prefix}'`);
    }
  }
  const g = props.deploymentGuardrails;
  if (g) {
    assertInteger(C, 'deploymentGuardrails.canaryPercent', g.canaryPercent, 1, 50);
    const wait = g.canaryWait.toSeconds();
    if (wait > 3600) throw new Error(`${C} deploymentGuardrails.canaryWait must be at most 1 hour, got ${wait} seconds`);
    const termination = (g.terminationWait ?? Duration.minutes(0)).toSeconds();
    if (termination > 3600) throw new Error(`${C} deploymentGuardrails.terminationWait must be at most 1 hour, got ${termination} seconds`);
    if (g.maximumExecutionTimeout) {
      const max = g.maximumExecutionTimeout.toSeconds();
      if (max < 600 || max > 28800 || max <= wait + termination) {
        throw new Error(
          `${C} deploymentGuardrails.maximumExecutionTimeout must be 600 to 28800 seconds and longer than canaryWait + terminationWait (${wait + termination}), got ${max}`,
        );
      }
    }
  }
  const t = props.alarmThresholds;
  if (t?.latencyP99 !== undefined && !(t.latencyP99.toMilliseconds() > 0)) {
    throw new Error(`${C} alarmThresholds.latencyP99 must be longer than 0 ms, got ${t.latencyP99.toMilliseconds()} ms`);
  }
  if (t?.errors5xxPerMinute !== undefined) assertInteger(C, 'alarmThresholds.errors5xxPerMinute', t.errors5xxPerMinute, 1, 1000000);
}
