/** `mlp endpoints …`: roll an endpoint to a new approved model (creating it the first time), watch it, roll it back. */
import {
  ApplicationAutoScalingClient,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateDataQualityJobDefinitionCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateMonitoringScheduleCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigOutput,
  type DescribeEndpointOutput,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  type DescribeModelPackageOutput,
  DescribeMonitoringScheduleCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  type Tag,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsService, clientConfig, Deadline, type SageMaker } from '../aws';
import type { Context, OptionValues } from '../context';
import { DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT } from '../defaults';
import { AwsError, CliError, DeadlineExceeded, RolloutError, UsageError } from '../errors';
import { isoDate, table } from '../output';
import { PACKAGE_TAG, PREVIOUS_CONFIG_TAG, planEndpointConfig, planModel, tagValue } from '../plan';
import { Progress } from '../progress';
import { type EndpointSpec, parseSpec, planEndpoint, planFirstEndpointConfig, planFirstModel, planMonitoring } from '../spec';
import { checkName, checkPackageArn, derivedName, packageVersion, parseDuration, timestamp } from '../values';

/** --poll-interval: often enough to follow an update, rarely enough not to be throttled. */
export const POLL_INTERVAL_BOUNDS = { minMs: 1000, maxMs: 5 * 60_000 } as const;
/** --timeout: SageMaker's own update limits are hours, not days. */
export const TIMEOUT_BOUNDS = { minMs: 1000, maxMs: 24 * 3_600_000 } as const;

// ------------------------------------------------------------------------------------ rollout

export async function rollout(ctx: Context, o: OptionValues): Promise<void> {
  const cmd = 'endpoints rollout';
  const endpointName = checkName('--endpoint', o.endpoint as string, cmd);
  const group = o.group === undefined ? undefined : checkName('--group', o.group as string, cmd);
  const packageArn = o.package === undefined ? undefined : checkPackageArn('--package', o.package as string, cmd);
  if (!group && !packageArn) throw new UsageError('--group is required (or give the package with --package)', cmd);
  const wait = waitOptions(o, cmd);
  const specParameter = o.spec === undefined ? undefined : checkSpecParameter(o.spec as string, cmd);
  const sm = ctx.sagemaker();
  const deadline = new Deadline(wait.timeoutMs, wait.label);
  sm.deadline = deadline;
  const state: UpdateState = { updateCalled: false };
  const services = new Services(ctx, deadline);
  try {
    await rolloutSteps(ctx, sm, { endpointName, group, packageArn, specParameter, wait, state, services });
  } catch (err) {
    throw timeoutOutcome(err, 'Rollout', endpointName, state);
  } finally {
    services.destroy();
  }
}

/** SSM and Application Auto Scaling clients, created on first use, bounded like SageMaker's. */
class Services {
  private ssmService?: AwsService<SSMClient>;
  private scalingService?: AwsService<ApplicationAutoScalingClient>;
  constructor(
    private readonly ctx: Context,
    private readonly deadline: Deadline,
  ) {}
  ssm(): AwsService<SSMClient> {
    this.ssmService ??= Object.assign(new AwsService(new SSMClient(clientConfig(this.ctx.aws)), 'SSM', this.ctx.aws), {
      deadline: this.deadline,
    });
    return this.ssmService;
  }
  scaling(): AwsService<ApplicationAutoScalingClient> {
    this.scalingService ??= Object.assign(
      new AwsService(new ApplicationAutoScalingClient(clientConfig(this.ctx.aws)), 'Application Auto Scaling', this.ctx.aws),
      { deadline: this.deadline },
    );
    return this.scalingService;
  }
  destroy(): void {
    this.ssmService?.destroy();
    this.scalingService?.destroy();
  }
}

const SPEC_PARAMETER = /^\/[A-Za-z0-9_.\-/]{1,2047}$/;

function checkSpecParameter(value: string, cmd: string): string {
  if (!SPEC_PARAMETER.test(value)) {
    throw new UsageError(
      `--spec: '${value}' is not an SSM parameter name; expected a path such as /mlp/prod/endpoints/credit-risk/spec`,
      cmd,
    );
  }
  return value;
}

