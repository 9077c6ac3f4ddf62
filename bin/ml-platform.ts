#!/usr/bin/env node
/**
 * The CDK app. Only this file reads context and the process environment.
 *   npx cdk synth                 -> dev, staging and prod
 *   npx cdk synth -c env=prod     -> prod only (also: -c env=dev,staging)
 *   CDK_VALIDATION=true npx cdk synth -> also aws-cdk-lib's built-in template validation
 *
 * aws-cdk-lib's built-in CloudFormation template validation is off unless CDK_VALIDATION=true: it
 * was two thirds of synth CPU and repeats what cfn-lint checks on every template in `npm test`
 * (scripts/cfn-lint.sh is the one full template validation). cdk-nag runs on every synth regardless.
 */
import { App } from 'aws-cdk-lib';
import { buildPlatformApp, parseEnvSelection, UsageError } from '../lib/app';
import { ConfigValidationError } from '../lib/config';

try {
  const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
  // The CLI asks apps to leave validation reporting to it, then does not fail `cdk synth` on a
  // failed report. Our rule: an unacknowledged cdk-nag finding fails synth. So the app reports.
  app.node.setContext('@aws-cdk/core:failSynthOnValidationErrors', true);
  buildPlatformApp(app, { only: parseEnvSelection(app.node.tryGetContext('env')) });
  app.synth();
} catch (err) {
  if (err instanceof ConfigValidationError || err instanceof UsageError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  // Validation failures (cdk-nag, template checks) were already printed in full by the synth.
  // Print one line, not a stack trace; MLP_DEBUG=1 shows the trace.
  if (process.env.MLP_DEBUG) throw err;
  process.stderr.write(`Synth failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
