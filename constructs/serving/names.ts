import { Token } from 'aws-cdk-lib';

/** SageMaker resource names: model package groups, endpoints, monitoring schedules. */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Throws unless `name` is a valid SageMaker resource name (tokens are not checked). */
export function assertSageMakerName(construct: string, field: string, name: string): void {
  if (Token.isUnresolved(name)) return;
  if (!SAGEMAKER_NAME_PATTERN.test(name)) {
    throw new Error(
      `${construct} ${field} must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit (${SAGEMAKER_NAME_PATTERN.source}), got '${name}'`,
    );
  }
}

/** Throws unless `value` is a whole number in [min, max] (tokens are not checked). */
export function assertInteger(construct: string, field: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) return;
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new Error(`${construct} ${field} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

/** Throws unless `value` is a SageMaker instance type `ml.<family>.<size>`. */
export function assertInstanceType(construct: string, field: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  if (!/^ml\.[a-z0-9-]+\.[a-z0-9]+$/.test(value)) {
    throw new Error(`${construct} ${field} must be a SageMaker instance type 'ml.<family>.<size>' (e.g. ml.m5.large), got '${value}'`);
  }
}