/**
 * The platform's spec parameter of an endpoint `<env>-<name>`: `/mlp/<env>/endpoints/<name>/spec`
 * (environment names have no hyphen). Undefined when the name has no such form.
 */
export function defaultSpecParameter(endpointName: string): string | undefined {
  const m = /^([a-z0-9]+)-(.+)$/.exec(endpointName);
  return m ? `/mlp/${m[1]}/endpoints/${m[2]}/spec` : undefined;
}

interface RolloutSteps {
  readonly endpointName: string;
  readonly group: string | undefined;
  readonly packageArn: string | undefined;
  readonly specParameter: string | undefined;
  readonly wait: WaitOptions;
  readonly state: UpdateState;
  readonly services: Services;
}

async function rolloutSteps(ctx: Context, sm: SageMaker, r: RolloutSteps): Promise<void> {
  const { endpointName, group, packageArn, wait, state } = r;
  const cmd = 'endpoints rollout';
  const out = ctx.out;

  const pkg = await choosePackage(sm, group, packageArn, cmd);
  const version = pkg.ModelPackageVersion ?? packageVersion(pkg.ModelPackageArn!);
  out.step(`Package: ${pkg.ModelPackageGroupName} version ${version} (${pkg.ModelApprovalStatus}) ${pkg.ModelPackageArn}`);

  const endpoint = await describeEndpointIfExists(sm, endpointName);
  if (!endpoint) {
    // First version: nothing serves yet; create the endpoint from the platform's spec.
    await firstCreate(ctx, sm, r, pkg, version);
    return;
  }
  requireInService(endpoint, 'roll out');
  const currentConfig = await describeEndpointConfig(sm, endpoint.EndpointConfigName!);
  const currentTags = await listTags(sm, currentConfig.EndpointConfigArn!);
  out.step(`Endpoint ${endpointName} is InService on config ${currentConfig.EndpointConfigName}`);

  if (tagValue(currentTags, PACKAGE_TAG) === pkg.ModelPackageArn) {
    out.step(`Endpoint ${endpointName} already serves this package; nothing to roll out.`);
    // A first rollout whose autoscaling or monitoring step failed is finished here.
    const parameter = r.specParameter ?? defaultSpecParameter(endpointName);
    const spec = parameter ? await readSpecIfPresent(r.services, parameter, endpointName) : undefined;
    if (spec) await ensureScalingAndMonitoring(ctx, sm, r.services, spec, `v${version ?? 0}-${timestamp(ctx.now())}`);
    out.result(
      { endpoint: endpointName, outcome: 'unchanged', package: pkg.ModelPackageArn, endpointConfig: currentConfig.EndpointConfigName },
      () => `${endpointName} already serves ${pkg.ModelPackageArn} (config ${currentConfig.EndpointConfigName}).`,
    );
    return;
  }

  const firstModel = currentConfig.ProductionVariants?.[0]?.ModelName;
  if (!firstModel) throw new RolloutError(`Endpoint config ${currentConfig.EndpointConfigName} has no model to copy settings from.`);
  const currentModel = await sm.call('DescribeModel', (c) => c.send(new DescribeModelCommand({ ModelName: firstModel })));

  const suffix = `v${version ?? 0}-${timestamp(ctx.now())}`;
  const modelInput = planModel(derivedName(pkg.ModelPackageGroupName ?? endpointName, suffix), pkg, currentModel);
  await sm.call('CreateModel', (c) => c.send(new CreateModelCommand(modelInput)));
  out.step(`Created model ${modelInput.ModelName} (role, VPC and network isolation copied from ${firstModel})`);

  const configInput = planEndpointConfig(currentConfig, {
    name: derivedName(endpointName, suffix),
    modelName: modelInput.ModelName!,
    packageArn: pkg.ModelPackageArn!,
    currentTags,
  });
  await sm.call('CreateEndpointConfig', (c) => c.send(new CreateEndpointConfigCommand(configInput)));
  out.step(`Created endpoint config ${configInput.EndpointConfigName} (copy of ${currentConfig.EndpointConfigName} with the new model)`);

  await update(ctx, sm, {
    verb: 'Rollout',
    endpointName,
    target: configInput.EndpointConfigName!,
    previous: currentConfig.EndpointConfigName!,
    ...wait,
    state,
    extra: { package: pkg.ModelPackageArn, version, model: modelInput.ModelName },
  });
}

