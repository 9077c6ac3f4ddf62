#!/usr/bin/env node
/**
 * The delivery app: the CDK Pipelines pipeline of the tooling account (lib/delivery), whose waves
 * deploy dev, staging and prod. Only this file reads the process environment.
 *   npx cdk synth --app 'npx tsx bin/pipeline.ts' --output cdk.pipeline.out
 *   npx cdk deploy --app 'npx tsx bin/pipeline.ts' MlPlatform-Delivery   (once; then it updates itself)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigValidationError } from '../lib/config';
import { buildDeliveryApp } from '../lib/delivery';

try {
  const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
  app.node.setContext('@aws-cdk/core:failSynthOnValidationErrors', true);
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  buildDeliveryApp(app, { cliVersion: pkg.devDependencies['aws-cdk'] });
  app.synth();
} catch (err) {
  if (err instanceof ConfigValidationError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  if (process.env.MLP_DEBUG) throw err;
  process.stderr.write(`Synth failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
