/**
 * `mlp preflight --env <name>`: read-only checks of what a deploy of an environment needs and
 * CloudFormation cannot create. Every check ends in findings: `ok`, or a `problem` with how to fix
 * it. A check that cannot run (an API the endpoint lacks, access denied, no answer) is a problem
 * too ("could not check …"): a preflight that passes has seen everything it checks.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeCapacityReservationsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetServiceQuotaCommand, paginateListServiceQuotas, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { teamMemberRoleArns } from '../../lib/compute/access';
import { ENVIRONMENT_NAMES, ENVIRONMENTS, type EnvironmentConfig } from '../../lib/config';
import { type AwsOptions, clientConfig } from '../aws';
import type { Context, OptionValues } from '../context';
import { CliError, ExitCode, UsageError } from '../errors';
import { BOOTSTRAP, EC2_VCPU_QUOTAS, EC2_VCPUS, NAMED_QUOTAS, SERVICE_LINKED_ROLES, SPOT_SERVICE_LINKED_ROLE } from '../preflight/tables';

export interface Finding {
  /** identity, bootstrap, roles, service-linked-roles, quotas, capacity-reservations, images */
  readonly check: string;
  readonly status: 'ok' | 'problem';
  readonly message: string;
  /** How to fix a problem (a command where there is one). */
  readonly fix?: string;
}

export interface PreflightResult {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly ok: boolean;
  readonly problems: number;
  readonly findings: readonly Finding[];
}

/** Exit 5 after the findings were printed (main prints only the one-line summary). */
export class PreflightFailed extends CliError {
  readonly exitCode = ExitCode.Preflight;
  readonly kind = 'preflight';
  /** The result is already on stdout (also with --json). */
  readonly reported = true;
}

export async function preflight(ctx: Context, o: OptionValues): Promise<void> {
  const name = o.env as string;
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`--env: '${name}' is not an environment (allowed: ${ENVIRONMENT_NAMES.join(', ')})`, 'preflight');
  }
  const env = ENVIRONMENTS[name as keyof typeof ENVIRONMENTS];
  const result = await runPreflight(env, ctx.aws);
  ctx.out.result(result, () => render(result));
  if (!result.ok) {
    throw new PreflightFailed(
      `preflight of ${result.environment} found ${result.problems} problem${result.problems === 1 ? '' : 's'}; fix them before 'npx cdk deploy'`,
    );
  }
}

export function render(r: PreflightResult): string {
  const lines = [`Preflight of ${r.environment} (account ${r.account}, region ${r.region}):`];
  for (const f of r.findings) {
    lines.push(
      f.status === 'ok' ? `  ok       ${f.check}: ${f.message}` : `  PROBLEM  ${f.check}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`,
    );
  }
  lines.push(r.ok ? 'No problems found.' : `${r.problems} problem${r.problems === 1 ? '' : 's'} found.`);
  return lines.join('\n');
}

/** Runs every check against the account the credentials reach; never throws for AWS errors. */
export async function runPreflight(env: EnvironmentConfig, aws: AwsOptions): Promise<PreflightResult> {
  const config = { ...clientConfig(aws), region: aws.region ?? env.region };
  const clients = {
    sts: new STSClient(config),
    cfn: new CloudFormationClient(config),
    ssm: new SSMClient(config),
    iam: new IAMClient(config),
    quotas: new ServiceQuotasClient(config),
    ec2: new EC2Client(config),
    ecr: new ECRClient(config),
  };
  try {
    const findings: Finding[] = [];
    const checks = [
      identity,
      bootstrap,
      configRoles,
      serviceLinkedRoles,
      ec2Quotas,
      sagemakerQuotas,
      mskQuota,
      capacityReservations,
      images,
    ];
    for (const check of checks) findings.push(...(await check(env, clients, config.region)));
    const problems = findings.filter((f) => f.status === 'problem').length;
    return { environment: env.name, account: env.account, region: config.region, ok: problems === 0, problems, findings };
  } finally {
    for (const c of Object.values(clients)) c.destroy();
  }
}

type Clients = {
  readonly sts: STSClient;
  readonly cfn: CloudFormationClient;
  readonly ssm: SSMClient;
  readonly iam: IAMClient;
  readonly quotas: ServiceQuotasClient;
  readonly ec2: EC2Client;
  readonly ecr: ECRClient;
};
type Check = (env: EnvironmentConfig, c: Clients, region: string) => Promise<Finding[]>;

