import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildPlatformApp, type PlatformAppOptions } from '../lib/app';
import { ENVIRONMENTS, type EnvironmentConfig, type EnvironmentName } from '../lib/config';
import type { MlPlatformStage } from '../lib/stages/ml-platform-stage';

/** cdk.json's context: tests synthesize with the same feature flags as `cdk synth`. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')).context;

/** An App with cdk.json's context, without copying the large asset zips (kubectl layers). */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...CDK_CONTEXT, 'aws:cdk:disable-asset-staging': true, ...context } });
}

/** A plain stack with cdk.json's context, for construct tests. */
export function testStack(id = 'Test'): Stack {
  return new Stack(testApp(), id, { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** A deep copy of one committed environment with changes, for config and stack tests. */
export function configWith(name: EnvironmentName, change: (c: any) => void = () => {}): EnvironmentConfig {
  const copy = structuredClone(ENVIRONMENTS[name]) as any;
  change(copy);
  return copy;
}

/** All committed environments with one replaced. */
export function environmentsWith(config: EnvironmentConfig): Record<EnvironmentName, EnvironmentConfig> {
  return { ...ENVIRONMENTS, [config.name]: config };
}

const cache = new Map<string, MlPlatformStage>();

/**
 * The stage of one environment of the committed configuration, built once per test file
 * (compliance plugins off: they run in their own test and on every `cdk synth`).
 */
export function platformStage(name: EnvironmentName, options: Omit<PlatformAppOptions, 'only'> = {}): MlPlatformStage {
  const key = `${name}:${JSON.stringify(options)}`;
  let stage = cache.get(key);
  if (!stage) {
    const stages = buildPlatformApp(testApp(), { compliance: false, ...options, only: [name] });
    stage = stages[name] as MlPlatformStage;
    cache.set(key, stage);
  }
  return stage;
}

/** Template of one stack of a committed environment, e.g. `template('prod', 'Network')`. */
export function template(name: EnvironmentName, stack: string): Template {
  const stage = platformStage(name);
  const found = stage.node.findChild(stack) as Stack;
  return Template.fromStack(found);
}