/**
 * The first rollout of an endpoint: read the spec from SSM, create the model, the endpoint config
 * and the endpoint (with the spec's guardrails), wait until InService, then register autoscaling
 * and the data-quality monitoring schedule. A failure before CreateEndpoint leaves no endpoint.
 */
async function firstCreate(
  ctx: Context,
  sm: SageMaker,
  r: RolloutSteps,
  pkg: DescribeModelPackageOutput,
  version: number | undefined,
): Promise<void> {
  const { endpointName, wait, state } = r;
  const out = ctx.out;
  const parameter = r.specParameter ?? defaultSpecParameter(endpointName);
  if (!parameter) {
    throw new RolloutError(
      `Endpoint ${endpointName} does not exist and its spec parameter cannot be derived from the name; pass --spec /mlp/<env>/endpoints/<name>/spec. Nothing was changed.`,
    );
  }
  const spec = await readSpec(r.services, parameter, endpointName);
  if (pkg.ModelPackageGroupName && pkg.ModelPackageGroupName !== spec.modelPackageGroupName) {
    throw new RolloutError(
      `Package ${pkg.ModelPackageArn} belongs to group ${pkg.ModelPackageGroupName}; the spec ${parameter} serves group ${spec.modelPackageGroupName}. Nothing was changed.`,
    );
  }
  out.step(`Endpoint ${endpointName} does not exist yet: creating it from the spec ${parameter}`);

  const suffix = `v${version ?? 0}-${timestamp(ctx.now())}`;
  const modelInput = planFirstModel(derivedName(pkg.ModelPackageGroupName ?? endpointName, suffix), pkg, spec);
  await sm.call('CreateModel', (c) => c.send(new CreateModelCommand(modelInput)));
  out.step(`Created model ${modelInput.ModelName} (execution role, VPC and network isolation from the spec)`);
  const configInput = planFirstEndpointConfig(derivedName(endpointName, suffix), modelInput.ModelName!, pkg.ModelPackageArn!, spec);
  await sm.call('CreateEndpointConfig', (c) => c.send(new CreateEndpointConfigCommand(configInput)));
  out.step(`Created endpoint config ${configInput.EndpointConfigName}`);
  state.updateCalled = true; // from here on, a timeout leaves an endpoint whose creation may still finish
  await sm.call('CreateEndpoint', (c) => c.send(new CreateEndpointCommand(planEndpoint(configInput.EndpointConfigName!, spec))));
  out.step(
    `CreateEndpoint ${endpointName} on ${configInput.EndpointConfigName}${spec.guardrails ? ` (guardrails: canary ${spec.guardrails.canaryPercent}%, rollback on ${spec.guardrails.rollbackAlarmNames.length} alarms)` : ''}; waiting up to ${Math.round(wait.timeoutMs / 1000)}s`,
  );

  const base = {
    endpoint: endpointName,
    endpointConfig: configInput.EndpointConfigName,
    package: pkg.ModelPackageArn,
    version,
    model: modelInput.ModelName,
  };
  const e = await waitForFinalState(ctx, sm, endpointName, wait, 'Creation', base);
  if (e.EndpointStatus !== 'InService') {
    throw new RolloutError(
      `Creation of ${endpointName} failed (status ${e.EndpointStatus}).${e.FailureReason ? ` Reason: ${e.FailureReason}` : ''} Nothing serves; fix the cause, delete the endpoint and roll out again.`,
      { ...base, outcome: 'failed', status: e.EndpointStatus, failureReason: e.FailureReason ?? null },
    );
  }
  const extras = await ensureScalingAndMonitoring(ctx, sm, r.services, spec, suffix);
  out.result(
    { ...base, outcome: 'created', status: e.EndpointStatus, specParameter: parameter, ...extras },
    () => `Rollout succeeded: created ${endpointName}, InService on ${configInput.EndpointConfigName} (${pkg.ModelPackageArn}).`,
  );
}

