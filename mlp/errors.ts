/**
 * Exit codes and the errors that map to them. Every failure the CLI reports is one of these
 * classes, so `main` can print one clear line (never a stack trace) and exit with the right code.
 */

const MAX_ATTEMPTS_NOTE = 'each request bounded by --request-timeout, retried by the SDK';

export const ExitCode = {
  /** The command did what was asked. */
  Ok: 0,
  /** An unexpected internal error (a bug in mlp). MLP_DEBUG=1 shows the stack trace. */
  Internal: 1,
  /** Bad command line: unknown command or option, missing or malformed value. Nothing was called. */
  Usage: 2,
  /** AWS (or the emulator) refused or failed a call: not found, access denied, throttled, unreachable. */
  Aws: 3,
  /**
   * A rollout or rollback did not happen, failed, or did not finish in time. After a failure SageMaker
   * serves the previous config; after a timeout the outcome is unknown (see the message).
   */
  Rollout: 4,
  /** `mlp preflight` found something a deploy needs that is missing (or could not check it). */
  Preflight: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
  /** A short machine-readable kind for --json output. */
  abstract readonly kind: string;
  /** Extra fields for --json output. */
  readonly details: Record<string, unknown>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Bad input on the command line. `command` names the help to point at (e.g. "models register"). */
export class UsageError extends CliError {
  readonly exitCode = ExitCode.Usage;
  readonly kind = 'usage';
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** An AWS API call failed. `operation` is the API name (e.g. "DescribeEndpoint"). */
export class AwsError extends CliError {
  readonly exitCode = ExitCode.Aws;
  readonly kind = 'aws';
}

/** A rollout or rollback that could not start, failed, or timed out. */
export class RolloutError extends CliError {
  readonly exitCode = ExitCode.Rollout;
  readonly kind = 'rollout';
}

/**
 * A command's own deadline (`--timeout`) passed while `operation` was in flight or about to start.
 * Commands that wait turn it into a RolloutError that says what is known; elsewhere it is exit 4.
 */
export class DeadlineExceeded extends CliError {
  readonly exitCode = ExitCode.Rollout;
  readonly kind = 'timeout';
  constructor(
    readonly operation: string,
    readonly label: string,
  ) {
    super(`${label} reached while waiting for ${operation}`, { operation });
  }
}

/** Where a failed call went, for messages. */
export interface CallSite {
  readonly endpointUrl?: string;
  readonly profile?: string;
  /** e.g. "SageMaker", "STS". @default 'AWS' */
  readonly service?: string;
}

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number };
}

/**
 * Turns whatever an AWS SDK call threw into an AwsError with one readable line, e.g.
 * `DescribeEndpoint failed: ValidationException: Could not find endpoint "arn:…"`.
 */
export function awsError(operation: string, err: unknown, site: CallSite = {}): CliError {
  if (err instanceof CliError) return err;
  const e = (err ?? {}) as SdkLikeError;
  const name = e.name ?? 'Error';
  const message = (e.message ?? String(err)).trim();
  const where = site.endpointUrl ? ` at ${site.endpointUrl}` : '';
  const service = site.service ?? 'AWS';
  // Region and credentials are configuration problems the user fixes on the command line.
  if (/Region is missing/i.test(message)) {
    return new UsageError('No AWS region: pass --region or set AWS_REGION (or a region in your --profile).');
  }
  if (name === 'TimeoutError' || /timed out|timeout/i.test(message)) {
    return new AwsError(
      `${operation} failed: no answer from the ${service} API${where} in time (${firstLine(message)}; ${MAX_ATTEMPTS_NOTE}). Use --request-timeout to wait longer per request.`,
      { operation, awsErrorName: 'TimeoutError' },
    );
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new AwsError(`${operation} failed: no AWS credentials found (${firstLine(message)}). Use --profile or set AWS credentials.`, {
      operation,
      awsErrorName: name,
    });
  }
  const network = /\b(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH)\b/.exec(`${e.code ?? ''} ${message}`);
  if (network) {
    return new AwsError(`${operation} failed: cannot reach the ${service} API${where} (${network[1]}).`, {
      operation,
      awsErrorName: network[1],
    });
  }
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  // The SDK could not parse the answer (e.g. an HTML error page from an emulator that lacks the API).
  if (e.$response !== undefined && !e.$fault) {
    return new AwsError(
      `${operation} failed: unexpected response${where} (HTTP ${status ?? '?'}); is this API supported by the endpoint?`,
      {
        operation,
        httpStatusCode: status,
      },
    );
  }
  return new AwsError(`${operation} failed: ${name}: ${firstLine(message)}`, {
    operation,
    awsErrorName: name,
    httpStatusCode: status,
    requestId: e.$metadata?.requestId,
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
