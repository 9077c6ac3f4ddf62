import { existsSync, statSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { LOG_GROUP_DISCOVERY_ACTIONS, LOG_GROUP_DISCOVERY_REASON, LOG_STREAM_WRITE_ACTIONS } from '../core/perms';
import { ManagedPolicyPrincipal } from '../private/managed-policy-principal';
import { acknowledgeWildcardResources } from '../streams/private/acknowledge';

/** Feature group names (also Glue table names and S3 prefixes). */
export const FEATURE_GROUP_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** S3 actions by intent, scoped to one prefix each. */
export const JOB_S3_ACTIONS = {
  read: ['s3:GetObject', 's3:GetObjectVersion'],
  write: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
} as const;

/** Glue actions on the group's offline table: read it, add and replace its partitions (the table itself is owned by CloudFormation). */
export const JOB_GLUE_ACTIONS = {
  read: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
  writePartitions: [
    'glue:CreatePartition',
    'glue:BatchCreatePartition',
    'glue:UpdatePartition',
    'glue:BatchUpdatePartition',
    'glue:DeletePartition',
    'glue:BatchDeletePartition',
  ],
} as const;

/** What EMR Serverless needs to write a job's driver and executor logs in the application's log group. */
export const JOB_LOG_ACTIONS = [...LOG_STREAM_WRITE_ACTIONS];

/** The EMR Serverless application the jobs run on (the platform's `SparkApplication` fits). */
export interface FeatureJobsApplication {
  readonly applicationId: string;
  readonly applicationArn: string;
  /** The application's CloudWatch log group (jobs log under `features/<group>/<job>`). */
  readonly logGroup: logs.ILogGroup;
}

/** A prefix of a lake bucket. */
export interface LakePrefix {
  readonly bucket: s3.IBucket;
  /** Key prefix ending in '/', e.g. `card-transactions/`. */
  readonly prefix: string;
}

/** The group's offline table location: the features zone. */
export interface FeatureTableLocation {
  readonly bucket: s3.IBucket;
  /** Glue database of the features zone. */
  readonly databaseName: string;
  /**
   * Prefix of the group's table data.
   * @default '<groupName>/'
   */
  readonly prefix?: string;
}

/** Local paths of the PySpark entry points (shipped as S3 assets). */
export interface FeatureJobScripts {
  /** Backfill: raw events -> point-in-time feature values in the offline table. */
  readonly backfill: string;
  /** Training set: labels joined with features as of each label's time. */
  readonly trainingSet: string;
}

export interface FeatureJobsProps {
  /** The feature group, e.g. `applicant_txn_aggregates`. */
  readonly groupName: string;
  readonly application: FeatureJobsApplication;
  readonly scripts: FeatureJobScripts;
  /** The archived events of the group's source topic (raw zone, read only). */
  readonly rawEvents: LakePrefix;
  readonly features: FeatureTableLocation;
  /** Labels the training set joins (read only). */
  readonly labels: LakePrefix;
  /**
   * Where versioned training sets go.
   * @default - the features bucket, `training-sets/<groupName>/`
   */
  readonly trainingSets?: LakePrefix;
  /** The lake's key (SSE-KMS of every zone bucket), used through S3 and Glue only. */
  readonly lakeKey: kms.IKey;
  /** Prefix of the SSM parameters that publish the StartJobRun requests, e.g. `/mlp/prod`. */
  readonly parameterPrefix: string;
  /**
   * Extra `spark-submit` parameters (the Glue Data Catalog as metastore is always set).
   * @default - none
   */
  readonly sparkSubmitParameters?: string;
}

/** The StartJobRun request of one job (JSON in SSM; the caller adds run arguments such as `--as-of`). */
export interface FeatureJobRunRequest {
  readonly name: string;
  readonly applicationId: string;
  readonly executionRoleArn: string;
  readonly mode: 'BATCH';
  readonly jobDriver: {
    readonly sparkSubmit: {
      readonly entryPoint: string;
      readonly entryPointArguments: readonly string[];
      readonly sparkSubmitParameters: string;
    };
  };
  readonly configurationOverrides: {
    readonly monitoringConfiguration: {
      readonly cloudWatchLoggingConfiguration: {
        readonly enabled: true;
        readonly logGroupName: string;
        readonly logStreamNamePrefix: string;
      };
    };
  };
}

/** One job: its role, code asset, request and where the request is published. */
export interface FeatureJob {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly script: s3assets.Asset;
  readonly request: FeatureJobRunRequest;
  readonly parameter: ssm.StringParameter;
}

const GLUE_METASTORE =
  '--conf spark.hadoop.hive.metastore.client.factory.class=com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory';

/**
 * The batch jobs of one feature group on EMR Serverless: the **backfill** (archived events ->
 * point-in-time-correct values in the group's offline table) and the **training set** (labels
 * joined with features as of each label's time -> a versioned training set). Each job has:
 * - its PySpark entry point shipped as an S3 asset (the exact object is readable by its role only);
 * - its own execution role, assumable by EMR Serverless for this application only, with one
 *   customer-managed policy: read/write exactly the prefixes it needs, the group's Glue table and
 *   partitions, the lake key through S3 and Glue, and its log streams;
 * - its StartJobRun request, published as JSON in SSM at
 *   `<parameterPrefix>/features/<group>/<backfill|training-set>-job-run`.
 *
 * @example
 * new FeatureJobs(this, 'ApplicantTxnAggregatesJobs', {
 *   groupName: 'applicant_txn_aggregates', application: spark,
 *   scripts: { backfill: 'jobs/features/spark/backfill.py', trainingSet: 'jobs/features/spark/training_set.py' },
 *   rawEvents: { bucket: lake.bucket('raw'), prefix: 'card-transactions/' },
 *   features: { bucket: lake.bucket('features'), databaseName: lake.database('features').databaseName },
 *   labels: { bucket: lake.bucket('curated'), prefix: 'labels/loan_default/' },
 *   lakeKey: keys.data, parameterPrefix: '/mlp/prod',
 * });
 */
export class FeatureJobs extends Construct {
  readonly backfill: FeatureJob;
  readonly trainingSet: FeatureJob;
  /** S3 URI of the group's offline data, and of its training sets. */
  readonly featuresUri: string;
  readonly trainingSetsUri: string;
  private readonly application: FeatureJobsApplication;

  constructor(scope: Construct, id: string, props: FeatureJobsProps) {
    super(scope, id);
    const group = props.groupName;
    const where = `FeatureJobs ${group}`;
    if (!FEATURE_GROUP_NAME.test(group)) {
      throw new Error(`FeatureJobs groupName must be 1-63 lower-case letters, digits and '_', starting with a letter, got '${group}'`);
    }
    for (const [field, path] of Object.entries(props.scripts)) {
      if (!path.endsWith('.py') || !existsSync(path) || !statSync(path).isFile()) {
        throw new Error(`${where}: scripts.${field} must be an existing .py file, got '${path}'`);
      }
    }
    const featuresPrefix = props.features.prefix ?? `${group}/`;
    const trainingSets = props.trainingSets ?? { bucket: props.features.bucket, prefix: `training-sets/${group}/` };
    const prefixes: Array<[string, string]> = [
      ['rawEvents.prefix', props.rawEvents.prefix],
      ['features.prefix', featuresPrefix],
      ['labels.prefix', props.labels.prefix],
      ['trainingSets.prefix', trainingSets.prefix],
    ];
    for (const [field, value] of prefixes) {
      if (!/^[A-Za-z0-9!_.*'()=-][A-Za-z0-9!_.*'()=/-]*\/$/.test(value)) {
        throw new Error(`${where}: ${field} must be a key prefix ending in '/' (not starting with '/'), got '${value}'`);
      }
    }
    if (!/^\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(props.parameterPrefix)) {
      throw new Error(
        `${where}: parameterPrefix must look like /mlp/prod (a '/'-separated SSM path without a trailing '/'), got '${props.parameterPrefix}'`,
      );
    }
    this.application = props.application;

    const stack = Stack.of(this);
    const s3Uri = (l: LakePrefix) => `s3://${l.bucket.bucketName}/${l.prefix}`;
    const features: LakePrefix = { bucket: props.features.bucket, prefix: featuresPrefix };
    this.featuresUri = s3Uri(features);
    this.trainingSetsUri = s3Uri(trainingSets);
    const table = `${props.features.databaseName}.${group}`;
    const glueResources = [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.features.databaseName }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.features.databaseName}/${group}` }),
    ];

    const job = (
      jobId: string,
      slug: string,
      script: string,
      describe: string,
      statements: iam.PolicyStatement[],
      args: string[],
    ): FeatureJob => {
      const asset = new s3assets.Asset(this, `${jobId}Script`, { path: script });
      const role = new iam.Role(this, `${jobId}Role`, {
        description: `${describe} of feature group ${group} (EMR Serverless job)`,
        assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': props.application.applicationArn },
        }),
      });
      const logStreamPrefix = `features/${group}/${slug}`;
      const policy = new iam.ManagedPolicy(this, `${jobId}Policy`, {
        description: `${describe} of feature group ${group}`,
        roles: [role],
        statements: [
          new iam.PolicyStatement({ sid: 'Script', actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }),
          ...statements,
          new iam.PolicyStatement({
            sid: 'LakeKeyThroughS3AndGlue',
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: [props.lakeKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': [`s3.${stack.region}.amazonaws.com`, `glue.${stack.region}.amazonaws.com`] } },
          }),
          new iam.PolicyStatement({ sid: 'Logs', actions: JOB_LOG_ACTIONS, resources: [props.application.logGroup.logGroupArn] }),
          // DescribeLogGroups has no resource type: scoped to the log group it would match nothing.
          new iam.PolicyStatement({ sid: 'LogGroupDiscovery', actions: [...LOG_GROUP_DISCOVERY_ACTIONS], resources: ['*'] }),
          // Spark's Glue metastore client reads the `default` database when a session starts.
          new iam.PolicyStatement({
            sid: 'GlueDefaultDatabase',
            actions: ['glue:GetDatabase'],
            resources: [glueResources[0], stack.formatArn({ service: 'glue', resource: 'database', resourceName: 'default' })],
          }),
        ],
      });
      acknowledgeWildcardResources(policy, ['LogGroupDiscovery'], LOG_GROUP_DISCOVERY_REASON);
      acknowledgeWildcardResources(
        policy,
        statements.map((st) => st.sid ?? '').filter((sid) => /^(Read|Write)/.test(sid)),
        'A Spark job reads and writes many objects with generated names: object access is scoped to the one prefix of the ' +
          'lake each statement names (the group, its topic, its labels, its training sets), never to a whole bucket.',
      );
      const request: FeatureJobRunRequest = {
        name: `${group}-${slug}`,
        applicationId: props.application.applicationId,
        executionRoleArn: role.roleArn,
        mode: 'BATCH',
        jobDriver: {
          sparkSubmit: {
            entryPoint: asset.s3ObjectUrl,
            entryPointArguments: ['--group', group, ...args],
            sparkSubmitParameters: [GLUE_METASTORE, props.sparkSubmitParameters].filter(Boolean).join(' '),
          },
        },
        configurationOverrides: {
          monitoringConfiguration: {
            cloudWatchLoggingConfiguration: {
              enabled: true,
              logGroupName: props.application.logGroup.logGroupName,
              logStreamNamePrefix: logStreamPrefix,
            },
          },
        },
      };
      const parameter = new ssm.StringParameter(this, `${jobId}JobRun`, {
        parameterName: `${props.parameterPrefix}/features/${group}/${slug}-job-run`,
        description: `EMR Serverless StartJobRun request: ${describe.toLowerCase()} of ${group}`,
        stringValue: stack.toJsonString(request),
      });
      return { role, policy, script: asset, request, parameter };
    };

    this.backfill = job(
      'Backfill',
      'backfill',
      props.scripts.backfill,
      'Backfill',
      [
        ...readPrefix('RawEvents', props.rawEvents),
        ...readPrefix('Features', features),
        writePrefix('Features', features),
        new iam.PolicyStatement({
          sid: 'FeatureTable',
          actions: [...JOB_GLUE_ACTIONS.read, ...JOB_GLUE_ACTIONS.writePartitions],
          resources: glueResources,
        }),
      ],
      ['--events', s3Uri(props.rawEvents), '--features-path', this.featuresUri, '--features-table', table],
    );
    this.trainingSet = job(
      'TrainingSet',
      'training-set',
      props.scripts.trainingSet,
      'Training set',
      [
        ...readPrefix('Features', features),
        ...readPrefix('Labels', props.labels),
        ...readPrefix('TrainingSets', trainingSets),
        writePrefix('TrainingSets', trainingSets),
        new iam.PolicyStatement({ sid: 'FeatureTable', actions: [...JOB_GLUE_ACTIONS.read], resources: glueResources }),
      ],
      ['--features-path', this.featuresUri, '--features-table', table, '--labels', s3Uri(props.labels), '--output', this.trainingSetsUri],
    );
  }

  /** The two jobs, by the name used in their parameters. */
  get jobs(): Readonly<Record<'backfill' | 'training-set', FeatureJob>> {
    return { backfill: this.backfill, 'training-set': this.trainingSet };
  }

  /**
   * Lets `grantee` (the lifecycle pipeline) read the published requests and start the jobs: StartJobRun
   * on the application, and iam:PassRole of exactly these job roles to EMR Serverless.
   */
  grantStartJobRuns(grantee: iam.IGrantable): iam.Grant {
    const jobs = [this.backfill, this.trainingSet];
    return iam.Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: jobs.map((j) => j.parameter.parameterArn) })
      .combine(
        iam.Grant.addToPrincipal({ grantee, actions: ['emr-serverless:StartJobRun'], resourceArns: [this.application.applicationArn] }),
      )
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['iam:PassRole'],
          resourceArns: jobs.map((j) => j.role.roleArn),
          conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
        }),
      );
  }
}

/** Listing limited to one prefix, and reading its objects. */
function readPrefix(sid: string, l: LakePrefix): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: `List${sid}`,
      actions: ['s3:ListBucket'],
      resources: [l.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${l.prefix}*`] } },
    }),
    new iam.PolicyStatement({ sid: `Read${sid}`, actions: [...JOB_S3_ACTIONS.read], resources: [l.bucket.arnForObjects(`${l.prefix}*`)] }),
  ];
}

function writePrefix(sid: string, l: LakePrefix): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: `Write${sid}`,
    actions: [...JOB_S3_ACTIONS.write],
    resources: [l.bucket.arnForObjects(`${l.prefix}*`)],
  });
}

// Grants of this construct land in its own managed policies; ManagedPolicyPrincipal is the way to
// add more to a job role from outside (e.g. a team's extra source) without an inline policy.
export function jobPrincipal(job: FeatureJob): iam.IPrincipal {
  return new ManagedPolicyPrincipal(job.role, job.policy);
}