/** The spec, or undefined when the parameter does not exist (endpoints the platform does not describe). */
async function readSpecIfPresent(services: Services, parameter: string, endpointName: string): Promise<EndpointSpec | undefined> {
  try {
    return await readSpec(services, parameter, endpointName);
  } catch (err) {
    if (err instanceof RolloutError && err.details.specMissing) return undefined;
    throw err;
  }
}

async function readSpec(services: Services, parameter: string, endpointName: string): Promise<EndpointSpec> {
  let value: string | undefined;
  try {
    const answer = await services.ssm().call('GetParameter', (c) => c.send(new GetParameterCommand({ Name: parameter })));
    value = answer.Parameter?.Value;
  } catch (err) {
    if (err instanceof AwsError && err.details.awsErrorName === 'ParameterNotFound') {
      throw new RolloutError(
        `Endpoint ${endpointName} does not exist and its spec ${parameter} is not in SSM: deploy the model's stack first (MlPlatform-<env>-Model-<model>) or pass --spec. Nothing was changed.`,
        { endpoint: endpointName, specParameter: parameter, specMissing: true },
      );
    }
    throw err;
  }
  if (value === undefined) throw new RolloutError(`Endpoint spec ${parameter} has no value. Nothing was changed.`);
  return parseSpec(parameter, value, endpointName);
}

/**
 * Autoscaling (target tracking on invocations per instance) and the data-quality schedule of a
 * created endpoint. Idempotent: registering a target and putting a policy overwrite; an existing
 * schedule is kept.
 */
async function ensureScalingAndMonitoring(
  ctx: Context,
  sm: SageMaker,
  services: Services,
  spec: EndpointSpec,
  suffix: string,
): Promise<{ autoScaling: unknown; monitoringSchedule: string | null }> {
  const out = ctx.out;
  const a = spec.autoScaling;
  try {
    if (a) {
      const resourceId = `endpoint/${spec.endpointName}/variant/${spec.variantName}`;
      const target = {
        ServiceNamespace: 'sagemaker',
        ResourceId: resourceId,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      } as const;
      await services
        .scaling()
        .call('RegisterScalableTarget', (c) =>
          c.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: a.minInstances, MaxCapacity: a.maxInstances })),
        );
      await services.scaling().call('PutScalingPolicy', (c) =>
        c.send(
          new PutScalingPolicyCommand({
            ...target,
            PolicyName: `${spec.endpointName}-invocations-per-instance`,
            PolicyType: 'TargetTrackingScaling',
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: a.targetInvocationsPerInstance,
              PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
              ScaleInCooldown: a.scaleInCooldownSeconds,
              ScaleOutCooldown: a.scaleOutCooldownSeconds,
            },
          }),
        ),
      );
      out.step(
        `Autoscaling: ${resourceId} between ${a.minInstances} and ${a.maxInstances} instances, target ${a.targetInvocationsPerInstance} invocations/instance/minute`,
      );
    }
    const monitoring = planMonitoring(spec, derivedName(`${spec.endpointName}-dq`, suffix));
    if (monitoring) {
      const name = monitoring.schedule.MonitoringScheduleName!;
      if (await scheduleExists(sm, name)) {
        out.step(`Monitoring schedule ${name} exists; kept`);
      } else {
        await sm.call('CreateDataQualityJobDefinition', (c) => c.send(new CreateDataQualityJobDefinitionCommand(monitoring.definition)));
        await sm.call('CreateMonitoringSchedule', (c) => c.send(new CreateMonitoringScheduleCommand(monitoring.schedule)));
        out.step(
          `Monitoring schedule ${name} (${spec.monitoring!.scheduleExpression}) on job definition ${monitoring.definition.JobDefinitionName}`,
        );
      }
    }
    return {
      autoScaling: a ? { minInstances: a.minInstances, maxInstances: a.maxInstances } : null,
      monitoringSchedule: spec.monitoring?.scheduleName ?? null,
    };
  } catch (err) {
    if (!(err instanceof CliError) || err instanceof DeadlineExceeded) throw err;
    throw new RolloutError(
      `${spec.endpointName} is InService, but its autoscaling or monitoring could not be set up: ${err.message} ` +
        'Run the same rollout again to finish (it keeps what exists).',
      { endpoint: spec.endpointName, outcome: 'incomplete' },
    );
  }
}

