/** `mlp models …`: the model registry (SageMaker model package groups and versioned packages). */
import {
  CreateModelPackageCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  type ModelPackageSummary,
  paginateListModelPackages,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import type { Context, OptionValues } from '../context';
import { isoDate, table } from '../output';
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
  await sm.call('UpdateModelPackage', (c) =>
    c.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status, ApprovalDescription: reason })),
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
