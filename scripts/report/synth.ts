/** Synthesizes the committed platform into a directory, offline, as `cdk synth` would (compliance off). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildPlatformApp } from '../../lib/app';

export function testlessApp(outdir: string): void {
  const context = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
  const app = new App({ outdir, context: { ...context, 'aws:cdk:disable-asset-staging': true } });
  buildPlatformApp(app, { compliance: false });
  app.synth();
}