async function scheduleExists(sm: SageMaker, name: string): Promise<boolean> {
  try {
    await sm.call('DescribeMonitoringSchedule', (c) => c.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: name })));
    return true;
  } catch (err) {
    if (err instanceof AwsError && (err.details.awsErrorName === 'ResourceNotFound' || /does not exist|not found/i.test(err.message)))
      return false;
    throw err;
  }
}

async function choosePackage(
  sm: SageMaker,
  group: string | undefined,
  packageArn: string | undefined,
  cmd: string,
): Promise<DescribeModelPackageOutput> {
  let arn = packageArn;
  if (!arn) {
    const list = await sm.call('ListModelPackages', (c) =>
      c.send(
        new ListModelPackagesCommand({
          ModelPackageGroupName: group,
          ModelApprovalStatus: 'Approved',
          SortBy: 'CreationTime',
          SortOrder: 'Descending',
          MaxResults: 1,
        }),
      ),
    );
    arn = list.ModelPackageSummaryList?.[0]?.ModelPackageArn;
    if (!arn) {
      throw new RolloutError(`No Approved model package in group ${group}: approve one first (mlp models approve). Nothing was changed.`);
    }
  }
  const pkg = await sm.call('DescribeModelPackage', (c) => c.send(new DescribeModelPackageCommand({ ModelPackageName: arn })));
  if (group && pkg.ModelPackageGroupName && pkg.ModelPackageGroupName !== group) {
    throw new UsageError(`--package: ${arn} belongs to group ${pkg.ModelPackageGroupName}, not to --group ${group}`, cmd);
  }
  if (pkg.ModelApprovalStatus !== 'Approved') {
    throw new RolloutError(
      `Model package ${arn} is ${pkg.ModelApprovalStatus ?? 'not approved'}; only Approved packages are rolled out. Nothing was changed.`,
    );
  }
  return pkg;
}

// ------------------------------------------------------------------------------------ rollback

export async function rollback(ctx: Context, o: OptionValues): Promise<void> {
  const cmd = 'endpoints rollback';
  const endpointName = checkName('--endpoint', o.endpoint as string, cmd);
  const to = o.to === undefined ? undefined : checkName('--to', o.to as string, cmd);
  const wait = waitOptions(o, cmd);
  const sm = ctx.sagemaker();
  sm.deadline = new Deadline(wait.timeoutMs, wait.label);
  const state: UpdateState = { updateCalled: false };
  try {
    await rollbackSteps(ctx, sm, endpointName, to, wait, state);
  } catch (err) {
    throw timeoutOutcome(err, 'Rollback', endpointName, state);
  }
}

async function rollbackSteps(
  ctx: Context,
  sm: SageMaker,
  endpointName: string,
  to: string | undefined,
  wait: WaitOptions,
  state: UpdateState,
): Promise<void> {
  const endpoint = await describeEndpoint(sm, endpointName);
  requireInService(endpoint, 'roll back');
  const current = await describeEndpointConfig(sm, endpoint.EndpointConfigName!);
  const recorded = tagValue(await listTags(sm, current.EndpointConfigArn!), PREVIOUS_CONFIG_TAG);
  const target = to ?? recorded;
  if (!target) {
    throw new RolloutError(
      `No previous endpoint config is recorded on ${current.EndpointConfigName} (mlp records it as tag ${PREVIOUS_CONFIG_TAG} when it rolls out); ` +
        'pass --to <endpoint-config> to choose one. Nothing was changed.',
    );
  }
  if (target === current.EndpointConfigName) {
    throw new RolloutError(`Endpoint ${endpointName} already serves ${target}. Nothing was changed.`);
  }
  await describeEndpointConfig(sm, target); // a clear "Could not find endpoint configuration" before updating
  ctx.out.step(`Endpoint ${endpointName} is InService on ${current.EndpointConfigName}; rolling back to ${target}`);
  await update(ctx, sm, { verb: 'Rollback', endpointName, target, previous: current.EndpointConfigName!, ...wait, state, extra: {} });
}

