/**
 * Synthesizes the committed platform into a directory, offline, as `cdk synth` would: compliance
 * packs on (their findings go to validation-report.json for the report's Compliance section).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildPlatformApp } from '../../lib/app';

export function testlessApp(outdir: string): void {
  const context = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
  const app = new App({
    outdir,
    // As bin/ml-platform.ts under `cdk synth`: what the CLI passes (path and asset metadata, version
    // reporting: the template sizes the limits use), built-in template validation off (cfn-lint
    // checks every template in npm test).
    context: {
      ...context,
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      'aws:cdk:disable-asset-staging': true,
    },
    builtinCloudFormationValidation: false,
  });
  buildPlatformApp(app, { compliance: true });
  app.synth();
}
