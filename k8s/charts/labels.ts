/** Labels every platform object carries (DESIGN.md: `app.kubernetes.io/*`, `platform/env`, `platform/team`). */
export function platformLabels(options: { environment: string; component: string; team?: string }): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'ml-platform',
    'app.kubernetes.io/part-of': 'ml-platform',
    'app.kubernetes.io/component': options.component,
    'platform/env': options.environment,
    ...(options.team ? { 'platform/team': options.team } : {}),
  };
}
