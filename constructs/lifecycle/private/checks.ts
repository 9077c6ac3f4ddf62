import { Token } from 'aws-cdk-lib';

/** Throws unless `value` is a number in [min, max] (tokens are not checked). */
export function assertRange(construct: string, field: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) return;
  if (!(Number.isFinite(value) && value >= min && value <= max)) {
    throw new Error(`${construct} ${field} must be a number from ${min} to ${max}, got ${value}`);
  }
}

/** Throws unless `value` matches `pattern` (tokens are not checked). */
export function assertPattern(construct: string, field: string, value: string, pattern: RegExp, allowed: string): void {
  if (Token.isUnresolved(value)) return;
  if (!pattern.test(value)) throw new Error(`${construct} ${field} must be ${allowed}, got '${value}'`);
}

/** Model names the lifecycle constructs accept: job names are `<model>-<kind>-<uuid>` (≤ 63). */
export const MODEL_NAME = /^[a-z0-9](-?[a-z0-9]){0,19}$/;
export const MODEL_NAME_ALLOWED = '1 to 20 lower-case letters, digits and single hyphens (job names add 43 characters)';

/** An S3 key prefix safe inside an intrinsic function's string literal: ends with '/'. */
export const KEY_PREFIX = /^([A-Za-z0-9_.=-]+\/)+$/;
export const KEY_PREFIX_ALLOWED =
  "path segments of letters, digits, '_', '.', '=', '-', each ending with '/' (e.g. 'pipelines/credit-risk/')";

/** A column name usable in a JSONPath reference path. */
export const COLUMN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const COLUMN_ALLOWED = 'a column name of letters, digits and underscores, starting with a letter or underscore';
