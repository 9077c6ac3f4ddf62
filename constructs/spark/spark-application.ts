import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as emrs from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { LOG_GROUP_DISCOVERY_ACTIONS, LOG_GROUP_DISCOVERY_REASON, LOG_STREAM_WRITE_ACTIONS } from '../core/perms';
import { acknowledgeWildcards, when } from '../private/acknowledge';
import { ManagedPolicyPrincipal } from '../private/managed-policy-principal';

/** EMR release labels, e.g. `emr-7.5.0`. */
export const EMR_RELEASE_LABEL = /^emr-\d+\.\d+\.\d+$/;

/** vCPUs of an EMR Serverless worker, and the memory range (GiB) each allows. */
export const WORKER_MEMORY_GIB: Readonly<Record<number, { readonly min: number; readonly max: number }>> = {
  1: { min: 2, max: 8 },
  2: { min: 4, max: 16 },
  4: { min: 8, max: 30 },
  8: { min: 16, max: 60 },
  16: { min: 32, max: 120 },
};

/** Size of one EMR Serverless worker (drivers and executors). */
export interface SparkWorkerSize {
  /** vCPUs: 1, 2, 4, 8 or 16. */
  readonly cpu: number;
  /** Memory in GiB, within what the vCPU count allows (e.g. 8-30 for 4 vCPUs). */
  readonly memoryGiB: number;
  /**
   * Disk in GiB, 20 to 200.
   * @default 20
   */
  readonly diskGiB?: number;
}

/** The most an application may use at once, across all its running jobs. */
export interface SparkMaximumCapacity {
  readonly cpu: number;
  readonly memoryGiB: number;
  /** @default - no disk limit */
  readonly diskGiB?: number;
}

export interface SparkApplicationProps {
  /** EMR release, e.g. `emr-7.5.0`. */
  readonly releaseLabel: string;
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the workers (they need the AWS APIs: S3, Glue, CloudWatch Logs).
   * @default - the private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * CPU architecture of the workers.
   * @default 'ARM64' (Graviton: cheaper per vCPU-hour)
   */
  readonly architecture?: 'ARM64' | 'X86_64';
  /**
   * Size of the pre-initialized workers.
   * @default - 4 vCPU, 16 GiB, 20 GiB disk
   */
  readonly workerSize?: SparkWorkerSize;
  /**
   * Pre-initialized drivers (warm capacity; billed while the application is started).
   * @default 0
   */
  readonly initialDrivers?: number;
  /**
   * Pre-initialized executors.
   * @default 0
   */
  readonly initialExecutors?: number;
  /** Upper bound of the application's capacity. */
  readonly maximumCapacity: SparkMaximumCapacity;
  /**
   * Idle time after which the application stops (it starts again on the next job).
   * @default Duration.minutes(15)
   */
  readonly idleTimeout?: Duration;
  /** Key of the job log group; its policy must admit CloudWatch Logs. */
  readonly logsKey: kms.IKey;
  /**
   * Retention of the job log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the job log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** What a team holds of a Spark application: its ids, its job role (as a grantee), network and grants. */
export interface ISparkApplication extends IConstruct, iam.IGrantable, ec2.IConnectable {
  readonly applicationId: string;
  readonly applicationArn: string;
  /** The role jobs run as. */
  readonly jobRole: iam.IRole;
  /** Lets `grantee` run, inspect and cancel jobs of this application as the job role. */
  grantStartJobRun(grantee: iam.IGrantable): iam.Grant;
}

/** An existing Spark application (e.g. the platform's, referenced from a team's app). */
export interface SparkApplicationAttributes {
  readonly applicationId: string;
  readonly jobRoleArn: string;
  /** The workers' security group. */
  readonly securityGroupId: string;
}

abstract class SparkApplicationBase extends Construct implements ISparkApplication {
  abstract readonly applicationId: string;
  abstract readonly applicationArn: string;
  abstract readonly jobRole: iam.IRole;
  abstract readonly grantPrincipal: iam.IPrincipal;
  abstract readonly connections: ec2.Connections;

