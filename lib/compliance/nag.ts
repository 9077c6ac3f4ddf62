import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';

/**
 * Runs the three compliance packs on every synth. A finding that is neither fixed nor
 * acknowledged (by the construct that causes it, or by an environment's policy in
 * lib/<capability>/policy.ts) fails the synth.
 */
export function addCompliancePlugins(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new NIST80053R5Checks(app));
}
