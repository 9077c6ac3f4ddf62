import { ArnFormat, Aws, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import type { ModelEndpoint } from './model-endpoint';
import { assertInstanceType, assertSageMakerName } from './names';
import { SageMakerRole } from './private/sagemaker-role';

/**
 * Accounts of the Model Monitor analyzer image (`sagemaker-model-monitor-analyzer`) per region,
 * as published in the SageMaker Python SDK (image_uri_config/model-monitor.json).
 */
export const MODEL_MONITOR_ANALYZER_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
  'ca-central-1': '536280801234',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'eu-central-1': '048819808253',
  'eu-north-1': '895015795356',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-south-1': '126357580389',
  'sa-east-1': '539772159869',
  'me-south-1': '607024016150',
  'ap-east-1': '001633400207',
};

/**
 * Namespace of the data-quality metrics Model Monitor publishes for real-time endpoints, with
 * dimensions `Endpoint`, `Feature` and `MonitoringSchedule`.
 */
export const DATA_METRICS_NAMESPACE = 'aws/sagemaker/Endpoints/data-metrics';

/** How often the monitoring job runs. */
export type MonitoringFrequency = 'hourly' | 'daily';
const SCHEDULES: Record<MonitoringFrequency, { expression: string; period: Duration; maxRuntime: Duration }> = {
  hourly: { expression: 'cron(0 * ? * * *)', period: Duration.hours(1), maxRuntime: Duration.minutes(30) },
  daily: { expression: 'cron(0 0 ? * * *)', period: Duration.days(1), maxRuntime: Duration.hours(1) },
};

/** An S3 location: a bucket and a prefix (no slashes at either end). */
export interface S3Location {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
}

export interface DataQualityMonitorProps {
  /** The monitored endpoint; it must capture data (`dataCapture`) and run in a VPC. */
  readonly endpoint: ModelEndpoint;
  /** Where the baseline lives: `<prefix>/statistics.json` and `<prefix>/constraints.json` (from a baselining job). */
  readonly baseline: S3Location;
  /** Where the violation reports go. */
  readonly reports: S3Location;
  /** Key of the job's volume and its reports. */
  readonly encryptionKey: kms.IKey;
  /** Features whose drift is alarmed, 1 to 10 (one alarm holds at most 10 metrics). */
  readonly driftFeatures: readonly string[];
  /**
   * Drift distance above which a feature counts as drifted (the constraint's comparison threshold).
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
  /**
   * Schedule name.
   * @default '<endpoint name>-data-quality'
   */
  readonly scheduleName?: string;
  /**
   * The analyzer image.
   * @default - the regional `sagemaker-model-monitor-analyzer` image
   */
  readonly analyzerImageUri?: string;
  /**
   * Action of the drift alarm.
   * @default - no action
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/**
 * A SageMaker Model Monitor data-quality schedule: the built-in analyzer compares the requests an
 * endpoint captured with a baseline (statistics and constraints), writes a violation report and
 * publishes per-feature metrics; an alarm fires when any watched feature drifts.
 *
 * The job runs network-isolated in the endpoint's subnets, with its own security group (HTTPS
 * egress only) and a role that reads the captured data and baseline and writes reports only.
 *
 * @example
 * new DataQualityMonitor(this, 'CreditRiskDrift', {
 *   endpoint,
 *   baseline: { bucket: models, prefix: 'monitoring/prod-credit-risk/baseline' },
 *   reports: { bucket: models, prefix: 'monitoring/prod-credit-risk/reports' },
 *   encryptionKey: keys.serving,
 *   driftFeatures: ['annual_income', 'loan_amount'],
 * });
 */
export class DataQualityMonitor extends Construct {
  readonly schedule: sagemaker.CfnMonitoringSchedule;
  readonly jobDefinition: sagemaker.CfnDataQualityJobDefinition;
  readonly role: iam.Role;
  readonly scheduleName: string;
  /** Fires when the largest `feature_baseline_drift_<feature>` of the watched features exceeds the threshold. */
  readonly driftAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DataQualityMonitorProps) {
    super(scope, id);
    const C = 'DataQualityMonitor';
    const { endpoint } = props;
    const capture = endpoint.dataCapture;
    if (!capture) throw new Error(`${C} needs an endpoint that captures data; endpoint '${endpoint.endpointName}' has no dataCapture`);
    if (!endpoint.vpc) throw new Error(`${C} needs an endpoint in a VPC; endpoint '${endpoint.endpointName}' has none`);
    const frequency = props.frequency ?? 'hourly';
    if (!SCHEDULES[frequency]) throw new Error(`${C} frequency must be 'hourly' or 'daily', got '${frequency}'`);
    const instanceType = props.instanceType ?? 'ml.m5.large';
    assertInstanceType(C, 'instanceType', instanceType);
    this.scheduleName = props.scheduleName ?? `${endpoint.endpointName}-data-quality`;
    assertSageMakerName(C, 'scheduleName', this.scheduleName);
    const features = props.driftFeatures;
    if (features.length < 1 || features.length > 10) {
      throw new Error(`${C} driftFeatures must list 1 to 10 features (one alarm holds at most 10 metrics), got ${features.length}`);
    }
    for (const f of features) {
      if (!/^[A-Za-z0-9_.-]{1,200}$/.test(f)) throw new Error(`${C} driftFeatures must be names of letters, digits and _.-, got '${f}'`);
    }
    const threshold = props.driftThreshold ?? 0.1;
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`${C} driftThreshold must be greater than 0 and at most 1, got ${threshold}`);
    const stack = Stack.of(this);
    const imageUri = props.analyzerImageUri ?? analyzerImage(stack);