const ok = (check: string, message: string): Finding => ({ check, status: 'ok', message });
const problem = (check: string, message: string, fix?: string): Finding => ({ check, status: 'problem', message, ...(fix ? { fix } : {}) });

/** The error's name and first line, e.g. "AccessDenied: User … is not authorized". */
function reason(err: unknown): string {
  const e = err as { name?: string; message?: string; $response?: unknown; $fault?: string };
  const message = (e?.message ?? String(err)).split('\n')[0].trim();
  if (e?.$response !== undefined && !e.$fault) return 'the endpoint does not implement this API (unparseable answer)';
  return e?.name && e.name !== 'Error' && !message.startsWith(e.name) ? `${e.name}: ${message}` : message;
}

function notFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  const message = (err as { message?: string })?.message ?? '';
  return (
    /NoSuchEntity|NotFound|ParameterNotFound|RepositoryNotFound|ImageNotFound|NoSuchResource/.test(name) ||
    /does not exist|not found/i.test(message)
  );
}

function couldNotCheck(check: string, what: string, err: unknown): Finding {
  return problem(
    check,
    `could not check ${what}: ${reason(err).replace(/\.+$/, '')}.`,
    'check it by hand (e.g. the Service Quotas console), or re-run with credentials that may call this read-only API',
  );
}

const identity: Check = async (env, c, region) => {
  try {
    const id = await c.sts.send(new GetCallerIdentityCommand({}));
    const findings: Finding[] = [];
    if (id.Account !== env.account) {
      findings.push(
        problem(
          'identity',
          `the credentials reach account ${id.Account} (${id.Arn}), config says ${env.name} is account ${env.account}.`,
          `use a profile of account ${env.account} (--profile), or correct lib/config/accounts.ts`,
        ),
      );
    } else {
      findings.push(ok('identity', `account ${id.Account} as ${id.Arn}`));
    }
    if (region !== env.region) {
      findings.push(
        problem(
          'identity',
          `region ${region} given, config says ${env.name} is in ${env.region}.`,
          `drop --region or pass --region ${env.region}`,
        ),
      );
    }
    return findings;
  } catch (err) {
    return [couldNotCheck('identity', 'the account (sts:GetCallerIdentity)', err)];
  }
};

const bootstrap: Check = async (env, c) => {
  const fix = `npx cdk bootstrap aws://${env.account}/${env.region} --trust <tooling account> --cloudformation-execution-policies <policy ARN> (see docs/operations.md)`;
  const findings: Finding[] = [];
  try {
    const stack = (await c.cfn.send(new DescribeStacksCommand({ StackName: BOOTSTRAP.stackName }))).Stacks?.[0];
    if (!stack) findings.push(problem('bootstrap', `stack ${BOOTSTRAP.stackName} not found: the account/region is not bootstrapped.`, fix));
    else if (!/_COMPLETE$/.test(stack.StackStatus ?? '') || /ROLLBACK|DELETE/.test(stack.StackStatus ?? '')) {
      findings.push(problem('bootstrap', `stack ${BOOTSTRAP.stackName} is ${stack.StackStatus}.`, fix));
    } else findings.push(ok('bootstrap', `stack ${BOOTSTRAP.stackName} is ${stack.StackStatus}`));
  } catch (err) {
    findings.push(
      notFound(err) || /does not exist/.test(reason(err))
        ? problem('bootstrap', `stack ${BOOTSTRAP.stackName} not found: the account/region is not bootstrapped.`, fix)
        : couldNotCheck('bootstrap', `stack ${BOOTSTRAP.stackName}`, err),
    );
  }
  try {
    const value = (await c.ssm.send(new GetParameterCommand({ Name: BOOTSTRAP.versionParameter }))).Parameter?.Value;
    const version = Number(value);
    if (!Number.isInteger(version) || version < BOOTSTRAP.requiredVersion) {
      findings.push(
        problem(
          'bootstrap',
          `${BOOTSTRAP.versionParameter} is ${value}; this app needs bootstrap version ${BOOTSTRAP.requiredVersion} or newer (the CLI's template is ${BOOTSTRAP.cliTemplateVersion}).`,
          fix,
        ),
      );
    } else {
      const note =
        version < BOOTSTRAP.cliTemplateVersion
          ? ` (older than the CLI's template ${BOOTSTRAP.cliTemplateVersion}: re-bootstrapping picks up its fixes)`
          : '';
      findings.push(ok('bootstrap', `version ${version} >= ${BOOTSTRAP.requiredVersion}${note}`));
    }
  } catch (err) {
    findings.push(
      notFound(err)
        ? problem('bootstrap', `SSM parameter ${BOOTSTRAP.versionParameter} not found: the account/region is not bootstrapped.`, fix)
        : couldNotCheck('bootstrap', `SSM parameter ${BOOTSTRAP.versionParameter}`, err),
    );
  }
  return findings;
};

