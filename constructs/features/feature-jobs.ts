import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { LOG_GROUP_DISCOVERY_ACTIONS, LOG_GROUP_DISCOVERY_REASON, LOG_STREAM_WRITE_ACTIONS } from '../core/perms';
import { acknowledgeWildcards } from '../private/acknowledge';
import { ManagedPolicyPrincipal } from '../private/managed-policy-principal';

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

/**
 * The job bundle of one feature view, as `writeJobBundle(view, dir)` (jobs/features/batch/bundle.ts,
 * `npm run features -- bundle`) writes it: `<group>.sql` (the view's generated SQL), `<group>.view.json`,
 * the source topic's `<topic>.schema.json`, the entry points `backfill.py` and `training_set.py`, and
 * the modules they import, `feature_job.py` and `feature_events.py`. Each file ships as its own S3
 * asset (EMR Serverless reads plain objects, not archives).
 */
export interface FeatureJobBundle {
  /** Directory holding the bundle's files. */
  readonly directory: string;
}

/** Files of a bundle besides the view's SQL, definition and schema. */
export const BUNDLE_ENTRY_POINTS = { backfill: 'backfill.py', trainingSet: 'training_set.py' } as const;
export const BUNDLE_PY_FILES = ['feature_job.py', 'feature_events.py'] as const;