// ------------------------------------------------------------------------------------ status

export async function status(ctx: Context, o: OptionValues): Promise<void> {
  const endpointName = checkName('--endpoint', o.endpoint as string, 'endpoints status');
  const sm = ctx.sagemaker();
  const e = await describeEndpoint(sm, endpointName);
  // The config may have been deleted by hand; the endpoint's own state still matters then.
  let config: DescribeEndpointConfigOutput | undefined;
  let tags: Tag[] = [];
  try {
    config = await describeEndpointConfig(sm, e.EndpointConfigName!);
    tags = await listTags(sm, config.EndpointConfigArn!);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
  }
  const variants = (e.ProductionVariants ?? []).map((v) => {
    const spec = config?.ProductionVariants?.find((p) => p.VariantName === v.VariantName);
    return {
      name: v.VariantName,
      model: spec?.ModelName,
      instanceType: spec?.InstanceType ?? (spec?.ServerlessConfig ? 'serverless' : undefined),
      currentInstanceCount: v.CurrentInstanceCount,
      desiredInstanceCount: v.DesiredInstanceCount,
      currentWeight: v.CurrentWeight,
      desiredWeight: v.DesiredWeight,
    };
  });
  const result = {
    endpoint: e.EndpointName,
    arn: e.EndpointArn,
    status: e.EndpointStatus,
    endpointConfig: e.EndpointConfigName,
    previousEndpointConfig: tagValue(tags, PREVIOUS_CONFIG_TAG) ?? null,
    modelPackage: tagValue(tags, PACKAGE_TAG) ?? null,
    created: e.CreationTime,
    lastModified: e.LastModifiedTime,
    failureReason: e.FailureReason ?? null,
    deploymentConfig: e.LastDeploymentConfig ?? null,
    variants,
  };
  ctx.out.result(result, () => {
    const lines = [
      `Endpoint:         ${result.endpoint}`,
      `Status:           ${result.status}`,
      `Endpoint config:  ${result.endpointConfig}`,
      `Previous config:  ${result.previousEndpointConfig ?? '- (none recorded; rollback needs --to)'}`,
      `Model package:    ${result.modelPackage ?? '-'}`,
      `Created:          ${isoDate(result.created)}`,
      `Last modified:    ${isoDate(result.lastModified)}`,
    ];
    if (result.failureReason) lines.push(`Failure reason:   ${result.failureReason}`);
    if (result.deploymentConfig) lines.push(`Deployment config (guardrails): ${JSON.stringify(result.deploymentConfig)}`);
    lines.push(
      '',
      table(
        ['VARIANT', 'MODEL', 'INSTANCE TYPE', 'INSTANCES (CURRENT/DESIRED)', 'WEIGHT (CURRENT/DESIRED)'],
        variants.map((v) => [
          v.name ?? '-',
          v.model ?? '-',
          v.instanceType ?? '-',
          `${v.currentInstanceCount ?? '-'}/${v.desiredInstanceCount ?? '-'}`,
          `${v.currentWeight ?? '-'}/${v.desiredWeight ?? '-'}`,
        ]),
      ),
    );
    return lines.join('\n');
  });
}

// ------------------------------------------------------------------------------------ shared

interface WaitOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** e.g. "--timeout 5s", for messages. */
  readonly label: string;
}

function waitOptions(o: OptionValues, cmd: string): WaitOptions {
  const timeout = (o.timeout as string | undefined) ?? DEFAULT_TIMEOUT;
  return {
    timeoutMs: parseDuration('--timeout', timeout, cmd, TIMEOUT_BOUNDS),
    pollMs: parseDuration(
      '--poll-interval',
      (o['poll-interval'] as string | undefined) ?? DEFAULT_POLL_INTERVAL,
      cmd,
      POLL_INTERVAL_BOUNDS,
    ),
    label: `--timeout ${timeout}`,
  };
}

/** Whether UpdateEndpoint was sent: before it, a timeout changed nothing; after it, the outcome is unknown. */
export interface UpdateState {
  updateCalled: boolean;
}

