import { join } from 'node:path';
import { type App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { OnCallTopics } from '../../constructs/observability';
import { testApp } from '../util';

/** The repository's runbooks: every alarm the observability constructs create must link one of them. */
export const RUNBOOK_DIR = join(__dirname, '..', '..', 'docs', 'runbooks');

export interface ObservabilityFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly key: kms.Key;
  readonly topics: OnCallTopics;
}

/** A minimal stack with a key and the on-call topics; `nag` adds the three compliance packs. */
export function observabilityStack(options: { nag?: boolean } = {}): ObservabilityFixture {
  const app = testApp();
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new NIST80053R5Checks(app));
  const stack = new Stack(app, 'Observability', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  const topics = new OnCallTopics(stack, 'OnCall', {
    environment: 'prod',
    encryptionKey: key,
    page: { httpsEndpoints: ['https://events.pagerduty.com/integration/abc123/enqueue'] },
    ticket: { emails: ['ml-platform@example.com'] },
  });
  return { app, stack, key, topics };
}

/** The stack's template as JSON, keyed by stack name, for checkAlarmContract. */
export function templates(...stacks: Stack[]): Record<string, any> {
  return Object.fromEntries(stacks.map((s) => [s.stackName, Template.fromStack(s).toJSON()]));
}