/** Role ARNs config names for access entries: `cluster.access` (admins, namespace-scoped roles) and the teams' member groups. */
export function configuredRoleArns(env: EnvironmentConfig): { readonly field: string; readonly arn: string }[] {
  const access = env.cluster?.access;
  return [
    ...(access?.admins ?? []).map((arn, i) => ({ field: `cluster.access.admins[${i}]`, arn })),
    ...(access?.namespaces ?? []).map((n, i) => ({ field: `cluster.access.namespaces[${i}].roleArn`, arn: n.roleArn })),
    ...teamMemberRoleArns(env),
  ];
}

const configRoles: Check = async (env, c) => {
  const findings: Finding[] = [];
  for (const { field, arn } of configuredRoleArns(env)) {
    const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
    if (!m) {
      findings.push(problem('roles', `${env.name}.${field}: '${arn}' is not an IAM role ARN.`, 'correct it in lib/config'));
      continue;
    }
    if (m[1] !== env.account) {
      findings.push(ok('roles', `${field} ${arn} is in another account (${m[1]}); not checked from here`));
      continue;
    }
    try {
      await c.iam.send(new GetRoleCommand({ RoleName: m[2] }));
      findings.push(ok('roles', `${field} ${arn} exists`));
    } catch (err) {
      findings.push(
        notFound(err)
          ? problem(
              'roles',
              `${env.name}.${field}: role ${arn} does not exist (EKS access entries need it).`,
              `create it (e.g. your SSO permission set's role) or change ${field} in lib/config`,
            )
          : couldNotCheck('roles', `role ${arn}`, err),
      );
    }
  }
  return findings;
};

const serviceLinkedRoles: Check = async (env, c) => {
  const needed = [...SERVICE_LINKED_ROLES];
  const spotPools = (env.cluster.karpenter?.nodePools ?? []).some((pool) => pool.capacityTypes.includes('spot'));
  if (spotPools || env.cluster.nodeGroups.some((g) => g.capacityType === 'SPOT')) needed.push(SPOT_SERVICE_LINKED_ROLE);
  const findings: Finding[] = [];
  for (const slr of needed) {
    try {
      await c.iam.send(new GetRoleCommand({ RoleName: slr.role }));
      findings.push(ok('service-linked-roles', `${slr.role} exists`));
    } catch (err) {
      findings.push(
        notFound(err)
          ? problem(
              'service-linked-roles',
              `${slr.role} does not exist (${slr.why}).`,
              `aws iam create-service-linked-role --aws-service-name ${slr.service}`,
            )
          : couldNotCheck('service-linked-roles', slr.role, err),
      );
    }
  }
  return findings;
};

