/**
 * The one place the CLI configures AWS SDK clients. Every call is bounded twice: each HTTP request
 * by the request handler's connection and request timeouts (a server that accepts and never answers
 * fails the request), and the whole command by an optional deadline (`--timeout` of a rollout).
 * Every call goes through `call`, which turns SDK exceptions into one-line AwsErrors (exit code 3).
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './defaults';
import { awsError, DeadlineExceeded, UsageError } from './errors';

/** TCP connect (and TLS handshake) per request, capped by the request timeout. */
export const CONNECTION_TIMEOUT_MS = 5_000;
/** Attempts per call (the SDK retries throttling, 5xx and timeouts with backoff). */
export const MAX_ATTEMPTS = 3;

export interface AwsOptions {
  /** --region; else the SDK's chain (AWS_REGION, the profile's region). */
  readonly region?: string;
  /** --profile; else AWS_PROFILE / default. */
  readonly profile?: string;
  /** --endpoint-url, for emulators (moto). Else AWS_ENDPOINT_URL(_<SERVICE>) or the AWS endpoint. */
  readonly endpointUrl?: string;
  /** --request-timeout: one HTTP request's limit in milliseconds. @default DEFAULT_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
}

/** The configuration every AWS SDK v3 client of the CLI gets (SageMaker, STS, IAM, …). */
export function clientConfig(options: AwsOptions) {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    maxAttempts: MAX_ATTEMPTS,
    // Without throwOnRequestTimeout, @smithy/node-http-handler only logs a warning when requestTimeout
    // passes and keeps waiting; socketTimeout ends a connection that goes silent.
    requestHandler: {
      connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, requestTimeout),
      requestTimeout,
      throwOnRequestTimeout: true,
      socketTimeout: requestTimeout,
    },
  };
}

/** A point in (real) time after which no call is started or awaited any longer. */
export class Deadline {
  private readonly at: number;
  constructor(
    readonly ms: number,
    /** What set it, for messages: e.g. "--timeout 5s". */
    readonly label: string,
  ) {
    this.at = Date.now() + ms;
  }
  remaining(): number {
    return this.at - Date.now();
  }
}

/**
 * Runs `fn` but gives up when the deadline passes. The abandoned request is cut when the client is
 * destroyed (at the end of the command), so nothing keeps the process alive.
 */
export async function withinDeadline<T>(operation: string, deadline: Deadline | undefined, fn: () => Promise<T>): Promise<T> {
  if (!deadline) return fn();
  const left = deadline.remaining();
  if (left <= 0) throw new DeadlineExceeded(operation, deadline.label);
  const call = fn();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(operation, deadline.label)), left);
  });
  call.catch(() => {}); // an abandoned call's late failure is not an unhandled rejection
  try {
    return await Promise.race([call, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export class SageMaker {
  readonly client: SageMakerClient;
  /** Set by commands that wait (rollout, rollback): their --timeout bounds every call. */
  deadline: Deadline | undefined;

  constructor(readonly options: AwsOptions) {
    this.client = new SageMakerClient(clientConfig(options));
  }

  /** Runs one API call; `operation` names it in error messages (e.g. "DescribeEndpoint"). */
  async call<T>(operation: string, fn: (client: SageMakerClient) => Promise<T>): Promise<T> {
    try {
      return await withinDeadline(operation, this.deadline, () => fn(this.client));
    } catch (err) {
      throw awsError(operation, err, { endpointUrl: this.options.endpointUrl, profile: this.options.profile, service: 'SageMaker' });
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

/**
 * A named profile must exist in the shared config or credentials file: the SDK would only say
 * "Could not load credentials from any providers", which does not name the profile.
 */
export async function checkProfile(profile: string): Promise<void> {
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  if (profile in configFile || profile in credentialsFile) return;
  const known = [...new Set([...Object.keys(configFile), ...Object.keys(credentialsFile)])].sort();
  throw new UsageError(
    `--profile: profile '${profile}' does not exist in the shared AWS config files (~/.aws/config, ~/.aws/credentials, ` +
      `or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE); profiles there: ${known.length > 0 ? known.join(', ') : 'none'}`,
  );
}

/**
 * Any other AWS SDK v3 client of the CLI (SSM, Application Auto Scaling) with the same bounds and
 * one-line errors as `SageMaker`: every call under the command's deadline, failures as AwsErrors.
 */
export class AwsService<C extends { destroy(): void }> {
  deadline: Deadline | undefined;

  constructor(
    readonly client: C,
    /** For messages, e.g. "SSM". */
    readonly service: string,
    readonly options: AwsOptions,
  ) {}

  async call<T>(operation: string, fn: (client: C) => Promise<T>): Promise<T> {
    try {
      return await withinDeadline(operation, this.deadline, () => fn(this.client));
    } catch (err) {
      throw awsError(operation, err, { endpointUrl: this.options.endpointUrl, profile: this.options.profile, service: this.service });
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
