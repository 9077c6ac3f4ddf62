import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as mwaa from 'aws-cdk-lib/aws-mwaa';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { assertPattern, assertRange, KEY_PREFIX, KEY_PREFIX_ALLOWED } from './private/checks';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { acknowledgeWildcards, BUCKET_ARN, GRANT_WILDCARDS } from './private/nag';

/** MWAA environment classes (https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html). */
export type AirflowEnvironmentClass = 'mw1.micro' | 'mw1.small' | 'mw1.medium' | 'mw1.large' | 'mw1.xlarge' | 'mw1.2xlarge';
const CLASSES: readonly AirflowEnvironmentClass[] = ['mw1.micro', 'mw1.small', 'mw1.medium', 'mw1.large', 'mw1.xlarge', 'mw1.2xlarge'];

/** An EMR Serverless application DAGs may run jobs on, with the job role they pass. */
export interface AirflowEmrServerlessAccess {
  /** ARN of the EMR Serverless application. */
  readonly applicationArn: string;
  /** ARN of the job runtime role DAGs pass to StartJobRun. */
  readonly jobRoleArn: string;
}

export interface TeamAirflowProps {
  /** Physical name of the environment, `<env>-airflow` (1 to 80 letters, digits, '-', '_'). */
  readonly environmentName: string;
  /** Bucket the DAGs are read from (versioned, public access blocked: the lake's bucket). */
  readonly sourceBucket: s3.IBucket;
  /**
   * Prefix of the DAG files in the bucket.
   * @default 'airflow/dags/'
   */
  readonly dagsPrefix?: string;
  /** Network: two private subnets in different AZs are used. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the environment (exactly two are taken).
   * @default - the VPC's private subnets with egress
   */
  readonly subnets?: ec2.SubnetSelection;
  /** Key of the environment's data, its queues and its logs. */
  readonly encryptionKey: kms.IKey;
  /**
   * Size of the scheduler and workers.
   * @default 'mw1.small'
   */
  readonly environmentClass?: AirflowEnvironmentClass;
  /**
   * Most workers the environment scales to.
   * @default 2
   */
  readonly maxWorkers?: number;
  /**
   * Airflow version.
   * @default '2.10.3'
   */
  readonly airflowVersion?: string;
  /** The platform's pipelines DAGs may start (training pipelines, backfills). */
  readonly pipelines: readonly sfn.IStateMachine[];
  /**
   * EMR Serverless applications DAGs may run jobs on.
   * @default - none
   */
  readonly emrServerless?: readonly AirflowEmrServerlessAccess[];
  /**
   * Weekly maintenance window start, e.g. 'SUN:03:00' (UTC).
   * @default 'SUN:03:00'
   */
  readonly maintenanceWindowStart?: string;
}

/**
 * Amazon MWAA for team workflows: private web server (reached through the VPC only), DAGs from a
 * bucket prefix, every log type on and encrypted with the given key, and an execution role that
 * may start only the given pipelines and EMR Serverless jobs (plus what MWAA itself needs).
 */
