/**
 * `mlp`: argument parsing (node's util.parseArgs), help, dispatch and the error boundary.
 * `main` never throws and never prints a stack trace (unless MLP_DEBUG=1): it returns the exit code.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AwsOptions, SageMaker } from './aws';
import type { Context, OptionValues } from './context';
import { DEFAULT_POLL_INTERVAL, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_TIMEOUT } from './defaults';
import { CliError, ExitCode, UsageError } from './errors';
import { Output, type Stream } from './output';
import { formatDuration, parseDuration } from './values';

/** --request-timeout: one HTTP request; a server that accepts and never answers fails within it. */
export const REQUEST_TIMEOUT_BOUNDS = { minMs: 1000, maxMs: 5 * 60_000 } as const;

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder in help, e.g. NAME. */
  readonly value?: string;
  readonly required?: boolean;
  readonly help: string;
}

interface CommandSpec {
  readonly group: 'models' | 'endpoints' | 'preflight' | 'oncall';
  /** '' for a command that is its group (`mlp preflight`). */
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly description?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
  readonly run: (ctx: Context, values: OptionValues) => Promise<void>;
}

type Run = CommandSpec['run'];

/**
 * A command whose code loads when it runs: `mlp --help`, `--version` and usage errors start
 * without the commands' modules (AWS SDK clients, aws-cdk-lib, the platform's config), in ~0.1 s
 * instead of ~0.9 s.
 */
function lazy<M>(load: () => M, pick: (module: M) => Run): Run {
  return (ctx, values) => pick(load())(ctx, values);
}
const modelsCommands = (): typeof import('./commands/models') => require('./commands/models');
const endpointsCommands = (): typeof import('./commands/endpoints') => require('./commands/endpoints');
const preflightCommands = (): typeof import('./commands/preflight') => require('./commands/preflight');
const oncallCommands = (): typeof import('./commands/oncall') => require('./commands/oncall');

const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  region: { type: 'string', value: 'REGION', help: 'AWS region (default: AWS_REGION or the profile’s region)' },
  profile: { type: 'string', value: 'NAME', help: 'AWS shared-config profile (default: AWS_PROFILE or default)' },
  'endpoint-url': { type: 'string', value: 'URL', help: 'AWS API endpoint (every service), e.g. http://localhost:5000 for moto' },
  'request-timeout': {
    type: 'string',
    value: 'DURATION',
    help: `limit per HTTP request, retried by the SDK (default ${formatDuration(DEFAULT_REQUEST_TIMEOUT_MS)}, ${formatDuration(REQUEST_TIMEOUT_BOUNDS.minMs)} to ${formatDuration(REQUEST_TIMEOUT_BOUNDS.maxMs)})`,
  },
  json: { type: 'boolean', help: 'print the result as JSON on stdout (steps and progress stay on stderr)' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  version: { type: 'boolean', help: 'print the version of mlp' },
};

const WAIT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  timeout: { type: 'string', value: 'DURATION', help: `give up waiting after this long, e.g. 900, 15m, 1h (default ${DEFAULT_TIMEOUT})` },
  'poll-interval': {
    type: 'string',
    value: 'DURATION',
    help: `time between DescribeEndpoint polls, 1s to 5m (default ${DEFAULT_POLL_INTERVAL})`,
  },
};

const EXIT_CODES = `Exit codes:
  0  success
  2  usage error: unknown command or option, repeated option, missing or malformed value (nothing was called)
  3  AWS error: an API call failed (not found, access denied, throttled, no answer, endpoint unreachable)
  4  rollout or rollback not done: nothing approved to deploy, endpoint not InService, no previous
     config, the update failed (SageMaker then serves the previous config: the message says which), or
     --timeout passed: before UpdateEndpoint nothing changed; after it the outcome is unknown (the update
     may still finish or roll back): check with 'mlp endpoints status --endpoint NAME'
  5  preflight found problems (one line each, with how to fix them)
  1  internal error (a bug in mlp; MLP_DEBUG=1 prints the stack trace)`;

