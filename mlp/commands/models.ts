/** `mlp models …`: the model registry (SageMaker model package groups and versioned packages). */
import {
  CreateModelPackageCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  DescribeMonitoringScheduleCommand,
  ListMonitoringSchedulesCommand,
  ListTagsCommand,
  type ModelPackageSummary,
  paginateListEndpoints,
  paginateListModelPackageGroups,
  paginateListModelPackages,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../aws';
import type { Context, OptionValues } from '../context';
import { awsError } from '../errors';
import { isoDate, table } from '../output';
import { PACKAGE_TAG, tagValue } from '../plan';
import {
  type ApprovalStatus,
  checkApprovalStatus,
  checkImageUri,
  checkName,
  checkPackageArn,
  checkReason,
  checkS3Uri,
  packageVersion,
  parseMetadata,
} from '../values';

export async function listModels(ctx: Context, o: OptionValues): Promise<void> {
  const cmd = 'models list';
  const group = checkName('--group', o.group as string, cmd);
  const status = o.status === undefined ? undefined : checkApprovalStatus('--status', o.status as string, cmd);
  const sm = ctx.sagemaker();
  await sm.call('DescribeModelPackageGroup', (c) => c.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group })));
  const packages: ModelPackageSummary[] = [];
  await sm.call('ListModelPackages', async (c) => {
    const pages = paginateListModelPackages(
      { client: c },
      { ModelPackageGroupName: group, ModelApprovalStatus: status, SortBy: 'CreationTime', SortOrder: 'Descending' },
    );
    for await (const page of pages) packages.push(...(page.ModelPackageSummaryList ?? []));
  });
  const rows = packages.map((p) => ({
    arn: p.ModelPackageArn ?? '',
    version: p.ModelPackageVersion ?? packageVersion(p.ModelPackageArn ?? ''),
    status: p.ModelApprovalStatus ?? '-',
    created: p.CreationTime,
    description: p.ModelPackageDescription,
  }));
  ctx.out.result({ group, status: status ?? null, packages: rows }, () =>
    rows.length === 0
      ? `No model packages${status ? ` with status ${status}` : ''} in group ${group}.`
      : table(
          ['VERSION', 'STATUS', 'CREATED', 'ARN'],
          rows.map((r) => [String(r.version ?? '-'), r.status, isoDate(r.created), r.arn]),
        ),
  );
}

export async function registerModel(ctx: Context, o: OptionValues): Promise<void> {
  const cmd = 'models register';
  const group = checkName('--group', o.group as string, cmd);
  const image = checkImageUri('--image', o.image as string, cmd);
  const artifact = checkS3Uri('--artifact', o.artifact as string, cmd);
  const metadata = parseMetadata('--metadata', (o.metadata as string[] | undefined) ?? [], cmd);
  const description = o.description as string | undefined;
  const sm = ctx.sagemaker();
  const created = await sm.call('CreateModelPackage', (c) =>
    c.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: group,
        ModelPackageDescription: description,
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: image, ModelDataUrl: artifact }],
          SupportedContentTypes: ['application/json', 'text/csv'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        CustomerMetadataProperties: Object.keys(metadata).length > 0 ? metadata : undefined,
      }),
    ),
  );
  const arn = created.ModelPackageArn!;
  const described = await sm.call('DescribeModelPackage', (c) => c.send(new DescribeModelPackageCommand({ ModelPackageName: arn })));
  const version = described.ModelPackageVersion ?? packageVersion(arn);
  const status = described.ModelApprovalStatus ?? 'PendingManualApproval';
  if (!ctx.out.json) ctx.out.step(`Registered ${group} version ${version} (${status}).`);
  ctx.out.result({ arn, group, version, status, image, artifact, metadata }, () => arn);
}

/** The caller's ARN (STS GetCallerIdentity). */
async function callerArn(ctx: Context): Promise<string> {
  const sts = new STSClient(clientConfig(ctx.aws));
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    return id.Arn ?? 'unknown';
  } catch (err) {
    throw awsError('GetCallerIdentity', err, { endpointUrl: ctx.aws.endpointUrl, profile: ctx.aws.profile, service: 'STS' });
  } finally {
    sts.destroy();
  }
}

export function approveModel(ctx: Context, o: OptionValues): Promise<void> {
  return decide(ctx, o, 'Approved', 'models approve');
}

export function rejectModel(ctx: Context, o: OptionValues): Promise<void> {
  return decide(ctx, o, 'Rejected', 'models reject');
}

