import { DNS_LABEL } from '../../constructs/core/patterns';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';
import { GITOPS_CHARTS, MANIFEST_OWNERS } from './manifest-owners';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
/** ECR repository path segments below `<env>/teams/<team>/`. */
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const MEMBER_ACCESS = ['admin', 'edit', 'view'] as const;

/** A team's self-service fields: its member groups and its share of the platform's services. */
export function checkTeamSelfService(c: EnvironmentConfig, p: Problems): void {
  const models = (c.serving?.models ?? []).map((m) => m.name);
  const topics = (c.features?.topics ?? []).map((t) => t.name);
  (c.cluster?.teams ?? []).forEach((team, i) => {
    const at = `cluster.teams[${i}]`;
    const groups = (team.members ?? []).map((m) => m.name);
    (team.members ?? []).forEach((m, j) => {
      const field = `${at}.members[${j}]`;
      p.matches(`${field}.name`, m.name, DNS_LABEL, 'a DNS label (lower-case letters, digits, hyphens), e.g. developers');
      p.check(groups.indexOf(m.name) === j, `${field}.name`, m.name, `is used by another member group of team ${team.name}`);
      const arn = ROLE_ARN.exec(m.roleArn ?? '');
      if (
        p.matches(`${field}.roleArn`, m.roleArn, ROLE_ARN, 'an IAM role ARN like arn:aws:iam::111111111111:role/MlPlatformDeveloper-fraud')
      ) {
        p.check(
          arn![1] === c.account || !/^\d{12}$/.test(String(c.account)),
          `${field}.roleArn`,
          m.roleArn,
          `is in account ${arn![1]}; EKS access entries name roles of the cluster's account (${c.account})`,
        );
      }
      p.oneOf(`${field}.access`, m.access, MEMBER_ACCESS);
    });
    const s = team.services;
    if (!s) return;
    if (c.serving)
      s.models.forEach((model, j) => {
        p.check(
          models.includes(model),
          `${at}.services.models[${j}]`,
          model,
          `is not a registered model; expected one of ${models.join(', ')}`,
        );
      });
    for (const direction of c.features ? (['produce', 'consume'] as const) : []) {
      s.topics[direction].forEach((topic, j) => {
        p.check(
          topics.includes(topic),
          `${at}.services.topics.${direction}[${j}]`,
          topic,
          `is not a declared topic (features.topics); expected one of ${topics.join(', ')}`,
        );
      });
    }
    s.repositories.forEach((name, j) => {
      const field = `${at}.services.repositories[${j}]`;
      if (p.matches(field, name, REPOSITORY, "lower-case path segments like 'training' or 'serving/scorer'")) {
        const full = `${c.name}/teams/${team.name}/${name}`;
        p.check(full.length <= 256, field, name, `makes the repository name ${full} longer than ECR's 256 characters`);
      }
      p.check(s.repositories.indexOf(name) === j, field, name, `is listed twice; repository names of team ${team.name} must be unique`);
    });
  });
}

/** `cluster.manifestOwner` and `cluster.manifestOwners`: known owners, known charts. */
export function checkManifestOwners(c: EnvironmentConfig, p: Problems): void {
  const k = c.cluster;
  if (!k) return;
  if (k.manifestOwner !== undefined) p.oneOf('cluster.manifestOwner', k.manifestOwner, MANIFEST_OWNERS);
  for (const [chart, owner] of Object.entries(k.manifestOwners ?? {})) {
    if (!(GITOPS_CHARTS as readonly string[]).includes(chart)) {
      p.add(
        'cluster.manifestOwners',
        chart,
        `is not allowed; expected one of ${GITOPS_CHARTS.map((x) => `'${x}'`).join(', ')} (the rest needs deploy-time values: CDK applies it)`,
      );
      continue;
    }
    p.oneOf(`cluster.manifestOwners.${chart}`, owner, MANIFEST_OWNERS);
  }
}
