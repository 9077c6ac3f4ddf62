import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  DATA_METRICS_NAMESPACE,
  MODEL_MONITOR_ANALYZER_ACCOUNTS,
  type MonitoringFrequency,
  monitoringJobAccess,
  type S3Location,
} from './data-quality-monitor';
import type {
  DeploymentGuardrails,
  EndpointAlarmThresholds,
  EndpointAutoScaling,
  EndpointDataCapture,
  ServerlessCapacity,
} from './model-endpoint';
import { assertInstanceType, assertInteger, assertSageMakerName } from './names';
import { endpointAlarms } from './private/endpoint-alarms';
import { SageMakerRole } from './private/sagemaker-role';

/** Data-quality monitoring the rollout tooling schedules once the endpoint exists. */
export interface EndpointSpecMonitoring {
  /** Where the baseline lives: `<prefix>/statistics.json` and `<prefix>/constraints.json`. */
  readonly baseline: S3Location;
  /** Where the violation reports go. */
  readonly reports: S3Location;
  /** Features whose drift is alarmed, 1 to 10. */
  readonly driftFeatures: readonly string[];
  /**
   * Drift distance above which a feature counts as drifted.
   * @default 0.1
   */
  readonly driftThreshold?: number;
  /**
   * How often the job runs.
   * @default 'hourly'
   */
  readonly frequency?: MonitoringFrequency;
  /**
   * Instance type of the job.
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;
}

/** The model an endpoint serves: where its versions' images and artifacts come from. */
export interface EndpointSpecModel {
  /** The model package group whose approved versions are rolled out. */
  readonly modelPackageGroupName: string;
  /** The model's inference-image repository: the execution role pulls from it only. */
  readonly repository: ecr.IRepository;
  /** Bucket of the model's artifacts. */
  readonly artifactsBucket: s3.IBucket;
  /** The model's prefix in that bucket, without slashes at either end (e.g. `credit-risk`): every version lives below it. */
  readonly artifactsPrefix: string;
}

export interface EndpointSpecProps {
  /** Physical endpoint name the rollout tooling creates. */
  readonly endpointName: string;
  /** SSM parameter that holds the spec (JSON), e.g. `/mlp/prod/endpoints/credit-risk/spec`. */
  readonly parameterName: string;
  readonly model: EndpointSpecModel;
  /** Key of the instances' volumes, the captured data and the monitoring reports. */
  readonly encryptionKey: kms.IKey;
  /**
   * VPC of the model's network interfaces. Required unless serverless.
   * @default - none (serverless only)
   */
  readonly vpc?: ec2.IVpc;
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
  /** @default - instances */
  readonly serverless?: ServerlessCapacity;
  /** @default - a fixed instance count */
  readonly autoScaling?: EndpointAutoScaling;
  /** @default - no capture */
  readonly dataCapture?: EndpointDataCapture;
  /** @default - all at once, no rollback alarms */
  readonly deploymentGuardrails?: DeploymentGuardrails;
  /** @default - p99 latency 500 ms, 5 errors per minute */
  readonly alarmThresholds?: EndpointAlarmThresholds;
  /** @default - no action */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** @default 'AllTraffic' */
  readonly variantName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default - no monitoring schedule */
  readonly monitoring?: EndpointSpecMonitoring;
}

/** Version of the spec's JSON layout; the rollout tooling refuses layouts it does not know. */
export const ENDPOINT_SPEC_VERSION = 1;

/**
 * The endpoint spec as stored (JSON) in SSM: everything `mlp endpoints rollout` needs to create the
 * endpoint the first time (the model itself comes from the approved model package).
 */
export interface EndpointSpecDocument {
  readonly version: number;
  readonly endpointName: string;
  readonly variantName: string;
  /** Registry group whose approved versions are rolled out. */
  readonly modelPackageGroupName: string;
  readonly executionRoleArn: string;
  /** Endpoint volumes and captured data. */
  readonly kmsKeyArn: string;
  readonly networkIsolation: boolean;
  /** Empty: no VPC (serverless). */
  readonly subnets: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly instances: { readonly instanceType: string; readonly initialInstanceCount: number } | null;
  readonly serverless: { readonly memorySizeMb: number; readonly maxConcurrency: number } | null;
  readonly autoScaling: {
    readonly minInstances: number;
    readonly maxInstances: number;
    readonly targetInvocationsPerInstance: number;
    readonly scaleInCooldownSeconds: number;
    readonly scaleOutCooldownSeconds: number;
  } | null;
  readonly dataCapture: { readonly destinationS3Uri: string; readonly samplingPercentage: number } | null;
  /** Blue/green canary; the alarms roll a deployment back. */
  readonly guardrails: {
    readonly canaryPercent: number;
    readonly canaryWaitSeconds: number;
    readonly terminationWaitSeconds: number;
    readonly maximumExecutionTimeoutSeconds: number;
    readonly rollbackAlarmNames: readonly string[];
  } | null;
  readonly logGroupName: string;
  /** Data-quality schedule created after the endpoint. */
  readonly monitoring: {
    readonly scheduleName: string;
    readonly scheduleExpression: string;
    readonly instanceType: string;
    readonly maxRuntimeSeconds: number;
    readonly roleArn: string;
    readonly analyzerImageUri: string;
    readonly baselineS3Uri: string;
    readonly reportsS3Uri: string;
    readonly subnets: readonly string[];
    readonly securityGroupIds: readonly string[];
    readonly driftFeatures: readonly string[];
    readonly driftThreshold: number;
    readonly driftAlarmName: string;
  } | null;
}

const SCHEDULES: Record<MonitoringFrequency, { expression: string; period: Duration; maxRuntime: Duration }> = {
  hourly: { expression: 'cron(0 * ? * * *)', period: Duration.hours(1), maxRuntime: Duration.minutes(30) },
  daily: { expression: 'cron(0 0 ? * * *)', period: Duration.days(1), maxRuntime: Duration.hours(1) },
};

/**
 * Everything around a SageMaker endpoint that the rollout tooling (`mlp endpoints rollout`) does
 * NOT own: the execution role (pulls the model's image repository, reads every version under the
 * model's prefix), the security group, the log group, latency/error alarms (the rollback alarms),
 * the monitoring job's role, security group and drift alarm, and an SSM parameter holding the
 * endpoint spec (JSON) the tooling reads to create the Model, EndpointConfig, Endpoint, autoscaling
 * and monitoring schedule when the first version rolls out. CloudFormation never declares the
 * endpoint, so a `cdk deploy` never changes what a rollout put in service.
 *
 * The alarms sit in INSUFFICIENT_DATA until the endpoint exists (missing data is not breaching).
 *
 * @example
 * const repository = new ecr.Repository(this, 'Images', { imageScanOnPush: true, encryptionKey: keys.serving });
 * new EndpointSpec(this, 'CreditRisk', {
 *   endpointName: 'prod-credit-risk',
 *   parameterName: '/mlp/prod/endpoints/credit-risk/spec',
 *   model: { modelPackageGroupName: 'prod-credit-risk', repository, artifactsBucket: models, artifactsPrefix: 'credit-risk' },
 *   encryptionKey: keys.serving,
 *   vpc,
 *   instanceType: 'ml.c5.2xlarge',
 *   autoScaling: { minCapacity: 3, maxCapacity: 12, targetInvocationsPerInstance: 300 },
 * });
 */
export class EndpointSpec extends Construct {
  readonly endpointName: string;
  readonly variantName: string;
  /** Execution role of every model version of the endpoint. */
  readonly role: iam.Role;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  readonly subnets: readonly ec2.ISubnet[];
  readonly logGroup: logs.LogGroup;
  readonly latencyAlarm: cloudwatch.Alarm;
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Role of the monitoring jobs, when monitored. */
  readonly monitoringRole?: iam.Role;
  readonly driftAlarm?: cloudwatch.Alarm;
  readonly parameter: ssm.StringParameter;
  readonly endpointArn: string;
  private readonly execution: SageMakerRole;