export class TeamAirflow extends Construct {
  readonly environment: mwaa.CfnEnvironment;
  readonly executionRole: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: TeamAirflowProps) {
    super(scope, id);
    const C = 'TeamAirflow';
    assertPattern(
      C,
      'environmentName',
      props.environmentName,
      /^[a-zA-Z][0-9a-zA-Z_-]{0,79}$/,
      '1 to 80 letters, digits, - and _, starting with a letter',
    );
    const dagsPrefix = props.dagsPrefix ?? 'airflow/dags/';
    assertPattern(C, 'dagsPrefix', dagsPrefix, KEY_PREFIX, KEY_PREFIX_ALLOWED);
    const environmentClass = props.environmentClass ?? 'mw1.small';
    if (!CLASSES.includes(environmentClass))
      throw new Error(`${C} environmentClass must be one of ${CLASSES.join(', ')}, got '${environmentClass}'`);
    const maxWorkers = props.maxWorkers ?? 2;
    assertRange(C, 'maxWorkers', maxWorkers, 1, 25);
    // mw1.micro runs one scheduler and one worker (MWAA environment classes).
    const micro = environmentClass === 'mw1.micro';
    if (micro && maxWorkers !== 1) throw new Error(`${C} maxWorkers must be 1 for environmentClass 'mw1.micro', got ${maxWorkers}`);
    const airflowVersion = props.airflowVersion ?? '2.10.3';
    assertPattern(C, 'airflowVersion', airflowVersion, /^\d+\.\d+\.\d+$/, "an Airflow version such as '2.10.3'");
    const window = props.maintenanceWindowStart ?? 'SUN:03:00';
    assertPattern(
      C,
      'maintenanceWindowStart',
      window,
      /^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$/,
      "'DAY:HH:MM' (UTC, minutes 00 or 30)",
    );
    if (props.pipelines.length === 0) throw new Error(`${C} pipelines must list at least one state machine DAGs may start, got none`);
    const subnetIds = props.vpc.selectSubnets(props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
    if (subnetIds.length < 2) throw new Error(`${C} subnets must select two private subnets in different AZs, got ${subnetIds.length}`);

    const stack = Stack.of(this);
    const name = props.environmentName;
    const environmentArn = stack.formatArn({ service: 'airflow', resource: 'environment', resourceName: name });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `MWAA ${name}: its own components talk to each other; egress for AWS APIs`,
      allowAllOutbound: true,
    });
    // MWAA's components reach the web server (443) and the metadata database (5432) through the service-managed endpoints.
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(443), 'MWAA components to the web server endpoint');
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(5432), 'MWAA components to the metadata database endpoint');

    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('airflow.amazonaws.com'),
        new iam.ServicePrincipal('airflow-env.amazonaws.com'),
      ),
      description: `Execution role of MWAA ${name}: starts the platform's pipelines and EMR Serverless jobs`,
    });
    const role = this.executionRole;
    const statement = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));
    statement('PublishMetrics', ['airflow:PublishMetrics'], [environmentArn]);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadDags',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.sourceBucket.arnForObjects(`${dagsPrefix}*`)],
      }),
    );
    props.sourceBucket.encryptionKey?.grantDecrypt(role);
    statement('ReadDagBucket', ['s3:GetBucketLocation', 's3:ListBucket'], [props.sourceBucket.bucketArn]);
    statement('CheckPublicAccess', ['s3:GetAccountPublicAccessBlock'], ['*']);
    statement(
      'WriteLogs',
      [
        'logs:CreateLogStream',
        'logs:CreateLogGroup',
        'logs:PutLogEvents',
        'logs:GetLogEvents',
        'logs:GetLogRecord',
        'logs:GetLogGroupFields',
        'logs:GetQueryResults',
      ],
      [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: `airflow-${name}-*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    );
    statement('DescribeLogGroups', ['logs:DescribeLogGroups'], ['*']);
    statement('PutMetrics', ['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': 'AmazonMWAA' } });
    statement(
      'CeleryQueue',
      [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ],
      [`arn:${stack.partition}:sqs:${stack.region}:*:airflow-celery-*`],
    );
    statement(
      'UseKeyViaServices',
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*', 'kms:Encrypt'],
      [props.encryptionKey.keyArn],
      {
        StringLike: { 'kms:ViaService': [`sqs.${stack.region}.amazonaws.com`, `s3.${stack.region}.amazonaws.com`] },
      },
    );
    for (const pipeline of props.pipelines) pipeline.grantStartExecution(role);
    statement(
      'WatchPipelines',
      ['states:DescribeExecution'],
      props.pipelines.map((p) =>
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${stack.splitArn(p.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    );
    const emr = props.emrServerless ?? [];
    if (emr.length > 0) {
      statement(
        'RunEmrJobs',
        ['emr-serverless:StartJobRun', 'emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'],
        emr.flatMap((e) => [e.applicationArn, `${e.applicationArn}/jobruns/*`]),
      );
      statement('PassEmrJobRoles', ['iam:PassRole'], [...new Set(emr.map((e) => e.jobRoleArn))], {
        StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' },
      });
    }

    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `MwaaLogs${name.replace(/[^A-Za-z0-9]/g, '')}`,
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `airflow-${name}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    const log = { enabled: true, logLevel: 'INFO' };
    this.environment = new mwaa.CfnEnvironment(this, 'Resource', {
      name,
      airflowVersion,
      environmentClass,
      maxWorkers,
      minWorkers: 1,
      schedulers: micro ? 1 : 2,
      sourceBucketArn: props.sourceBucket.bucketArn,
      dagS3Path: dagsPrefix.replace(/\/$/, ''),
      executionRoleArn: role.roleArn,
      kmsKey: props.encryptionKey.keyArn,
      webserverAccessMode: 'PRIVATE_ONLY',
      endpointManagement: 'SERVICE',
      networkConfiguration: { securityGroupIds: [this.securityGroup.securityGroupId], subnetIds: subnetIds.slice(0, 2) },
      loggingConfiguration: {
        dagProcessingLogs: log,
        schedulerLogs: log,
        taskLogs: log,
        webserverLogs: log,
        workerLogs: log,
      },
      weeklyMaintenanceWindowStart: window,
      airflowConfigurationOptions: { 'core.load_examples': 'False', 'webserver.expose_config': 'False' },
    });
    this.environment.node.addDependency(role);

    acknowledgeWildcards(this, [
      ...GRANT_WILDCARDS,
      {
        finding: new RegExp(String.raw`^Resource::${BUCKET_ARN}/[A-Za-z0-9_.=/-]+\*$`),
        reason: 'The DAG files under the DAG prefix of the source bucket',
      },
      {
        finding: /^Resource::arn:[^:]+:logs:[^:]*:[^:]*:log-group:airflow-.+-\*$/,
        reason: "The environment's five log groups (MWAA names them airflow-<environment>-<type>)",
      },
      {
        finding: /^Resource::arn:[^:]+:sqs:[^:]*:\*:airflow-celery-\*$/,
        reason: "MWAA's Celery queue lives in a service-owned account with a generated name",
      },
      {
        finding: /^Resource::(\*|arn:[^:]+:states:[^:]*:[^:]*:execution:.+|.+\/jobruns\/\*)$/,
        reason:
          'Actions without a resource type (s3:GetAccountPublicAccessBlock, logs:DescribeLogGroups, cloudwatch:PutMetricData conditioned on the AmazonMWAA namespace); executions of the listed pipelines; runs of the listed EMR applications',
      },
    ]);
  }
}
