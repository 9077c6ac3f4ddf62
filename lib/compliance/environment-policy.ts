import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EnvironmentName } from '../config';

/**
 * A finding the platform accepts in some environments only (environment policy, e.g. dev's
 * cheaper sizing). Findings that follow from a construct's design are acknowledged by that
 * construct, on its own children; only these live in `lib/<capability>/policy.ts`.
 */
export interface EnvironmentAcknowledgement {
  /** Rule id: `AwsSolutions-AEC4`. */
  readonly id: string;
  /** The environments that accept the finding. */
  readonly environments: readonly EnvironmentName[];
  readonly reason: string;
}

/** Acknowledges, on `target`, the entries of `policy` that `environment` accepts. */
export function applyEnvironmentPolicy(
  environment: EnvironmentName,
  target: IConstruct,
  policy: readonly EnvironmentAcknowledgement[],
): void {
  for (const ack of policy) {
    if (ack.environments.includes(environment)) Validations.of(target).acknowledge({ id: ack.id, reason: ack.reason });
  }
}