export const COMMANDS: readonly CommandSpec[] = [
  {
    group: 'models',
    name: 'list',
    summary: 'list the model packages (versions) of a model package group, newest first',
    usage: 'mlp models list --group NAME [--status Approved|PendingManualApproval|Rejected]',
    options: {
      group: { type: 'string', value: 'NAME', required: true, help: 'model package group' },
      status: { type: 'string', value: 'STATUS', help: 'only packages with this approval status' },
    },
    examples: ['mlp models list --group credit-scoring', 'mlp models list --group credit-scoring --status Approved --json'],
    run: lazy(modelsCommands, (m) => m.listModels),
  },
  {
    group: 'models',
    name: 'register',
    summary: 'register a model version in a group (PendingManualApproval); prints its ARN',
    usage: 'mlp models register --group NAME --image URI --artifact s3://BUCKET/KEY [--metadata KEY=VALUE]... [--description TEXT]',
    options: {
      group: { type: 'string', value: 'NAME', required: true, help: 'model package group (must exist)' },
      image: {
        type: 'string',
        value: 'URI',
        required: true,
        help: 'inference container image, e.g. <account>.dkr.ecr.<region>.amazonaws.com/scoring:1.4.2',
      },
      artifact: { type: 'string', value: 'S3_URI', required: true, help: 'model artifact, e.g. s3://models/scoring/model.tar.gz' },
      metadata: {
        type: 'string',
        multiple: true,
        value: 'KEY=VALUE',
        help: 'customer metadata, e.g. --metadata git_sha=4f2c1e9',
      },
      description: { type: 'string', value: 'TEXT', help: 'package description' },
    },
    examples: [
      'mlp models register --group credit-scoring --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/scoring:1.4.2 \\\n    --artifact s3://ml-models/scoring/1.4.2/model.tar.gz --metadata git_sha=4f2c1e9 --metadata auc=0.87',
    ],
    run: lazy(modelsCommands, (m) => m.registerModel),
  },
  {
    group: 'models',
    name: 'approve',
    summary: 'approve a model package; the reason is recorded as its ApprovalDescription',
    usage: 'mlp models approve --package ARN --reason TEXT',
    options: {
      package: { type: 'string', value: 'ARN', required: true, help: 'model package ARN (…:model-package/<group>/<version>)' },
      reason: { type: 'string', value: 'TEXT', required: true, help: 'why (recorded as ApprovalDescription)' },
    },
    examples: [
      'mlp models approve --package arn:aws:sagemaker:eu-west-1:123456789012:model-package/credit-scoring/7 --reason "AUC 0.87 on Q3 holdout; fairness review FR-112"',
    ],
    run: lazy(modelsCommands, (m) => m.approveModel),
  },
  {
    group: 'models',
    name: 'reject',
    summary: 'reject a model package; the reason is recorded as its ApprovalDescription',
    usage: 'mlp models reject --package ARN --reason TEXT',
    options: {
      package: { type: 'string', value: 'ARN', required: true, help: 'model package ARN (…:model-package/<group>/<version>)' },
      reason: { type: 'string', value: 'TEXT', required: true, help: 'why (recorded as ApprovalDescription)' },
    },
    examples: [
      'mlp models reject --package arn:aws:sagemaker:eu-west-1:123456789012:model-package/credit-scoring/8 --reason "calibration drift on thin-file applicants"',
    ],
    run: lazy(modelsCommands, (m) => m.rejectModel),
  },
  {
    group: 'models',
    name: 'inventory',
    summary: 'every model version: metrics, training set, approval (who, when, why), where it serves, monitoring',
    usage: 'mlp models inventory [--model NAME]',
    description:
      'The evidence a model-risk review (SR 11-7) asks for, read from the registry and the endpoints: the versions of every model package group (or of one model: --model credit-risk matches <env>-credit-risk), newest first.',
    options: {
      model: { type: 'string', value: 'NAME', help: 'one model (its group, or <env>-<model>)' },
    },
    examples: ['mlp models inventory --json', 'mlp models inventory --model credit-risk --json'],
    run: lazy(modelsCommands, (m) => m.inventory),
  },
  {
    group: 'endpoints',
    name: 'rollout',
    summary: 'deploy the newest Approved package of a group (or --package) to an endpoint, creating it the first time, and wait',
    usage:
      'mlp endpoints rollout --endpoint NAME --group NAME [--package ARN] [--spec PARAMETER] [--timeout DURATION] [--poll-interval DURATION]',
    description:
      'mlp owns the endpoint; CloudFormation never declares it (a cdk deploy never changes what serves).\n' +
      'First version (the endpoint does not exist): reads the endpoint spec the model stack keeps in SSM\n' +
      '(--spec, default /mlp/<env>/endpoints/<name>/spec for an endpoint <env>-<name>), creates the model\n' +
      '(execution role, VPC, network isolation from the spec), the endpoint config (instances or serverless,\n' +
      "KMS key, data capture) and the endpoint with the spec's deployment guardrails, waits until InService,\n" +
      'then registers autoscaling and the data-quality monitoring schedule.\n' +
      'Later versions: creates a model (execution role, VPC config and network isolation copied from the\n' +
      'model the endpoint serves now) and a new endpoint config copying the current one (variants, data\n' +
      'capture, KMS key, async/serverless settings) with the new model, records the current config as the\n' +
      'rollback target (tag mlp:previous-endpoint-config), calls UpdateEndpoint keeping the deployment\n' +
      'guardrails (RetainDeploymentConfig) and waits until the endpoint is InService on the new config. If the\n' +
      'update fails, SageMaker rolls back to the previous config: exit 4. If --timeout passes after\n' +
      'UpdateEndpoint (or CreateEndpoint), the outcome is unknown: exit 4; check with endpoints status.\n' +
      'If the endpoint already serves the package, nothing is rolled out (exit 0); missing autoscaling or\n' +
      'monitoring of a first rollout is completed.',
    options: {
      endpoint: { type: 'string', value: 'NAME', required: true, help: 'endpoint to create or update (must be InService to update)' },
      group: { type: 'string', value: 'NAME', help: 'model package group to take the newest Approved package from' },
      package: { type: 'string', value: 'ARN', help: 'deploy this Approved package instead of the newest' },
      spec: { type: 'string', value: 'PARAMETER', help: 'SSM parameter of the endpoint spec (default /mlp/<env>/endpoints/<name>/spec)' },
      ...WAIT_OPTIONS,
    },
    examples: [
      'mlp endpoints rollout --endpoint prod-credit-risk --group prod-credit-risk',
      'mlp endpoints rollout --endpoint credit-scoring --group credit-scoring --spec /mlp/local/endpoints/credit-scoring/spec',
      'mlp endpoints rollout --endpoint credit-scoring --package arn:aws:sagemaker:eu-west-1:123456789012:model-package/credit-scoring/7 --timeout 30m',
    ],
    run: lazy(endpointsCommands, (m) => m.rollout),
  },
  {
    group: 'endpoints',
    name: 'status',
    summary: 'show an endpoint: status, current and previous config, variants, last change, failure reason',
    usage: 'mlp endpoints status --endpoint NAME',
    options: { endpoint: { type: 'string', value: 'NAME', required: true, help: 'endpoint' } },
    examples: ['mlp endpoints status --endpoint credit-scoring', 'mlp endpoints status --endpoint credit-scoring --json'],
    run: lazy(endpointsCommands, (m) => m.status),
  },
  {
    group: 'endpoints',
    name: 'rollback',
    summary: 'update an endpoint back to its previous endpoint config and wait',
    usage: 'mlp endpoints rollback --endpoint NAME [--to ENDPOINT_CONFIG] [--timeout DURATION] [--poll-interval DURATION]',
    description:
      'The previous config is the one recorded by `mlp endpoints rollout` on the current config (tag\n' +
      'mlp:previous-endpoint-config); --to picks another. Waits like rollout; exit 4 if it fails or times out.',
    options: {
      endpoint: { type: 'string', value: 'NAME', required: true, help: 'endpoint to roll back (must be InService)' },
      to: { type: 'string', value: 'NAME', help: 'endpoint config to go back to (default: the recorded previous config)' },
      ...WAIT_OPTIONS,
    },
    examples: ['mlp endpoints rollback --endpoint credit-scoring'],
    run: lazy(endpointsCommands, (m) => m.rollback),
  },
  {
    group: 'preflight',
    name: '',
    summary: 'check, read-only, what a deploy of an environment needs and CloudFormation cannot create',
    usage: 'mlp preflight --env NAME [--json]',
    description:
      'Checks with read-only AWS calls: the caller account and region match config; CDK bootstrap (stack\n' +
      'CDKToolkit, SSM /cdk-bootstrap/hnb659fds/version); the IAM roles config names; the service-linked roles\n' +
      'the platform needs; service quotas for the configured instance types (EC2 vCPU, SageMaker endpoint\n' +
      'instances, MSK brokers); capacity reservations config names; the container images config references.\n' +
      'Prints one line per problem with how to fix it; exit 5 if any. A check that cannot run (an API the\n' +
      'endpoint lacks, access denied) is a problem too: "could not check <what>: <reason>".',
    options: {
      env: { type: 'string', value: 'NAME', required: true, help: 'environment of lib/config (dev, staging, prod)' },
    },
    examples: ['mlp preflight --env dev --profile dev-admin', 'mlp preflight --env prod --json'],
    run: lazy(preflightCommands, (m) => m.preflight),
  },
  {
    group: 'oncall',
    name: 'explain',
    summary: "print an alarm's runbook (offline)",
    usage: 'mlp oncall explain --alarm NAME',
    options: {
      alarm: { type: 'string', value: 'NAME', required: true, help: 'alarm name (e.g. prod-msk-offline-partitions) or runbook key' },
    },
    examples: ['mlp oncall explain --alarm prod-msk-offline-partitions', 'mlp oncall explain --alarm scoring-latency-slo'],
    run: lazy(oncallCommands, (m) => m.withCloudWatch(m.explain)),
  },
  {
    group: 'oncall',
    name: 'status',
    summary: 'list the alarms of an environment in ALARM with severity, owner and runbook',
    usage: 'mlp oncall status --env NAME',
    options: {
      env: { type: 'string', value: 'NAME', required: true, help: 'environment (alarm name prefix), e.g. prod' },
    },
    examples: ['mlp oncall status --env prod', 'mlp oncall status --env prod --json'],
    run: lazy(oncallCommands, (m) => m.withCloudWatch(m.status)),
  },
];