const ec2Quotas: Check = async (env, c) => {
  // vCPUs at maximum size, per quota: a group counts at its largest instance type.
  const need = new Map<string, { name: string; vcpus: number; groups: string[] }>();
  const findings: Finding[] = [];
  for (const g of env.cluster.nodeGroups) {
    const sizes = g.instanceTypes.map((t) => EC2_VCPUS[t]);
    const unknown = g.instanceTypes.filter((t) => EC2_VCPUS[t] === undefined);
    if (unknown.length > 0) {
      findings.push(
        problem(
          'quotas',
          `could not check EC2 vCPU quota for node group ${g.name}: no vCPU count for ${unknown.join(', ')} in mlp/preflight/tables.ts.`,
          'add the instance type to EC2_VCPUS',
        ),
      );
      continue;
    }
    const family = g.instanceTypes[0].split('.')[0];
    const entry = EC2_VCPU_QUOTAS.find((q) => q.families.test(family));
    if (!entry) {
      findings.push(
        problem(
          'quotas',
          `could not check EC2 vCPU quota for node group ${g.name}: family ${family} has no quota in mlp/preflight/tables.ts.`,
          'add it to EC2_VCPU_QUOTAS',
        ),
      );
      continue;
    }
    const quota = g.capacityType === 'SPOT' ? entry.spot : entry.onDemand;
    const current = need.get(quota.code) ?? { name: quota.name, vcpus: 0, groups: [] };
    current.vcpus += g.maxSize * Math.max(...sizes);
    current.groups.push(`node group ${g.name}`);
    need.set(quota.code, current);
  }
  // Karpenter's NodePools, at their CPU limit: On-Demand quota for on-demand and reserved capacity
  // (capacity reservations count against it), Spot quota where the pool may use Spot.
  for (const pool of env.cluster.karpenter?.nodePools ?? []) {
    const families = [...new Set([...(pool.instanceFamilies ?? []), ...(pool.instanceTypes ?? []).map((t) => t.split('.')[0])])];
    const quotas = new Map<string, { code: string; name: string }>();
    for (const family of families) {
      const entry = EC2_VCPU_QUOTAS.find((q) => q.families.test(family));
      if (!entry) {
        findings.push(
          problem(
            'quotas',
            `could not check EC2 vCPU quota for NodePool ${pool.name}: family ${family} has no quota in mlp/preflight/tables.ts.`,
            'add it to EC2_VCPU_QUOTAS',
          ),
        );
        continue;
      }
      if (pool.capacityTypes.some((t) => t !== 'spot')) quotas.set(entry.onDemand.code, entry.onDemand);
      if (pool.capacityTypes.includes('spot')) quotas.set(entry.spot.code, entry.spot);
    }
    for (const quota of quotas.values()) {
      const current = need.get(quota.code) ?? { name: quota.name, vcpus: 0, groups: [] };
      current.vcpus += pool.limits.cpu;
      current.groups.push(`NodePool ${pool.name}`);
      need.set(quota.code, current);
    }
  }
  for (const [code, n] of need) {
    try {
      const value = (await c.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: code }))).Quota?.Value;
      if (value === undefined || value < n.vcpus) {
        findings.push(
          problem(
            'quotas',
            `EC2 "${n.name}" (${code}) is ${value ?? 'unknown'} vCPUs; ${n.groups.join(', ')} need ${n.vcpus} at maximum size (node groups at maxSize, NodePools at their CPU limit).`,
            `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${code} --desired-value ${n.vcpus}`,
          ),
        );
      } else findings.push(ok('quotas', `EC2 "${n.name}" (${code}) ${value} >= ${n.vcpus} vCPUs`));
    } catch (err) {
      findings.push(couldNotCheck('quotas', `EC2 quota ${code} "${n.name}" (need ${n.vcpus} vCPUs)`, err));
    }
  }
  return findings;
};

/** Applied quotas of a service by name (ListServiceQuotas); throws what the API throws. */
async function quotasByName(c: Clients, serviceCode: string): Promise<Map<string, { code: string; value: number }>> {
  const byName = new Map<string, { code: string; value: number }>();
  for await (const page of paginateListServiceQuotas({ client: c.quotas }, { ServiceCode: serviceCode })) {
    for (const q of page.Quotas ?? []) if (q.QuotaName && q.QuotaCode) byName.set(q.QuotaName, { code: q.QuotaCode, value: q.Value ?? 0 });
  }
  return byName;
}

const sagemakerQuotas: Check = async (env, c) => {
  const need = new Map<string, number>();
  for (const e of env.serving.endpoints) {
    if (e.serverless) continue;
    need.set(e.instanceType, (need.get(e.instanceType) ?? 0) + e.maxInstances);
  }
  if (need.size === 0) return [];
  let quotas: Map<string, { code: string; value: number }>;
  try {
    quotas = await quotasByName(c, 'sagemaker');
  } catch (err) {
    return [couldNotCheck('quotas', `SageMaker endpoint instance quotas (${[...need].map(([t, n]) => `${t} x${n}`).join(', ')})`, err)];
  }
  return [...need].map(([type, count]) => {
    const { name } = NAMED_QUOTAS.sagemakerEndpoint(type);
    const q = quotas.get(name);
    if (!q)
      return problem(
        'quotas',
        `could not check SageMaker "${name}": no such quota in this region.`,
        'check the instance type is offered for endpoints in this region',
      );
    if (q.value < count) {
      return problem(
        'quotas',
        `SageMaker "${name}" (${q.code}) is ${q.value}; endpoints need ${count} at maximum scale.`,
        `aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code ${q.code} --desired-value ${count}`,
      );
    }
    return ok('quotas', `SageMaker "${name}" (${q.code}) ${q.value} >= ${count}`);
  });
};

