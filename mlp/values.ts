/**
 * Pure parsing and naming rules of the CLI, unit-tested without AWS.
 * Every check throws a UsageError that names the option, the value and what is allowed.
 */
import { UsageError } from './errors';

export const APPROVAL_STATUSES = ['Approved', 'PendingManualApproval', 'Rejected'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** SageMaker resource names (models, endpoint configs, endpoints, groups): 1-63, alphanumerics and hyphens. */
const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9-]{1,63}\/\d+$/;
/** [registry[:port]/]path[/path…][:tag|@sha256:digest], path components as Docker allows them. */
const IMAGE =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::\w[\w.-]{0,127}|@sha256:[a-f0-9]{64})?$/;
const METADATA_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

export function checkName(option: string, value: string, command?: string): string {
  if (!NAME.test(value)) {
    throw new UsageError(
      `${option}: '${value}' is not a SageMaker name (1-63 letters, digits and hyphens, starting and ending with a letter or digit)`,
      command,
    );
  }
  return value;
}

export function checkPackageArn(option: string, value: string, command?: string): string {
  if (!PACKAGE_ARN.test(value)) {
    throw new UsageError(
      `${option}: '${value}' is not a versioned model package ARN (expected arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)`,
      command,
    );
  }
  return value;
}

export function checkApprovalStatus(option: string, value: string, command?: string): ApprovalStatus {
  if (!(APPROVAL_STATUSES as readonly string[]).includes(value)) {
    throw new UsageError(`${option}: '${value}' is not an approval status (allowed: ${APPROVAL_STATUSES.join(', ')})`, command);
  }
  return value as ApprovalStatus;
}

export function checkS3Uri(option: string, value: string, command?: string): string {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/.test(value)) {
    throw new UsageError(
      `${option}: '${value}' is not an S3 object URI (expected s3://<bucket>/<key>, e.g. s3://models/scoring/model.tar.gz)`,
      command,
    );
  }
  return value;
}

export function checkImageUri(option: string, value: string, command?: string): string {
  // <registry>/<repository>[:tag|@digest]; SageMaker accepts up to 255 characters, no whitespace.
  if (!IMAGE.test(value) || value.length > 255) {
    throw new UsageError(
      `${option}: '${value}' is not a container image URI (expected <registry>/<repository>:<tag> or @sha256:<digest>)`,
      command,
    );
  }
  return value;
}

export function checkReason(option: string, value: string, command?: string): string {
  const reason = value.trim();
  if (reason.length === 0 || reason.length > 1024) {
    throw new UsageError(
      `${option}: a reason of 1-1024 characters is required (got ${reason.length} characters); it is recorded as the ApprovalDescription`,
      command,
    );
  }
  return reason;
}

/** `--metadata k=v` pairs into CustomerMetadataProperties (AWS: at most 50, keys 1-128, values 1-256). */
export function parseMetadata(option: string, pairs: readonly string[], command?: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${option}: '${pair}' is not key=value`, command);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!METADATA_KEY.test(key)) {
      throw new UsageError(`${option}: key '${key}' is not allowed (1-128 letters, digits, spaces and _ . : / = + - @)`, command);
    }
    if (value.length === 0 || value.length > 256) {
      throw new UsageError(`${option}: value of '${key}' must be 1-256 characters (got ${value.length})`, command);
    }
    if (key in result) throw new UsageError(`${option}: key '${key}' is given twice`, command);
    result[key] = value;
  }
  if (Object.keys(result).length > 50) {
    throw new UsageError(`${option}: ${Object.keys(result).length} keys given, SageMaker allows at most 50`, command);
  }
  return result;
}

export interface DurationBounds {
  readonly minMs: number;
  readonly maxMs: number;
}

/** `90`, `90s`, `15m`, `1h`, `0.5` (seconds) -> milliseconds, within `bounds` when given. */
export function parseDuration(option: string, value: string, command?: string, bounds?: DurationBounds): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms = match ? Number(match[1]) * factor[(match[2] ?? 's') as keyof typeof factor] : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new UsageError(`${option}: '${value}' is not a positive duration (e.g. 90, 90s, 15m, 1h)`, command);
  }
  if (bounds && (ms < bounds.minMs || ms > bounds.maxMs)) {
    throw new UsageError(
      `${option}: '${value}' is out of range (allowed: ${formatDuration(bounds.minMs)} to ${formatDuration(bounds.maxMs)})`,
      command,
    );
  }
  return ms;
}

/** 1000 -> 1s, 300000 -> 5m, 86400000 -> 24h. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** 2026-11-22T17:05:09.123Z -> 20261122-170509 */
export function timestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
}

/**
 * A SageMaker name `<base>-<suffix>` of at most 63 characters: the base is cut, never the suffix,
 * so two rollouts of the same endpoint get distinct, sortable names.
 */
export function derivedName(base: string, suffix: string): string {
  const room = 63 - suffix.length - 1;
  const cut = base.slice(0, room).replace(/-+$/, '');
  return `${cut}-${suffix}`;
}

/** The version number at the end of a versioned model package ARN, if any. */
export function packageVersion(arn: string): number | undefined {
  const m = /\/(\d+)$/.exec(arn);
  return m ? Number(m[1]) : undefined;
}