  constructor(scope: Construct, id: string, props: EndpointSpecProps) {
    super(scope, id);
    validate(props);
    const stack = Stack.of(this);
    this.endpointName = props.endpointName;
    this.variantName = props.variantName ?? 'AllTraffic';
    const serverless = props.serverless;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/sagemaker/Endpoints/${props.endpointName}`,
      encryptionKey: props.logEncryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    const execution = new SageMakerRole(this, 'ExecutionRole', {
      description: `Execution role of the models of SageMaker endpoint ${props.endpointName}`,
    });
    this.role = execution.role;
    this.execution = execution;
    execution.allowKey(props.encryptionKey);
    execution.allowLogs([this.logGroup.logGroupArn]);
    // Every version of the model: rolling out `<model>/1.1.0/...` needs no template change.
    const m = props.model;
    execution.allowRead(m.artifactsBucket, `${m.artifactsPrefix}/*`);
    execution.add(
      new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [m.repository.repositoryArn],
      }),
      // GetAuthorizationToken is account-wide: IAM offers no resource-level scoping for it.
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    execution.acknowledgeWildcard(
      'Resource::*',
      'ecr:GetAuthorizationToken has no resource-level permissions; pulls are scoped to the model repository.',
    );

    if (props.vpc) {
      this.subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
      const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: `SageMaker endpoint ${props.endpointName}: no ingress, HTTPS egress to S3 and AWS API endpoints`,
        allowAllOutbound: false,
      });
      sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 and AWS APIs (image, artifact, captured data)');
      this.securityGroups = [sg];
      execution.allowVpc(props.vpc, this.subnets, this.securityGroups);
    } else {
      this.subnets = [];
      this.securityGroups = [];
    }
    if (props.dataCapture) execution.allowWrite(props.dataCapture.bucket, `${props.dataCapture.prefix}/*`);

    ({ latencyAlarm: this.latencyAlarm, errorsAlarm: this.errorsAlarm } = endpointAlarms(
      this,
      props.endpointName,
      this.variantName,
      props.alarmThresholds,
    ));
    const alarms = [this.latencyAlarm, this.errorsAlarm];

    let monitoring: EndpointSpecDocument['monitoring'] = null;
    if (props.monitoring) {
      const mon = props.monitoring;
      const capture = props.dataCapture!;
      const frequency = mon.frequency ?? 'hourly';
      const schedule = SCHEDULES[frequency];
      const scheduleName = `${props.endpointName}-data-quality`;
      // SageMakerRole names its constructs 'Role' and 'Policy': a scope of its own keeps them apart.
      const monitor = new Construct(this, 'Monitor');
      const access = monitoringJobAccess(monitor, props.endpointName, {
        encryptionKey: props.encryptionKey,
        capture,
        baseline: mon.baseline,
        reports: mon.reports,
      });
      this.monitoringRole = access.role;
      const monitorSg = new ec2.SecurityGroup(monitor, 'SecurityGroup', {
        vpc: props.vpc!,
        description: `Model Monitor of ${props.endpointName}: no ingress, HTTPS egress to S3 and AWS API endpoints`,
        allowAllOutbound: false,
      });
      monitorSg.addEgressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(443),
        'HTTPS to S3 and AWS APIs (captured data, baseline, reports, metrics)',
      );
      access.allowVpc(props.vpc!, this.subnets, [monitorSg]);

      const metrics: Record<string, cloudwatch.IMetric> = {};
      mon.driftFeatures.forEach((f, i) => {
        metrics[`f${i}`] = new cloudwatch.Metric({
          namespace: DATA_METRICS_NAMESPACE,
          metricName: `feature_baseline_drift_${f}`,
          dimensionsMap: { Endpoint: props.endpointName, Feature: '_', MonitoringSchedule: scheduleName },
          statistic: 'Maximum',
          period: schedule.period,
        });
      });
      const threshold = mon.driftThreshold ?? 0.1;
      this.driftAlarm = new cloudwatch.Alarm(monitor, 'DriftAlarm', {
        alarmDescription: `${props.endpointName}: data drift above ${threshold} on one of ${mon.driftFeatures.join(', ')} (Model Monitor ${scheduleName})`,
        metric: new cloudwatch.MathExpression({
          expression: `MAX([${Object.keys(metrics).join(', ')}])`,
          usingMetrics: metrics,
          label: 'Largest feature baseline drift',
          period: schedule.period,
        }),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarms.push(this.driftAlarm);
      monitoring = {
        scheduleName,
        scheduleExpression: schedule.expression,
        instanceType: mon.instanceType ?? 'ml.m5.large',
        maxRuntimeSeconds: schedule.maxRuntime.toSeconds(),
        roleArn: access.role.roleArn,
        analyzerImageUri: analyzerImage(stack),
        baselineS3Uri: `s3://${mon.baseline.bucket.bucketName}/${mon.baseline.prefix}`,
        reportsS3Uri: `s3://${mon.reports.bucket.bucketName}/${mon.reports.prefix}`,
        subnets: this.subnets.map((s) => s.subnetId),
        securityGroupIds: [monitorSg.securityGroupId],
        driftFeatures: [...mon.driftFeatures],
        driftThreshold: threshold,
        driftAlarmName: this.driftAlarm.alarmName,
      };
    }
    if (props.alarmAction) {
      for (const alarm of alarms) {
        alarm.addAlarmAction(props.alarmAction);
        alarm.addOkAction(props.alarmAction);
      }
    }

    const g = props.deploymentGuardrails;
    const a = props.autoScaling;
    const spec: EndpointSpecDocument = {
      version: ENDPOINT_SPEC_VERSION,
      endpointName: props.endpointName,
      variantName: this.variantName,
      modelPackageGroupName: m.modelPackageGroupName,
      executionRoleArn: this.role.roleArn,
      kmsKeyArn: props.encryptionKey.keyArn,
      networkIsolation: !serverless,
      subnets: this.subnets.map((s) => s.subnetId),
      securityGroupIds: this.securityGroups.map((s) => s.securityGroupId),
      instances: serverless
        ? null
        : {
            instanceType: props.instanceType ?? 'ml.m5.large',
            initialInstanceCount: props.initialInstanceCount ?? a?.minCapacity ?? 1,
          },
      serverless: serverless ? { memorySizeMb: serverless.memorySizeMb, maxConcurrency: serverless.maxConcurrency } : null,
      autoScaling: a
        ? {
            minInstances: a.minCapacity,
            maxInstances: a.maxCapacity,
            targetInvocationsPerInstance: a.targetInvocationsPerInstance,
            scaleInCooldownSeconds: (a.scaleInCooldown ?? Duration.minutes(5)).toSeconds(),
            scaleOutCooldownSeconds: (a.scaleOutCooldown ?? Duration.minutes(1)).toSeconds(),
          }
        : null,
      dataCapture: props.dataCapture
        ? {
            destinationS3Uri: `s3://${props.dataCapture.bucket.bucketName}/${props.dataCapture.prefix}`,
            samplingPercentage: props.dataCapture.samplingPercentage,
          }
        : null,
      guardrails: g
        ? {
            canaryPercent: g.canaryPercent,
            canaryWaitSeconds: g.canaryWait.toSeconds(),
            terminationWaitSeconds: (g.terminationWait ?? Duration.minutes(0)).toSeconds(),
            maximumExecutionTimeoutSeconds: maximumExecutionTimeout(g),
            rollbackAlarmNames: [this.latencyAlarm.alarmName, this.errorsAlarm.alarmName],
          }
        : null,
      logGroupName: this.logGroup.logGroupName,
      monitoring,
    };
    this.parameter = new ssm.StringParameter(this, 'Spec', {
      parameterName: props.parameterName,
      description: `Spec of SageMaker endpoint ${props.endpointName}: read by mlp endpoints rollout, which owns the endpoint`,
      stringValue: stack.toJsonString(spec),
    });
    this.endpointArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'endpoint',
      resourceName: props.endpointName.toLowerCase(),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Lets the execution role pull images from other repositories too, e.g. the same model's
   * repositories of earlier environments (versions promoted with the image they were registered
   * with). In the role's one managed policy; each repository's own policy must admit this account.
   */
  allowImagesFrom(sid: string, repositoryArns: readonly string[]): void {
    this.execution.add(
      new iam.PolicyStatement({
        sid,
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [...repositoryArns],
      }),
    );
  }

  /** Lets a principal call InvokeEndpoint on the endpoint (once a rollout created it). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      resourceArns: [this.endpointArn],
    });
  }
}

function maximumExecutionTimeout(g: DeploymentGuardrails): number {
  if (g.maximumExecutionTimeout) return g.maximumExecutionTimeout.toSeconds();
  const waits = g.canaryWait.toSeconds() + (g.terminationWait ?? Duration.minutes(0)).toSeconds();
  return Math.min(28800, Math.max(600, waits + 1800));
}

function analyzerImage(stack: Stack): string {
  const region = stack.region;
  if (Token.isUnresolved(region))
    throw new Error('EndpointSpec monitoring needs a stack with a concrete region (the analyzer image is regional)');
  const account = MODEL_MONITOR_ANALYZER_ACCOUNTS[region];
  if (!account) {
    throw new Error(
      `EndpointSpec monitoring has no analyzer image for region ${region} (known: ${Object.keys(MODEL_MONITOR_ANALYZER_ACCOUNTS).join(', ')})`,
    );
  }
  return `${account}.dkr.ecr.${region}.amazonaws.com/sagemaker-model-monitor-analyzer`;
}

function validate(props: EndpointSpecProps): void {
  const C = 'EndpointSpec';
  assertSageMakerName(C, 'endpointName', props.endpointName);
  if (props.variantName !== undefined) assertSageMakerName(C, 'variantName', props.variantName);
  if (!/^\/[A-Za-z0-9_.\-/]+$/.test(props.parameterName)) {
    throw new Error(`${C} parameterName must be an SSM path starting with '/', got '${props.parameterName}'`);
  }
  if (!Token.isUnresolved(props.model.artifactsPrefix) && !/^[^/\s*]([^\s*]*[^/\s*])?$/.test(props.model.artifactsPrefix)) {
    throw new Error(
      `${C} model.artifactsPrefix must be a non-empty prefix without '*' or slashes at either end, got '${props.model.artifactsPrefix}'`,
    );
  }
  if (props.serverless) {
    assertInteger(C, 'serverless.maxConcurrency', props.serverless.maxConcurrency, 1, 200);
    const unsupported = (
      [
        ['vpc', props.vpc],
        ['dataCapture', props.dataCapture],
        ['autoScaling', props.autoScaling],
        ['deploymentGuardrails', props.deploymentGuardrails],
        ['monitoring', props.monitoring],
      ] as const
    )
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    if (unsupported.length > 0)
      throw new Error(`${C} serverless endpoints do not support ${unsupported.join(', ')}; remove them or use instances`);
  } else {
    if (!props.vpc) throw new Error(`${C} vpc is required for instance-based endpoints (only serverless endpoints run outside a VPC)`);
    if (props.instanceType !== undefined) assertInstanceType(C, 'instanceType', props.instanceType);
  }
  const a = props.autoScaling;
  if (a && a.minCapacity > a.maxCapacity) {
    throw new Error(`${C} autoScaling.minCapacity must not exceed maxCapacity, got min ${a.minCapacity} > max ${a.maxCapacity}`);
  }
  if (props.monitoring) {
    if (!props.dataCapture) throw new Error(`${C} monitoring needs dataCapture on endpoint '${props.endpointName}'`);
    const n = props.monitoring.driftFeatures.length;
    if (n < 1 || n > 10) throw new Error(`${C} monitoring.driftFeatures must list 1 to 10 features, got ${n}`);
    if (props.monitoring.instanceType !== undefined) assertInstanceType(C, 'monitoring.instanceType', props.monitoring.instanceType);
  }
}