async function decide(ctx: Context, o: OptionValues, status: ApprovalStatus, cmd: string): Promise<void> {
  const arn = checkPackageArn('--package', o.package as string, cmd);
  const reason = checkReason('--reason', o.reason as string, cmd);
  const sm = ctx.sagemaker();
  const before = await sm.call('DescribeModelPackage', (c) => c.send(new DescribeModelPackageCommand({ ModelPackageName: arn })));
  // Who decides and when, kept on the version itself for the inventory (CloudTrail has it too).
  const by = await callerArn(ctx);
  await sm.call('UpdateModelPackage', (c) =>
    c.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: status,
        ApprovalDescription: reason,
        CustomerMetadataProperties: { decidedBy: by, decidedAt: ctx.now().toISOString() },
      }),
    ),
  );
  const result = {
    arn,
    group: before.ModelPackageGroupName,
    version: before.ModelPackageVersion ?? packageVersion(arn),
    previousStatus: before.ModelApprovalStatus ?? null,
    status,
    reason,
  };
  ctx.out.result(
    result,
    () => `${status} ${result.group ?? ''} version ${result.version ?? '?'} (was ${result.previousStatus ?? 'unset'}): ${reason}\n${arn}`,
  );
}

// ------------------------------------------------------------------------------------ inventory

/** One version of the inventory: what a model-risk review (SR 11-7) asks of it. */
export interface InventoryVersion {
  readonly group: string;
  readonly version: number | undefined;
  readonly arn: string;
  readonly status: string;
  readonly created: string | null;
  readonly description: string | null;
  readonly tier: string | null;
  readonly metrics: { readonly auc: number | null; readonly ks: number | null; readonly adverseImpactRatio: number | null };
  readonly reports: { readonly modelQuality: string | null; readonly bias: string | null; readonly baseline: string | null };
  readonly trainingSet: { readonly uri: string | null; readonly version: string | null };
  readonly codeVersion: string | null;
  readonly trainingJob: string | null;
  readonly pipelineExecution: string | null;
  readonly mlflowRunId: string | null;
  readonly promotedFrom: { readonly environment: string; readonly modelPackageArn: string } | null;
  /** The decision (Approved or Rejected): who, when, why. Null while pending. */
  readonly approval: {
    readonly status: string;
    readonly by: string | null;
    readonly at: string | null;
    readonly reason: string | null;
  } | null;
  /** Endpoints serving this version now (the rollout tag on their endpoint config). */
  readonly serving: readonly { readonly endpoint: string; readonly endpointConfig: string; readonly status: string }[];
  /** Model Monitor schedules of those endpoints and their last execution. */
  readonly monitoring: readonly {
    readonly endpoint: string;
    readonly schedule: string;
    readonly status: string;
    readonly lastExecution: string | null;
  }[];
}