    const access = monitoringJobAccess(this, endpoint.endpointName, {
      encryptionKey: props.encryptionKey,
      capture,
      baseline: props.baseline,
      reports: props.reports,
    });
    this.role = access.role;
    // The analyzer image is AWS-owned: SageMaker pulls it with its own credentials, no ECR grant needed.
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: endpoint.vpc,
      description: `Model Monitor of ${endpoint.endpointName}: no ingress, HTTPS egress to S3 and AWS API endpoints`,
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to S3 and AWS APIs (captured data, baseline, reports, metrics)',
    );
    access.allowVpc(endpoint.vpc, endpoint.subnets, [securityGroup]);

    const schedule = SCHEDULES[frequency];
    this.jobDefinition = new sagemaker.CfnDataQualityJobDefinition(this, 'JobDefinition', {
      roleArn: this.role.roleArn,
      endpointName: endpoint.endpointName,
      dataQualityAppSpecification: {
        imageUri,
        // Publishes feature_baseline_drift_<feature> (and other per-feature metrics) to CloudWatch.
        environment: { publish_cloudwatch_metrics: 'Enabled' },
      },
      dataQualityBaselineConfig: {
        statisticsResource: { s3Uri: `s3://${props.baseline.bucket.bucketName}/${props.baseline.prefix}/statistics.json` },
        constraintsResource: { s3Uri: `s3://${props.baseline.bucket.bucketName}/${props.baseline.prefix}/constraints.json` },
      },
      dataQualityJobInput: {
        endpointInput: {
          endpointName: endpoint.endpointName,
          localPath: '/opt/ml/processing/input/endpoint',
          s3InputMode: 'File',
          s3DataDistributionType: 'FullyReplicated',
        },
      },
      dataQualityJobOutputConfig: {
        kmsKeyId: props.encryptionKey.keyArn,
        monitoringOutputs: [
          {
            s3Output: {
              s3Uri: `s3://${props.reports.bucket.bucketName}/${props.reports.prefix}`,
              localPath: '/opt/ml/processing/output',
              s3UploadMode: 'EndOfJob',
            },
          },
        ],
      },
      jobResources: {
        clusterConfig: { instanceCount: 1, instanceType, volumeSizeInGb: 20, volumeKmsKeyId: props.encryptionKey.keyArn },
      },
      networkConfig: {
        enableNetworkIsolation: true,
        enableInterContainerTrafficEncryption: true,
        vpcConfig: { subnets: endpoint.subnets.map((s) => s.subnetId), securityGroupIds: [securityGroup.securityGroupId] },
      },
      stoppingCondition: { maxRuntimeInSeconds: schedule.maxRuntime.toSeconds() },
    });
    this.jobDefinition.node.addDependency(access.policy);
    this.jobDefinition.node.addDependency(endpoint.endpoint);

    this.schedule = new sagemaker.CfnMonitoringSchedule(this, 'Resource', {
      monitoringScheduleName: this.scheduleName,
      endpointName: endpoint.endpointName,
      monitoringScheduleConfig: {
        // The resource returns only its ARN (`...:data-quality-job-definition/<name>`); the name is
        // generated so that a changed definition can be replaced.
        monitoringJobDefinitionName: Fn.select(1, Fn.split('/', this.jobDefinition.attrJobDefinitionArn)),
        monitoringType: 'DataQuality',
        scheduleConfig: { scheduleExpression: schedule.expression },
      },
    });

    // What is alarmed and why: the built-in analyzer publishes, per feature, the distance between
    // the captured distribution and the baseline as `feature_baseline_drift_<feature>` in
    // aws/sagemaker/Endpoints/data-metrics. Its dimensions are Endpoint, MonitoringSchedule and
    // Feature, the latter "_" for these per-feature metric names (as the SageMaker Python SDK's
    // AutomaticDataQualityDashboard queries them); an alarm must name every dimension. There is no
    // single "violations" metric and an alarm cannot SEARCH metric names, so the alarm takes the
    // MAX over the declared features and compares it with the same threshold the baseline's
    // constraints use: one alarm, one datapoint per run, fired by any drifted feature. No data
    // (the job did not run, or captured nothing) is not treated as drift.
    const metrics: Record<string, cloudwatch.IMetric> = {};
    features.forEach((f, i) => {
      metrics[`f${i}`] = new cloudwatch.Metric({
        namespace: DATA_METRICS_NAMESPACE,
        metricName: `feature_baseline_drift_${f}`,
        dimensionsMap: { Endpoint: endpoint.endpointName, Feature: '_', MonitoringSchedule: this.scheduleName },
        statistic: 'Maximum',
        period: schedule.period,
      });
    });
    this.driftAlarm = new cloudwatch.Alarm(this, 'DriftAlarm', {
      alarmDescription: `${endpoint.endpointName}: data drift above ${threshold} on one of ${features.join(', ')} (Model Monitor ${this.scheduleName})`,
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
    if (props.alarmAction) {
      this.driftAlarm.addAlarmAction(props.alarmAction);
      this.driftAlarm.addOkAction(props.alarmAction);
    }
  }
}