/** `models list`, or `preflight` for a command that is its group. */
export function commandPath(c: Pick<CommandSpec, 'group' | 'name'>): string {
  return c.name ? `${c.group} ${c.name}` : c.group;
}

/** The package's version, from package.json (one source of truth). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

const GROUPS = {
  models: 'register, approve and reject model versions in the SageMaker model registry',
  endpoints: 'roll SageMaker endpoints to approved model versions, watch them, roll them back',
  preflight: 'check an account before the first deploy of an environment',
  oncall: 'triage: alarms in ALARM and their runbooks',
} as const;

// ------------------------------------------------------------------------------------ help

function optionLines(options: Readonly<Record<string, OptionSpec>>): string {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, `${spec.help}${spec.required ? ' (required)' : ''}${spec.multiple ? ' (repeatable)' : ''}`];
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`).join('\n');
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => commandPath(c).length));
  return `mlp — model operations on SageMaker: registry approvals and endpoint rollouts; deploy preflight

Usage: mlp <group> <command> [options]
       mlp <group> <command> --help
       mlp preflight --env NAME
       mlp --version

Commands:
${COMMANDS.map((c) => `  ${commandPath(c).padEnd(width)}  ${c.summary}`).join('\n')}

Global options (every command):
${optionLines(GLOBAL_OPTIONS)}

Credentials come from the AWS SDK chain (environment, --profile, SSO, instance role).

${EXIT_CODES}
`;
}

function groupHelp(group: keyof typeof GROUPS): string {
  const cmds = COMMANDS.filter((c) => c.group === group);
  const width = Math.max(...cmds.map((c) => c.name.length));
  return `mlp ${group} — ${GROUPS[group]}

Usage: mlp ${group} <command> [options]

Commands:
${cmds.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Global options:
${optionLines(GLOBAL_OPTIONS)}

Run 'mlp ${group} <command> --help' for a command's options.

${EXIT_CODES}
`;
}

export function commandHelp(c: CommandSpec): string {
  return `mlp ${commandPath(c)} — ${c.summary}

Usage: ${c.usage}
${c.description ? `\n${c.description}\n` : ''}
Options:
${optionLines(c.options)}

Global options:
${optionLines(GLOBAL_OPTIONS)}

Examples:
${c.examples.map((e) => `  ${e}`).join('\n')}

${EXIT_CODES}
`;
}

// ------------------------------------------------------------------------------------ parsing

export interface Invocation {
  readonly command: CommandSpec;
  readonly values: OptionValues;
}

export type Parsed = { readonly kind: 'help'; readonly text: string } | ({ readonly kind: 'run' } & Invocation);

const ALL_OPTIONS: Record<string, OptionSpec> = Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options));

function toParseArgs(options: Readonly<Record<string, OptionSpec>>) {
  return Object.fromEntries(
    Object.entries(options).map(([name, s]) => [
      name,
      { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) },
    ]),
  ) as Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
}

/** Finds the command in argv (options may come before or after it) and parses its options strictly. */
export function parse(argv: readonly string[]): Parsed {
  // Pass 1, lenient: only to find the command words, with every option's type known so values
  // ("--group models") are not taken for commands.
  let loose: { values: Record<string, unknown>; positionals: string[] };
  try {
    loose = parseArgs({ args: [...argv], options: toParseArgs(ALL_OPTIONS), strict: false, allowPositionals: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err));
  }
  const [groupWord, commandWord] = loose.positionals;
  const wantsHelp = loose.values.help === true;
  if (loose.values.version === true && !wantsHelp) return { kind: 'help', text: `mlp ${version()}\n` };
  if (groupWord === undefined || (groupWord === 'help' && commandWord === undefined)) {
    if (wantsHelp || groupWord === 'help') return { kind: 'help', text: mainHelp() };
    throw new UsageError(`a command is required (${Object.keys(GROUPS).join(', ')})`);
  }
  if (groupWord === 'help') return parse([...loose.positionals.slice(1), '--help']);
  if (!(groupWord in GROUPS)) {
    throw new UsageError(`unknown command '${groupWord}' (allowed: ${Object.keys(GROUPS).join(', ')})`);
  }
  const group = groupWord as keyof typeof GROUPS;
  const standalone = COMMANDS.find((c) => c.group === group && c.name === '');
  if (commandWord === undefined && !standalone) {
    if (wantsHelp) return { kind: 'help', text: groupHelp(group) };
    throw new UsageError(`'mlp ${group}' needs a command (${names(group)})`, group);
  }
  const command = standalone ?? COMMANDS.find((c) => c.group === group && c.name === commandWord);
  if (!command) throw new UsageError(`unknown command 'mlp ${group} ${commandWord}' (allowed: ${names(group)})`, group);
  const path = commandPath(command);
  const words = command.name ? 2 : 1;
  if (wantsHelp) return { kind: 'help', text: commandHelp(command) };

  // Pass 2, strict: this command's options and the global ones, nothing else.
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  let strict: { values: OptionValues; positionals: string[]; tokens: { kind: string; name?: string; value?: string }[] };
  try {
    strict = parseArgs({
      args: [...argv],
      options: toParseArgs(options),
      strict: true,
      allowPositionals: true,
      tokens: true,
    }) as typeof strict;
  } catch (err) {
    const message = parseArgsMessage(err);
    const allowed = message.startsWith('Unknown option')
      ? ` (allowed: ${Object.keys(options)
          .map((o) => `--${o}`)
          .join(', ')})`
      : '';
    throw new UsageError(`${message}${allowed}`, path);
  }
  const extra = strict.positionals.slice(words);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, path);
  // parseArgs keeps the last of a repeated option: a typo'd second --endpoint would silently win.
  const seen = new Map<string, string | undefined>();
  for (const t of strict.tokens) {
    if (t.kind !== 'option' || t.name === undefined || options[t.name]?.multiple) continue;
    if (seen.has(t.name)) {
      const values = options[t.name].type === 'string' ? ` ('${seen.get(t.name)}' and '${t.value}')` : '';
      throw new UsageError(`--${t.name} is given more than once${values}; give it once`, path);
    }
    seen.set(t.name, t.value);
  }
  for (const [name, spec] of Object.entries(command.options)) {
    const v = strict.values[name];
    if (spec.required && (v === undefined || v === '')) throw new UsageError(`--${name} is required`, path);
    if (spec.type === 'string' && !spec.multiple && v === '') throw new UsageError(`--${name} needs a value`, path);
  }
  for (const name of ['region', 'profile', 'endpoint-url', 'request-timeout']) {
    if (strict.values[name] === '') throw new UsageError(`--${name} needs a value`, path);
  }
  const url = strict.values['endpoint-url'] as string | undefined;
  if (url !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url)) {
    throw new UsageError(`--endpoint-url: '${url}' is not an http(s) URL (e.g. http://localhost:5000)`, path);
  }
  if (strict.values['request-timeout'] !== undefined) {
    parseDuration('--request-timeout', strict.values['request-timeout'] as string, path, REQUEST_TIMEOUT_BOUNDS);
  }
  return { kind: 'run', command, values: strict.values };
}