/**
 * What a timeout means for the endpoint, said as a RolloutError: the command's deadline (before or
 * after UpdateEndpoint), or a request that got no answer after UpdateEndpoint was sent (it may have
 * been applied). Other errors pass through unchanged.
 */
export function timeoutOutcome(err: unknown, verb: 'Rollout' | 'Rollback', endpointName: string, state: UpdateState): unknown {
  if (err instanceof AwsError && err.details.awsErrorName === 'TimeoutError' && state.updateCalled) {
    return unknownOutcome(verb, endpointName, `no answer to ${err.details.operation}`, { waitingFor: err.details.operation });
  }
  if (!(err instanceof DeadlineExceeded)) return err;
  if (!state.updateCalled) {
    return new RolloutError(
      `${verb} of ${endpointName} stopped: ${err.label} reached while waiting for ${err.operation}. ` +
        `UpdateEndpoint was not called, so the endpoint still serves its current config.`,
      { endpoint: endpointName, outcome: 'not-started', waitingFor: err.operation },
    );
  }
  return unknownOutcome(verb, endpointName, `${err.label} reached while waiting for ${err.operation}`, { waitingFor: err.operation });
}

/** After UpdateEndpoint was sent and the wait ended without a final state: say that nothing is known. */
function unknownOutcome(verb: string, endpointName: string, why: string, details: Record<string, unknown>): RolloutError {
  return new RolloutError(
    `${verb} of ${endpointName} timed out (${why}). Its outcome is unknown: the update may still be in progress, ` +
      `may finish, or may fail and be rolled back by SageMaker. Check with: mlp endpoints status --endpoint ${endpointName}`,
    { endpoint: endpointName, outcome: 'timeout', ...details },
  );
}

/** DescribeEndpoint, or undefined when SageMaker says the endpoint does not exist. */
async function describeEndpointIfExists(sm: SageMaker, name: string): Promise<DescribeEndpointOutput | undefined> {
  try {
    return await describeEndpoint(sm, name);
  } catch (err) {
    if (err instanceof AwsError && err.details.awsErrorName === 'ValidationException' && /Could not find endpoint/i.test(err.message)) {
      return undefined;
    }
    throw err;
  }
}

/** Polls until the endpoint is in a final state (InService, Failed, OutOfService, ...) or the timeout. */
async function waitForFinalState(
  ctx: Context,
  sm: SageMaker,
  endpointName: string,
  wait: WaitOptions,
  verb: string,
  base: Record<string, unknown>,
): Promise<DescribeEndpointOutput> {
  const started = ctx.now().getTime();
  const progress = new Progress({ stream: ctx.progressStream, plain: ctx.out.json, now: () => ctx.now().getTime() });
  for (;;) {
    const e = await describeEndpoint(sm, endpointName);
    progress.poll(endpointName, e.EndpointStatus ?? 'unknown', e.EndpointConfigName);
    const status = e.EndpointStatus;
    if (status === 'InService' || status === 'Failed' || status === 'UpdateRollbackFailed' || status === 'OutOfService') {
      progress.done();
      return e;
    }
    const remaining = wait.timeoutMs - (ctx.now().getTime() - started);
    if (remaining <= 0) {
      progress.done();
      throw unknownOutcome(verb, endpointName, `after ${progress.elapsed()}, last status ${status}`, { ...base, status });
    }
    const stopAnimation = progress.animate();
    try {
      await ctx.sleep(Math.min(wait.pollMs, remaining));
    } finally {
      stopAnimation();
    }
  }
}

function describeEndpoint(sm: SageMaker, name: string): Promise<DescribeEndpointOutput> {
  return sm.call('DescribeEndpoint', (c) => c.send(new DescribeEndpointCommand({ EndpointName: name })));
}

function describeEndpointConfig(sm: SageMaker, name: string): Promise<DescribeEndpointConfigOutput> {
  return sm.call('DescribeEndpointConfig', (c) => c.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })));
}