function analyzerImage(stack: Stack): string {
  const region = stack.region;
  if (Token.isUnresolved(region)) {
    throw new Error('DataQualityMonitor needs a stack with a concrete region to pick the analyzer image, or analyzerImageUri');
  }
  const account = MODEL_MONITOR_ANALYZER_ACCOUNTS[region];
  if (!account) {
    throw new Error(
      `DataQualityMonitor has no analyzer image for region ${region}; pass analyzerImageUri (known: ${Object.keys(MODEL_MONITOR_ANALYZER_ACCOUNTS).join(', ')})`,
    );
  }
  return `${account}.dkr.ecr.${region}.amazonaws.com/sagemaker-model-monitor-analyzer`;
}

/**
 * The role of a Model Monitor data-quality job (id `AccessRole` under `scope`): the serving key,
 * read the captured data and the baseline, write the reports, write streams of the account's
 * processing-job log group, and put metrics in the data-metrics namespace only. Shared by
 * DataQualityMonitor (CloudFormation-owned endpoints) and EndpointSpec (tooling-owned ones).
 * @internal
 */
export function monitoringJobAccess(
  scope: Construct,
  endpointName: string,
  props: { readonly encryptionKey: kms.IKey; readonly capture: S3Location; readonly baseline: S3Location; readonly reports: S3Location },
): SageMakerRole {
  const stack = Stack.of(scope);
  const access = new SageMakerRole(scope, 'AccessRole', { description: `Model Monitor data-quality job of endpoint ${endpointName}` });
  access.allowKey(props.encryptionKey);
  access.allowList(props.capture.bucket, `${props.capture.prefix}/`);
  access.allowRead(props.capture.bucket, `${props.capture.prefix}/*`);
  access.allowRead(props.baseline.bucket, `${props.baseline.prefix}/*`);
  access.allowWrite(props.reports.bucket, `${props.reports.prefix}/*`);
  access.allowLogs([
    stack.formatArn({
      service: 'logs',
      account: Aws.ACCOUNT_ID,
      region: Aws.REGION,
      resource: 'log-group',
      resourceName: '/aws/sagemaker/ProcessingJobs:*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  ]);
  access.add(
    new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      // PutMetricData has no resource-level scoping; the namespace condition bounds it.
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': DATA_METRICS_NAMESPACE } },
    }),
  );
  access.acknowledgeWildcard(
    'Resource::*',
    'cloudwatch:PutMetricData has no resource-level permissions; a condition bounds it to the aws/sagemaker/Endpoints/data-metrics namespace.',
  );
  access.acknowledgeWildcard(
    'Resource::arn:aws:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/ProcessingJobs:*',
    'Model Monitor jobs log to the account-wide /aws/sagemaker/ProcessingJobs group with a stream per job (names generated by SageMaker); the role may write streams of that one group only.',
  );
  return access;
}