const num = (v: string | undefined): number | null => (v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v));
const iso = (d: Date | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** Every version of every model package group (or of one model: `--model credit-risk` matches `<env>-credit-risk` and `credit-risk`). */
export async function inventory(ctx: Context, o: OptionValues): Promise<void> {
  const cmd = 'models inventory';
  const model = o.model === undefined ? undefined : checkName('--model', o.model as string, cmd);
  const sm = ctx.sagemaker();

  const groups: string[] = [];
  await sm.call('ListModelPackageGroups', async (c) => {
    for await (const page of paginateListModelPackageGroups({ client: c }, {})) {
      for (const g of page.ModelPackageGroupSummaryList ?? []) if (g.ModelPackageGroupName) groups.push(g.ModelPackageGroupName);
    }
  });
  const wanted = groups.filter((g) => model === undefined || g === model || g.endsWith(`-${model}`)).sort();

  // Where each package serves: the rollout's package tag on each endpoint's current config.
  const serving = new Map<string, { endpoint: string; endpointConfig: string; status: string }[]>();
  const monitoringOf = new Map<string, InventoryVersion['monitoring'][number][]>();
  const endpoints: string[] = [];
  await sm.call('ListEndpoints', async (c) => {
    for await (const page of paginateListEndpoints({ client: c }, {})) {
      for (const e of page.Endpoints ?? []) if (e.EndpointName) endpoints.push(e.EndpointName);
    }
  });
  for (const name of endpoints) {
    const e = await sm.call('DescribeEndpoint', (c) => c.send(new DescribeEndpointCommand({ EndpointName: name })));
    if (!e.EndpointConfigName) continue;
    const config = await sm.call('DescribeEndpointConfig', (c) =>
      c.send(new DescribeEndpointConfigCommand({ EndpointConfigName: e.EndpointConfigName })),
    );
    const tags = await sm.call('ListTags', (c) => c.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn })));
    const pkg = tagValue(tags.Tags, PACKAGE_TAG);
    if (!pkg) continue;
    serving.set(pkg, [
      ...(serving.get(pkg) ?? []),
      { endpoint: name, endpointConfig: e.EndpointConfigName, status: e.EndpointStatus ?? '-' },
    ]);
    const schedules = await sm.call('ListMonitoringSchedules', (c) => c.send(new ListMonitoringSchedulesCommand({ EndpointName: name })));
    const list: InventoryVersion['monitoring'][number][] = [];
    for (const s of schedules.MonitoringScheduleSummaries ?? []) {
      const d = await sm.call('DescribeMonitoringSchedule', (c) =>
        c.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: s.MonitoringScheduleName })),
      );
      list.push({
        endpoint: name,
        schedule: s.MonitoringScheduleName ?? '-',
        status: d.MonitoringScheduleStatus ?? s.MonitoringScheduleStatus ?? '-',
        lastExecution: d.LastMonitoringExecutionSummary?.MonitoringExecutionStatus ?? null,
      });
    }
    monitoringOf.set(pkg, [...(monitoringOf.get(pkg) ?? []), ...list]);
  }

  const versions: InventoryVersion[] = [];
  for (const group of wanted) {
    const summaries: ModelPackageSummary[] = [];
    await sm.call('ListModelPackages', async (c) => {
      for await (const page of paginateListModelPackages(
        { client: c },
        { ModelPackageGroupName: group, SortBy: 'CreationTime', SortOrder: 'Descending' },
      )) {
        summaries.push(...(page.ModelPackageSummaryList ?? []));
      }
    });
    for (const s of summaries) {
      const p = await sm.call('DescribeModelPackage', (c) =>
        c.send(new DescribeModelPackageCommand({ ModelPackageName: s.ModelPackageArn })),
      );
      const m = p.CustomerMetadataProperties ?? {};
      const arn = p.ModelPackageArn ?? s.ModelPackageArn ?? '';
      const status = p.ModelApprovalStatus ?? s.ModelApprovalStatus ?? '-';
      const decided = status === 'Approved' || status === 'Rejected';
      versions.push({
        group,
        version: p.ModelPackageVersion ?? packageVersion(arn),
        arn,
        status,
        created: iso(p.CreationTime),
        description: p.ModelPackageDescription ?? null,
        tier: m.tier ?? null,
        metrics: { auc: num(m.auc), ks: num(m.ks), adverseImpactRatio: num(m.adverseImpactRatio) },
        reports: {
          modelQuality: p.ModelMetrics?.ModelQuality?.Statistics?.S3Uri ?? null,
          bias: p.ModelMetrics?.Bias?.PostTrainingReport?.S3Uri ?? p.ModelMetrics?.Bias?.Report?.S3Uri ?? null,
          baseline: p.DriftCheckBaselines?.ModelDataQuality?.Statistics?.S3Uri ?? null,
        },
        trainingSet: { uri: m.trainingSetUri ?? null, version: m.trainingSetVersion ?? null },
        codeVersion: m.codeVersion ?? p.MetadataProperties?.CommitId ?? null,
        trainingJob: m.trainingJobArn ?? null,
        pipelineExecution: m.pipelineExecution ?? p.MetadataProperties?.GeneratedBy ?? null,
        mlflowRunId: m.mlflowRunId ?? null,
        promotedFrom: m.sourceModelPackageArn
          ? { environment: m.sourceEnvironment ?? '-', modelPackageArn: m.sourceModelPackageArn }
          : null,
        approval: decided
          ? {
              status,
              by: m.decidedBy ?? p.LastModifiedBy?.IamIdentity?.Arn ?? p.LastModifiedBy?.UserProfileName ?? null,
              at: m.decidedAt ?? iso(p.LastModifiedTime),
              reason: p.ApprovalDescription ?? null,
            }
          : null,
        serving: serving.get(arn) ?? [],
        monitoring: monitoringOf.get(arn) ?? [],
      });
    }
  }
  ctx.out.result({ model: model ?? null, groups: wanted, versions }, () =>
    versions.length === 0
      ? `No model versions${model ? ` of ${model}` : ''}.`
      : table(
          ['GROUP', 'VERSION', 'STATUS', 'AUC', 'KS', 'AIR', 'TRAINING SET', 'DECIDED BY', 'SERVING', 'MONITORING'],
          versions.map((v) => [
            v.group,
            String(v.version ?? '-'),
            v.status,
            String(v.metrics.auc ?? '-'),
            String(v.metrics.ks ?? '-'),
            String(v.metrics.adverseImpactRatio ?? '-'),
            v.trainingSet.version ?? '-',
            v.approval?.by ?? '-',
            v.serving.map((s) => s.endpoint).join(',') || '-',
            v.monitoring.map((s) => `${s.schedule}:${s.status}${s.lastExecution ? `/${s.lastExecution}` : ''}`).join(',') || '-',
          ]),
        ),
  );
}