export interface FeatureJobsProps {
  /** The feature group (view), e.g. `applicant_txn_aggregates`. */
  readonly groupName: string;
  readonly application: FeatureJobsApplication;
  /** The view's job bundle (generated SQL, definition, schema, PySpark files). */
  readonly bundle: FeatureJobBundle;
  /** The archived events of the group's source topic (raw zone, read only): both jobs compute from them. */
  readonly rawEvents: LakePrefix;
  /**
   * Where the jobs write events that break the schema (one directory per run, under
   * `<prefix><backfill|training-set>/`).
   * @default - the raw events' bucket, `dead-letter/<groupName>/`
   */
  readonly deadLetters?: LakePrefix;
  readonly features: FeatureTableLocation;
  /** Labels the training set joins (read only). */
  readonly labels: LakePrefix;
  /**
   * Root of the versioned training sets: the job writes `<prefix><groupName>/version=<v>/`.
   * @default - the features bucket, `training-sets/`
   */
  readonly trainingSets?: LakePrefix;
  /**
   * Share of a training set's labels held out (`holdout/`), the newest by label time; the others are
   * `train/` (the layout the lifecycle's training pipeline reads). 0.05 to 0.5.
   * @default 0.2
   */
  readonly trainingSetHoldoutFraction?: number;
  /** The lake's key (SSE-KMS of every zone bucket), used through S3 and Glue only. */
  readonly lakeKey: kms.IKey;
  /** Prefix of the SSM parameters that publish the StartJobRun requests, e.g. `/mlp/prod`. */
  readonly parameterPrefix: string;
  /**
   * Extra `spark-submit` parameters (the Glue Data Catalog as metastore and the bundle's modules
   * are always set).
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

/** One job: its role, entry point asset, request and where the request is published. */
export interface FeatureJob {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly script: s3assets.Asset;
  readonly request: FeatureJobRunRequest;
  readonly parameter: ssm.StringParameter;
  /**
   * Arguments each run appends to the published request's `entryPointArguments` (`--start`/`--end`
   * for a backfill, `--dead-letter <deadLetterUri><run id>/` for both: Spark refuses an existing directory).
   */
  readonly runArguments: readonly string[];
  /** `s3://…/` under which this job's runs write their dead letters (one directory per run). */
  readonly deadLetterUri: string;
}

const GLUE_METASTORE =
  '--conf spark.hadoop.hive.metastore.client.factory.class=com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory';

/**
 * The batch jobs of one feature view on EMR Serverless, both running the view's generated SQL
 * (`featureSql(view)`, the same text DuckDB runs locally) over the archived events: the
 * **backfill** (point-in-time-correct values into the view's offline table location) and the
 * **training set** (labels joined with features as of each label's time -> a versioned training
 * set). Each job has:
 * - the bundle's files as S3 assets (entry point, modules, SQL, definition, schema), readable by
 *   its role object by object;
 * - its own execution role, assumable by EMR Serverless for this application only, with one
 *   customer-managed policy: read exactly the prefixes it reads, write exactly the prefixes it
 *   writes, the lake key through S3 and Glue, and its log streams;
 * - its StartJobRun request, published as JSON in SSM at
 *   `<parameterPrefix>/features/<group>/<backfill|training-set>-job-run` (a run appends
 *   `runArguments`).
 *
 * @example
 * declare const bundleDir: string; // writeJobBundle(view, bundleDir) at synth
 * new FeatureJobs(this, 'ApplicantTxnAggregatesJobs', {
 *   groupName: 'applicant_txn_aggregates', application: spark,
 *   bundle: { directory: bundleDir },
 *   rawEvents: { bucket: lake.bucket('raw'), prefix: 'card-transactions/' },
 *   features: { bucket: lake.bucket('features'), databaseName: lake.database('features').databaseName },
 *   labels: { bucket: lake.bucket('curated'), prefix: 'labels/loan_default/' },
 *   lakeKey: keys.data, parameterPrefix: '/mlp/prod',
 * });
 */
export class FeatureJobs extends Construct {
  readonly backfill: FeatureJob;
  readonly trainingSet: FeatureJob;
  /** S3 URI of the group's offline data, and the root of its training sets. */
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
    const files = bundleFiles(where, group, props.bundle.directory);
    const featuresPrefix = props.features.prefix ?? `${group}/`;
    const trainingSets = props.trainingSets ?? { bucket: props.features.bucket, prefix: 'training-sets/' };
    const deadLetters = props.deadLetters ?? { bucket: props.rawEvents.bucket, prefix: `dead-letter/${group}/` };
    const prefixes: Array<[string, string]> = [
      ['rawEvents.prefix', props.rawEvents.prefix],
      ['deadLetters.prefix', deadLetters.prefix],
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
    const holdoutFraction = props.trainingSetHoldoutFraction ?? 0.2;
    if (!(holdoutFraction >= 0.05 && holdoutFraction <= 0.5)) {
      throw new Error(`${where}: trainingSetHoldoutFraction must be 0.05 to 0.5, got ${holdoutFraction}`);
    }
    this.application = props.application;

    const stack = Stack.of(this);
    const s3Uri = (l: LakePrefix) => `s3://${l.bucket.bucketName}/${l.prefix}`;
    const features: LakePrefix = { bucket: props.features.bucket, prefix: featuresPrefix };
    const groupTrainingSets: LakePrefix = { bucket: trainingSets.bucket, prefix: `${trainingSets.prefix}${group}/` };
    this.featuresUri = s3Uri(features);
    this.trainingSetsUri = s3Uri(trainingSets);

    // The bundle's shared files (SQL, definition, schema, modules): one asset each, shared by both jobs.
    const shared = new Construct(this, 'Bundle');
    const asset = (scope: Construct, assetId: string, path: string) => new s3assets.Asset(scope, assetId, { path });
    const sql = asset(shared, 'Sql', files.sql);
    const view = asset(shared, 'View', files.view);
    const schema = asset(shared, 'Schema', files.schema);
    const modules = BUNDLE_PY_FILES.map((f) => asset(shared, pascalFile(f), join(props.bundle.directory, f)));
    const sharedArgs = [
      '--sql',
      sql.s3ObjectUrl,
      '--view',
      view.s3ObjectUrl,
      '--schema',
      schema.s3ObjectUrl,
      '--events',
      s3Uri(props.rawEvents),
    ];

    const job = (
      jobId: string,
      slug: string,
      script: string,
      describe: string,
      statements: iam.PolicyStatement[],
      args: string[],
      runArguments: string[],
    ): FeatureJob => {
      const entry = asset(this, `${jobId}Script`, script);
      const role = new iam.Role(this, `${jobId}Role`, {
        description: `${describe} of feature group ${group} (EMR Serverless job)`,
        assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': props.application.applicationArn },
        }),
      });
      const logStreamPrefix = `features/${group}/${slug}`;
      const deadLetter: LakePrefix = { bucket: deadLetters.bucket, prefix: `${deadLetters.prefix}${slug}/` };
      const code = [entry, sql, view, schema, ...modules];
      const policy = new iam.ManagedPolicy(this, `${jobId}Policy`, {
        description: `${describe} of feature group ${group}`,
        roles: [role],
        statements: [
          new iam.PolicyStatement({
            sid: 'Bundle',
            actions: ['s3:GetObject'],
            resources: code.map((a) => a.bucket.arnForObjects(a.s3ObjectKey)),
          }),
          ...readPrefix('RawEvents', props.rawEvents),
          writePrefix('DeadLetters', deadLetter),
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
            resources: [
              stack.formatArn({ service: 'glue', resource: 'catalog' }),
              stack.formatArn({ service: 'glue', resource: 'database', resourceName: 'default' }),
            ],
          }),
        ],
      });
      const prefixesOfJob = [props.rawEvents, deadLetter, ...[features, props.labels, groupTrainingSets]].map((l) => `/${l.prefix}*`);
      acknowledgeWildcards(policy, (finding) => {
        if (finding === 'Resource::*') return onlyLogGroupDiscoveryOnStar(policy) ? LOG_GROUP_DISCOVERY_REASON : undefined;
        return finding.startsWith('Resource::') && prefixesOfJob.some((suffix) => finding.endsWith(suffix))
          ? 'A Spark job reads and writes many objects with generated names: object access is scoped to the prefixes of the ' +
              'lake its statements name (its topic, its dead letters, the group, its labels, its training sets), never a whole bucket.'
          : undefined;
      });
      const request: FeatureJobRunRequest = {
        name: `${group}-${slug}`,
        applicationId: props.application.applicationId,
        executionRoleArn: role.roleArn,
        mode: 'BATCH',
        jobDriver: {
          sparkSubmit: {
            entryPoint: entry.s3ObjectUrl,
            entryPointArguments: [...sharedArgs, ...args],
            sparkSubmitParameters: [
              `--py-files ${modules.map((m) => m.s3ObjectUrl).join(',')}`,
              GLUE_METASTORE,
              props.sparkSubmitParameters,
            ]
              .filter(Boolean)
              .join(' '),
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
      return { role, policy, script: entry, request, parameter, runArguments, deadLetterUri: s3Uri(deadLetter) };
    };

    this.backfill = job(
      'Backfill',
      'backfill',
      join(props.bundle.directory, BUNDLE_ENTRY_POINTS.backfill),
      'Backfill',
      [writePrefix('Features', features)],
      ['--output', this.featuresUri],
      ['--start', '--end', '--dead-letter'],
    );
    this.trainingSet = job(
      'TrainingSet',
      'training-set',
      join(props.bundle.directory, BUNDLE_ENTRY_POINTS.trainingSet),
      'Training set',
      [
        ...readPrefix('Labels', props.labels),
        ...readPrefix('TrainingSets', groupTrainingSets),
        writePrefix('TrainingSets', groupTrainingSets),
      ],
      ['--labels', s3Uri(props.labels), '--output', this.trainingSetsUri, '--holdout-fraction', String(holdoutFraction)],
      ['--dead-letter'],
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

/** Whether the only statements of `policy` on resource `*` are the log-group discovery (which has no resource type). */
function onlyLogGroupDiscoveryOnStar(policy: iam.ManagedPolicy): boolean {
  const onStar = (policy.document.toJSON()?.Statement ?? []).filter((st: { Resource?: unknown }) => [st.Resource].flat().includes('*'));
  return onStar.every((st: { Action?: unknown }) => [st.Action].flat().every((a) => LOG_GROUP_DISCOVERY_ACTIONS.includes(a as string)));
}

/** The bundle's files of `group` in `dir` (throws naming what is missing). */
function bundleFiles(where: string, group: string, dir: string): { sql: string; view: string; schema: string } {
  const present = existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir) : undefined;
  if (!present) throw new Error(`${where}: bundle.directory '${dir}' is not a directory; write it with writeJobBundle(view, dir)`);
  const schemas = present.filter((f) => f.endsWith('.schema.json'));
  const needed = [`${group}.sql`, `${group}.view.json`, ...Object.values(BUNDLE_ENTRY_POINTS), ...BUNDLE_PY_FILES];
  const missing = needed.filter((f) => !present.includes(f));
  if (missing.length > 0 || schemas.length !== 1) {
    throw new Error(
      `${where}: bundle.directory '${dir}' lacks ${[...missing, ...(schemas.length !== 1 ? [`one <topic>.schema.json (found ${schemas.length})`] : [])].join(', ')}; write it with writeJobBundle(view, dir)`,
    );
  }
  return { sql: join(dir, `${group}.sql`), view: join(dir, `${group}.view.json`), schema: join(dir, schemas[0]) };
}

/** `feature_job.py` -> `FeatureJobPy` (asset construct ids). */
function pascalFile(file: string): string {
  return file
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
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