const mskQuota: Check = async (env, c) => {
  if (env.streaming.mode !== 'provisioned') return [];
  const count = env.streaming.brokerCount;
  const { serviceCode, name } = NAMED_QUOTAS.mskBrokers;
  try {
    const q = (await quotasByName(c, serviceCode)).get(name);
    if (!q) return [problem('quotas', `could not check MSK "${name}": no such quota returned.`, 'check in the Service Quotas console')];
    if (q.value < count) {
      return [
        problem(
          'quotas',
          `MSK "${name}" (${q.code}) is ${q.value}; ${env.name} needs ${count} brokers (plus those already running).`,
          `aws service-quotas request-service-quota-increase --service-code kafka --quota-code ${q.code} --desired-value ${count}`,
        ),
      ];
    }
    return [ok('quotas', `MSK "${name}" (${q.code}) ${q.value} >= ${count}`)];
  } catch (err) {
    return [couldNotCheck('quotas', `MSK "${name}" (need ${count})`, err)];
  }
};

/** Capacity reservation ids config names: those of EFA training (`cluster.efaTraining`), by its NodePool. */
export function configuredCapacityReservations(env: EnvironmentConfig): { readonly group: string; readonly id: string }[] {
  const efa = env.cluster.efaTraining;
  return (efa?.capacityReservationIds ?? []).map((id) => ({ group: efa!.nodePool, id }));
}

const capacityReservations: Check = async (env, c) => {
  const named = configuredCapacityReservations(env);
  if (named.length === 0) return [ok('capacity-reservations', 'none named in config')];
  try {
    const found = await c.ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: named.map((n) => n.id) }));
    return named.map(({ group, id }) => {
      const r = found.CapacityReservations?.find((x) => x.CapacityReservationId === id);
      if (!r)
        return problem(
          'capacity-reservations',
          `${id} (node group ${group}) not found.`,
          'create or purchase it, or correct the id in lib/config',
        );
      if (r.State !== 'active' && r.State !== 'scheduled') {
        return problem('capacity-reservations', `${id} (node group ${group}) is ${r.State}.`, 'renew it or remove it from lib/config');
      }
      return ok(
        'capacity-reservations',
        `${id} (node group ${group}) is ${r.State}: ${r.AvailableInstanceCount}/${r.TotalInstanceCount} ${r.InstanceType} available`,
      );
    });
  } catch (err) {
    return [couldNotCheck('capacity-reservations', named.map((n) => n.id).join(', '), err)];
  }
};

/**
 * Container images config references: the model-server images. (SageMaker endpoint images are
 * not in config: they come from the approved model packages, pushed to each model's ECR
 * repository, which the model stack creates.)
 */
export function configuredImages(env: EnvironmentConfig): { readonly field: string; readonly uri: string }[] {
  return env.serving.modelServers.map((m, i) => ({ field: `serving.modelServers[${i}].image`, uri: m.image }));
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([\w][\w.-]{0,127})|@(sha256:[a-f0-9]{64}))$/;

const images: Check = async (env, c) => {
  const findings: Finding[] = [];
  for (const { field, uri } of configuredImages(env)) {
    const m = ECR_URI.exec(uri);
    if (!m) {
      findings.push(
        problem('images', `${env.name}.${field}: '${uri}' is not an ECR image URI with a tag or digest.`, 'correct it in lib/config'),
      );
      continue;
    }
    const [, registryId, , repositoryName, imageTag, imageDigest] = m;
    try {
      await c.ecr.send(new DescribeImagesCommand({ registryId, repositoryName, imageIds: [imageTag ? { imageTag } : { imageDigest }] }));
      findings.push(ok('images', `${uri} exists`));
    } catch (err) {
      findings.push(
        notFound(err)
          ? problem(
              'images',
              `${env.name}.${field}: image ${uri} does not exist (${reason(err)}).`,
              `build and push it: docker push ${uri}`,
            )
          : couldNotCheck('images', uri, err),
      );
    }
  }
  return findings;
};
