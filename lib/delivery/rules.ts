import { ENVIRONMENT_NAMES, type EnvironmentConfig, type EnvironmentName } from '../config/types';
import type { DeliveryConfig } from './config';

const ACCOUNT = /^\d{12}$/;
const CONNECTION_ARN = /^arn:aws[a-z-]*:(codeconnections|codestar-connections):([a-z0-9-]+):(\d{12}):connection\/[0-9a-f-]{36}$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const BRANCH = /^(?!\/)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,244}(?<![/.])$/;

/**
 * Every problem of the delivery configuration, one line each: `delivery.<field>: <value> <what is
 * allowed>` (the same shape as the environments' problems).
 */
export function deliveryProblems(d: DeliveryConfig, environments: Partial<Record<EnvironmentName, EnvironmentConfig>>): string[] {
  const problems: string[] = [];
  const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
  const add = (field: string, value: unknown, message: string) => problems.push(`delivery.${field}: ${show(value)} ${message}`);

  if (!ACCOUNT.test(d.tooling.account)) add('tooling.account', d.tooling.account, 'is not allowed; expected a 12-digit AWS account id');
  for (const env of Object.values(environments)) {
    if (env && env.account === d.tooling.account) {
      add(
        'tooling.account',
        d.tooling.account,
        `is ${env.name}'s account; the pipeline runs in a tooling account of its own (targets trust it with cdk bootstrap --trust)`,
      );
    }
  }
  const m = CONNECTION_ARN.exec(d.source.connectionArn);
  if (!m) {
    add(
      'source.connectionArn',
      d.source.connectionArn,
      'is not allowed; expected a CodeConnections connection ARN arn:aws:codeconnections:<region>:<account>:connection/<uuid>',
    );
  } else {
    if (m[3] !== d.tooling.account) {
      add(
        'source.connectionArn',
        d.source.connectionArn,
        `is in account ${m[3]}; the connection must be the tooling account's (${d.tooling.account})`,
      );
    }
    if (m[2] !== d.tooling.region) {
      add(
        'source.connectionArn',
        d.source.connectionArn,
        `is in region ${m[2]}; the connection must be in the pipeline's region (${d.tooling.region})`,
      );
    }
  }
  if (!REPOSITORY.test(d.source.repository)) add('source.repository', d.source.repository, "is not allowed; expected 'owner/name'");
  if (!BRANCH.test(d.source.branch)) add('source.branch', d.source.branch, 'is not allowed; expected a git branch name (e.g. main)');

  d.waves.forEach((w, i) => {
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(w)) {
      add(`waves[${i}]`, w, `is not allowed; expected one of ${ENVIRONMENT_NAMES.join(', ')}`);
    } else if (d.waves.indexOf(w) !== i) {
      add(`waves[${i}]`, w, 'is listed twice; each environment deploys in one wave');
    }
  });
  const order = ENVIRONMENT_NAMES.filter((n) => d.waves.includes(n));
  if (d.waves.some((w, i) => order[i] !== w)) {
    add('waves', d.waves, `is not allowed; environments are promoted in the order ${ENVIRONMENT_NAMES.join(' -> ')}`);
  }
  if (d.waves.includes('prod') && !d.approvalBefore.includes('prod')) {
    add('approvalBefore', d.approvalBefore, "is not allowed; prod deploys only after a manual approval (include 'prod')");
  }
  d.approvalBefore.forEach((w, i) => {
    if (!d.waves.includes(w)) add(`approvalBefore[${i}]`, w, `is not a wave; expected one of ${d.waves.join(', ')}`);
  });
  return problems;
}