  /**
   * Lets `grantee` run, inspect and cancel jobs of this application as the job role (StartJobRun
   * plus iam:PassRole of the job role to EMR Serverless only).
   */
  grantStartJobRun(grantee: iam.IGrantable): iam.Grant {
    const jobRunArn = Stack.of(this).formatArn({
      service: 'emr-serverless',
      resource: '/applications',
      resourceName: `${this.applicationId}/jobruns/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['emr-serverless:StartJobRun', 'emr-serverless:GetApplication'],
      resourceArns: [this.applicationArn],
    })
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun', 'emr-serverless:GetDashboardForJobRun'],
          resourceArns: [jobRunArn],
        }),
      )
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['iam:PassRole'],
          resourceArns: [this.jobRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
        }),
      );
  }
}

/**
 * An EMR Serverless Spark application in private subnets, with auto-start and auto-stop, capacity
 * bounds, driver and executor logs in a KMS-encrypted CloudWatch log group, and a job execution
 * role that only this application can assume (confused-deputy conditions on account and ARN).
 *
 * The construct is `IGrantable`: grants to it land in a customer-managed policy of the job role,
 * e.g. `lake.grantRead(spark, 'raw')`, `streams.grantConsume(spark, 'loan-*', 'spark-*')`. It is
 * `IConnectable`: `streams.connections.allowDefaultPortFrom(spark)`. Egress is HTTPS only until a
 * connection is added.
 *
 * @example
 * const spark = new SparkApplication(this, 'Spark', {
 *   releaseLabel: 'emr-7.5.0',
 *   vpc,
 *   maximumCapacity: { cpu: 64, memoryGiB: 256 },
 *   logsKey: keys.logs,
 * });
 * lake.grantRead(spark, 'curated');
 * lake.grantReadWrite(spark, 'features');
 * spark.grantStartJobRun(scheduler);
 */
export class SparkApplication extends SparkApplicationBase {
  /** References an existing application (no resources are created); grants go to its job role. */
  static fromSparkApplicationAttributes(scope: Construct, id: string, attrs: SparkApplicationAttributes): ISparkApplication {
    return new ImportedSparkApplication(scope, id, attrs);
  }

  readonly application: emrs.CfnApplication;
  readonly applicationId: string;
  readonly applicationArn: string;
  /** The role jobs run as (pass it as `executionRoleArn` to StartJobRun). */
  readonly jobRole: iam.Role;
  /** The customer-managed policy that holds the job role's grants. */
  readonly jobPolicy: iam.ManagedPolicy;
  readonly grantPrincipal: iam.IPrincipal;
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SparkApplicationProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.releaseLabel) && !EMR_RELEASE_LABEL.test(props.releaseLabel)) {
      throw new Error(`SparkApplication releaseLabel must look like emr-7.5.0, got '${props.releaseLabel}'`);
    }
    const worker = { cpu: 4, memoryGiB: 16, diskGiB: 20, ...props.workerSize };
    const memory = WORKER_MEMORY_GIB[worker.cpu];
    if (!memory) {
      throw new Error(`SparkApplication workerSize.cpu must be one of 1, 2, 4, 8, 16 vCPUs, got ${worker.cpu}`);
    }
    if (!(Number.isInteger(worker.memoryGiB) && worker.memoryGiB >= memory.min && worker.memoryGiB <= memory.max)) {
      throw new Error(
        `SparkApplication workerSize.memoryGiB must be a whole number from ${memory.min} to ${memory.max} for ${worker.cpu} vCPUs, got ${worker.memoryGiB}`,
      );
    }
    if (!(Number.isInteger(worker.diskGiB) && worker.diskGiB >= 20 && worker.diskGiB <= 200)) {
      throw new Error(`SparkApplication workerSize.diskGiB must be a whole number from 20 to 200, got ${worker.diskGiB}`);
    }
    const drivers = props.initialDrivers ?? 0;
    const executors = props.initialExecutors ?? 0;
    for (const [field, value] of [
      ['initialDrivers', drivers],
      ['initialExecutors', executors],
    ] as const) {
      if (!(Number.isInteger(value) && value >= 0 && value <= 1000)) {
        throw new Error(`SparkApplication ${field} must be a whole number from 0 to 1000, got ${value}`);
      }
    }
    if (executors > 0 && drivers === 0) {
      throw new Error(`SparkApplication initialExecutors (${executors}) need at least one initial driver, got initialDrivers 0`);
    }
    const max = props.maximumCapacity;
    const workers = drivers + executors;
    const checks: Array<[string, number | undefined, number]> = [
      ['cpu', max.cpu, worker.cpu],
      ['memoryGiB', max.memoryGiB, worker.memoryGiB],
      ['diskGiB', max.diskGiB, worker.diskGiB],
    ];
    for (const [field, value, perWorker] of checks) {
      if (value === undefined) continue;
      const least = Math.max(1, workers) * perWorker;
      if (!(Number.isInteger(value) && value >= least)) {
        throw new Error(
          `SparkApplication maximumCapacity.${field} must be a whole number of at least ${least} (${Math.max(1, workers)} worker(s) x ${perWorker}), got ${value}`,
        );
      }
    }
    const idle = (props.idleTimeout ?? Duration.minutes(15)).toMinutes();
    if (!(Number.isInteger(idle) && idle >= 1 && idle <= 10080)) {
      throw new Error(`SparkApplication idleTimeout must be 1 to 10080 whole minutes, got ${idle}`);
    }

    this.logGroup = new logs.LogGroup(this, 'JobLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'EMR Serverless Spark workers: HTTPS to AWS APIs, other egress only where granted',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (S3, Glue, Logs) via endpoints or NAT');
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });

    const size = (w: { cpu: number; memoryGiB: number; diskGiB: number }) => ({
      cpu: `${w.cpu}vCPU`,
      memory: `${w.memoryGiB}GB`,
      disk: `${w.diskGiB}GB`,
    });
    const initialCapacity: emrs.CfnApplication.InitialCapacityConfigKeyValuePairProperty[] = [];
    if (drivers > 0) initialCapacity.push({ key: 'Driver', value: { workerCount: drivers, workerConfiguration: size(worker) } });
    if (executors > 0) initialCapacity.push({ key: 'Executor', value: { workerCount: executors, workerConfiguration: size(worker) } });

    const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    this.application = new emrs.CfnApplication(this, 'Resource', {
      type: 'SPARK',
      releaseLabel: props.releaseLabel,
      architecture: props.architecture ?? 'ARM64',
      initialCapacity: initialCapacity.length > 0 ? initialCapacity : undefined,
      maximumCapacity: {
        cpu: `${max.cpu}vCPU`,
        memory: `${max.memoryGiB}GB`,
        disk: max.diskGiB === undefined ? undefined : `${max.diskGiB}GB`,
      },
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: idle },
      networkConfiguration: { subnetIds: subnets.subnetIds, securityGroupIds: [this.securityGroup.securityGroupId] },
      monitoringConfiguration: {
        cloudWatchLoggingConfiguration: { enabled: true, logGroupName: this.logGroup.logGroupName, logStreamNamePrefix: 'spark' },
        // Logs live in the KMS-encrypted log group only, not in EMR-managed storage.
        managedPersistenceMonitoringConfiguration: { enabled: false },
      },
    });
    this.applicationId = this.application.attrApplicationId;
    this.applicationArn = this.application.attrArn;

    const stack = Stack.of(this);
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': this.applicationArn },
      }),
      description: 'Runtime role of the EMR Serverless Spark jobs',
    });
    this.jobPolicy = new iam.ManagedPolicy(this, 'JobPolicy', {
      description: 'Grants of the EMR Serverless Spark jobs',
      statements: [
        new iam.PolicyStatement({ actions: [...LOG_STREAM_WRITE_ACTIONS], resources: [this.logGroup.logGroupArn] }),
        // DescribeLogGroups has no resource type: scoped to a log group it would match nothing.
        new iam.PolicyStatement({ actions: [...LOG_GROUP_DISCOVERY_ACTIONS], resources: ['*'] }),
        // Spark's Glue metastore client reads the `default` database when a session starts.
        new iam.PolicyStatement({
          actions: ['glue:GetDatabase'],
          resources: [
            stack.formatArn({ service: 'glue', resource: 'catalog' }),
            stack.formatArn({ service: 'glue', resource: 'database', resourceName: 'default' }),
          ],
        }),
      ],
    });
    this.jobRole.addManagedPolicy(this.jobPolicy);
    // The job role receives data grants (lake zones, MSK topics): each wildcard stays inside one resource.
    acknowledgeWildcards(this.jobPolicy, when(/^Resource::\*$/, LOG_GROUP_DISCOVERY_REASON));
    acknowledgeWildcards(
      this.jobPolicy,
      when(
        /^Resource::(<[A-Za-z0-9]+\.Arn>\/\*|arn:aws:glue:[a-z0-9-]+:\d{12}:table\/<[A-Za-z0-9]+>\/\*|arn:aws:kafka:[a-z0-9-]+:\d{12}:(topic|group)\/[^/]+\/.+)$/,
        'The wildcard is inside one resource: the objects of one lake zone bucket, the tables of one zone database, or the configured topic/consumer-group pattern of one MSK cluster (by UUID). Spark jobs create objects, tables and partitions whose names are not known at deploy time.',
      ),
    );
    this.grantPrincipal = new ManagedPolicyPrincipal(this.jobRole, this.jobPolicy);
  }
}

/** An existing Spark application, from its attributes. */
class ImportedSparkApplication extends SparkApplicationBase {
  readonly applicationId: string;
  readonly applicationArn: string;
  readonly jobRole: iam.IRole;
  readonly grantPrincipal: iam.IPrincipal;
  readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, attrs: SparkApplicationAttributes) {
    super(scope, id);
    this.applicationId = attrs.applicationId;
    this.applicationArn = Stack.of(this).formatArn({
      service: 'emr-serverless',
      resource: '/applications',
      resourceName: attrs.applicationId,
    });
    this.jobRole = iam.Role.fromRoleArn(this, 'JobRole', attrs.jobRoleArn);
    this.grantPrincipal = this.jobRole.grantPrincipal;
    this.connections = new ec2.Connections({
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', attrs.securityGroupId)],
    });
  }
}
