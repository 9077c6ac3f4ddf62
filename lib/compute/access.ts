import type { NamespaceAccess } from '../../constructs/compute';
import type { EnvironmentConfig } from '../config/types';

/**
 * The cluster's namespace-scoped access entries: each team's member groups on the team's
 * namespace (TeamConfig.members), then `cluster.access.namespaces` (e.g. the viewers). A team added
 * in config gets its members' entries without touching `cluster.access`. The entries are the
 * Compute stack's (an IAM principal has one access entry per cluster; the entries of the teams
 * that existed before members moved into TeamConfig stay where they were, same logical IDs).
 */
export function namespaceAccessOf(config: EnvironmentConfig): NamespaceAccess[] {
  const teams: NamespaceAccess[] = config.cluster.teams.flatMap((t) =>
    (t.members ?? []).map((m): NamespaceAccess => ({ roleArn: m.roleArn, access: m.access, namespaces: [t.name] })),
  );
  return [...teams, ...config.cluster.access.namespaces];
}

/** The teams' member roles, with their fields: `mlp preflight` checks that they exist. */
export function teamMemberRoleArns(config: EnvironmentConfig): { readonly field: string; readonly arn: string }[] {
  return (config.cluster?.teams ?? []).flatMap((t, i) =>
    (t.members ?? []).map((m, j) => ({ field: `cluster.teams[${i}].members[${j}].roleArn`, arn: m.roleArn })),
  );
}