function names(group: string): string {
  return COMMANDS.filter((c) => c.group === group)
    .map((c) => c.name)
    .join(', ');
}

/** node's parseArgs messages, first sentence, without its advice about '--'. */
function parseArgsMessage(err: unknown): string {
  const message = errorMessage(err).split('\n')[0];
  const ambiguous = /^Option '(-[^' ]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[1]} needs a value (got the option that follows it)`;
  const missing = /^Option '(-[^' ]+)[^']*' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  return message.split(/\. (?=[A-Z])/)[0].replace(/\.$/, '');
}

// ------------------------------------------------------------------------------------ main

export interface MainIo {
  readonly stdout: Stream;
  readonly stderr: Stream;
  /** Print stack traces of internal errors (MLP_DEBUG). */
  readonly debug?: boolean;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function main(argv: readonly string[], io: MainIo): Promise<ExitCode> {
  const json = argv.includes('--json');
  const out = new Output(io.stdout, io.stderr, json);
  let client: SageMaker | undefined;
  let runningPath: string | undefined;
  try {
    const parsed = parse(argv);
    if (parsed.kind === 'help') {
      io.stdout.write(parsed.text);
      return ExitCode.Ok;
    }
    runningPath = commandPath(parsed.command);
    const v = parsed.values;
    const aws: AwsOptions = {
      region: v.region as string | undefined,
      profile: v.profile as string | undefined,
      endpointUrl: v['endpoint-url'] as string | undefined,
      requestTimeoutMs:
        v['request-timeout'] === undefined ? undefined : parseDuration('--request-timeout', v['request-timeout'] as string, runningPath),
    };
    const { checkProfile, SageMaker: SageMakerClient }: typeof import('./aws') = require('./aws');
    if (aws.profile !== undefined) await checkProfile(aws.profile);
    const ctx: Context = {
      aws,
      out,
      progressStream: io.stderr,
      now: io.now ?? (() => new Date()),
      sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      sagemaker: () => {
        client ??= new SageMakerClient(aws);
        return client;
      },
    };
    await parsed.command.run(ctx, v);
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof CliError) {
      const help = err instanceof UsageError ? (err.command ?? runningPath) : undefined;
      out.error(err.message, err instanceof UsageError ? `Run 'mlp ${help ? `${help} ` : ''}--help' for usage.` : undefined);
      if (json && !('reported' in err)) {
        io.stdout.write(
          `${JSON.stringify({ error: { kind: err.kind, exitCode: err.exitCode, message: err.message, ...err.details } }, null, 2)}\n`,
        );
      }
      return err.exitCode;
    }
    const message = errorMessage(err);
    out.error(`internal error: ${message}${io.debug ? '' : ' (set MLP_DEBUG=1 for the stack trace)'}`);
    if (io.debug && (err as Error)?.stack) io.stderr.write(`${(err as Error).stack}\n`);
    return ExitCode.Internal;
  } finally {
    client?.destroy();
  }
}

/** The message of anything thrown (errors from node internals may come from another realm, e.g. under jest). */
function errorMessage(err: unknown): string {
  const message = (err as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : String(err);
}
