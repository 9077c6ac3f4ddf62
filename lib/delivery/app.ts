import type { App } from 'aws-cdk-lib';
import { addCompliancePlugins } from '../compliance/nag';
import { assertValid, ConfigValidationError, ENVIRONMENTS, type EnvironmentConfig, type EnvironmentName } from '../config';
import { DELIVERY, type DeliveryConfig } from './config';
import { DeliveryPipelineStack } from './pipeline-stack';
import { deliveryProblems } from './rules';

export interface DeliveryAppOptions {
  /** @default DELIVERY */
  readonly delivery?: DeliveryConfig;
  /** @default ENVIRONMENTS */
  readonly environments?: Record<EnvironmentName, EnvironmentConfig>;
  /** Run the cdk-nag packs on synth. @default true */
  readonly compliance?: boolean;
  /** The CDK CLI version of the pipeline's generated steps. */
  readonly cliVersion: string;
}

/**
 * The delivery app (bin/pipeline.ts): validates every environment and the delivery config (all
 * problems at once), then the pipeline stack with one wave per environment.
 */
export function buildDeliveryApp(app: App, options: DeliveryAppOptions): DeliveryPipelineStack {
  const delivery = options.delivery ?? DELIVERY;
  const environments = options.environments ?? ENVIRONMENTS;
  const problems = deliveryProblems(delivery, environments);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  assertValid(environments);
  if (options.compliance ?? true) addCompliancePlugins(app);
  return new DeliveryPipelineStack(app, 'Delivery', { delivery, environments, cliVersion: options.cliVersion });
}
