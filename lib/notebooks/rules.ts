import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';

/** The `notebooks` section (optional: no section means no notebooks). */
export function checkNotebooks(c: EnvironmentConfig, p: Problems): void {
  const n = c.notebooks;
  if (n === undefined) return;
  p.check(typeof n.enabled === 'boolean', 'notebooks.enabled', n.enabled, 'is not allowed; expected true or false');
  p.integer('notebooks.idleTimeoutMinutes', n.idleTimeoutMinutes, 60, 525_600);
  if (n.enabled && c.cluster) {
    p.check(
      (c.cluster?.teams ?? []).some((t) => (t.members ?? []).length > 0),
      'notebooks.enabled',
      n.enabled,
      'is not allowed without users; give at least one team members (cluster.teams[].members): each member group gets a Studio profile',
    );
  }
}