async function listTags(sm: SageMaker, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let next: string | undefined;
  do {
    const page = await sm.call('ListTags', (c) => c.send(new ListTagsCommand({ ResourceArn: arn, NextToken: next })));
    tags.push(...(page.Tags ?? []));
    next = page.NextToken;
  } while (next);
  return tags;
}

function requireInService(e: DescribeEndpointOutput, action: string): void {
  if (e.EndpointStatus !== 'InService') {
    throw new RolloutError(
      `Endpoint ${e.EndpointName} is ${e.EndpointStatus}; it must be InService to ${action}. Nothing was changed.` +
        (e.FailureReason ? ` Failure reason: ${e.FailureReason}` : ''),
    );
  }
}

interface UpdatePlan extends WaitOptions {
  readonly state: UpdateState;
  readonly verb: 'Rollout' | 'Rollback';
  readonly endpointName: string;
  readonly target: string;
  readonly previous: string;
  readonly extra: Record<string, unknown>;
}

/**
 * UpdateEndpoint (keeping the endpoint's deployment guardrails) and wait with visible progress
 * until the endpoint is InService on the target config, or the update failed, or the timeout.
 * SageMaker keeps the previous config serving during an update and rolls back to it on failure:
 * an endpoint that is InService on the *previous* config after an update is a failed update.
 */
async function update(ctx: Context, sm: SageMaker, p: UpdatePlan): Promise<void> {
  p.state.updateCalled = true; // from here on, a request that gets no answer may still have been applied
  await sm.call('UpdateEndpoint', (c) =>
    c.send(new UpdateEndpointCommand({ EndpointName: p.endpointName, EndpointConfigName: p.target, RetainDeploymentConfig: true })),
  );
  ctx.out.step(
    `UpdateEndpoint ${p.endpointName} -> ${p.target} (deployment guardrails retained); waiting up to ${Math.round(p.timeoutMs / 1000)}s`,
  );

  const started = ctx.now().getTime();
  const progress = new Progress({ stream: ctx.progressStream, plain: ctx.out.json, now: () => ctx.now().getTime() });
  const base = { endpoint: p.endpointName, endpointConfig: p.target, previousEndpointConfig: p.previous, ...p.extra };
  let e: DescribeEndpointOutput;
  for (;;) {
    e = await describeEndpoint(sm, p.endpointName);
    progress.poll(p.endpointName, e.EndpointStatus ?? 'unknown', e.EndpointConfigName);
    const status = e.EndpointStatus;
    if (status === 'InService' || status === 'Failed' || status === 'UpdateRollbackFailed' || status === 'OutOfService') break;
    const remaining = p.timeoutMs - (ctx.now().getTime() - started);
    if (remaining <= 0) {
      progress.done();
      throw unknownOutcome(p.verb, p.endpointName, `after ${progress.elapsed()}, last status ${status}`, { ...base, status });
    }
    const stopAnimation = progress.animate();
    try {
      await ctx.sleep(Math.min(p.pollMs, remaining));
    } finally {
      stopAnimation();
    }
  }
  progress.done();

  if (e.EndpointStatus === 'InService' && e.EndpointConfigName === p.target) {
    ctx.out.result(
      { ...base, outcome: 'succeeded', status: e.EndpointStatus, elapsed: progress.elapsed() },
      () => `${p.verb} succeeded: ${p.endpointName} is InService on ${p.target} (was ${p.previous}) after ${progress.elapsed()}.`,
    );
    return;
  }
  const reason = e.FailureReason ? ` Reason: ${e.FailureReason}` : '';
  const serving =
    e.EndpointStatus === 'InService'
      ? `SageMaker rolled back automatically: ${p.endpointName} is InService on its previous endpoint config ${e.EndpointConfigName}, which keeps serving.`
      : `SageMaker keeps the previous endpoint config ${p.previous} serving when an update fails (endpoint status ${e.EndpointStatus}).`;
  throw new RolloutError(`${p.verb} of ${p.endpointName} to ${p.target} failed after ${progress.elapsed()}. ${serving}${reason}`, {
    ...base,
    outcome: 'failed',
    status: e.EndpointStatus,
    servingEndpointConfig: e.EndpointConfigName,
    failureReason: e.FailureReason ?? null,
  });
}
