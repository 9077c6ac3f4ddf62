import type { App } from 'aws-cdk-lib';
import { addCompliancePlugins } from './compliance/nag';
import { assertValid, ENVIRONMENT_NAMES, ENVIRONMENTS, type EnvironmentConfig, type EnvironmentName } from './config';
import { MlPlatformStage } from './stages/ml-platform-stage';

export interface PlatformAppOptions {
  /** Environments to build; all when empty. */
  readonly only?: readonly EnvironmentName[];
  /** The configurations; the committed ones by default (tests pass variants). */
  readonly environments?: Record<EnvironmentName, EnvironmentConfig>;
  /** Run cdk-nag packs on synth. @default true */
  readonly compliance?: boolean;
}

/**
 * Builds the platform app: validates **all** environments first (nothing is created if one is
 * wrong), then one Stage per selected environment. Shared by bin/ and the tests.
 *
 * The app is passed in so that only bin/ decides how it is created (context, outdir).
 */
export function buildPlatformApp(app: App, options: PlatformAppOptions = {}): Partial<Record<EnvironmentName, MlPlatformStage>> {
  const environments = assertValid(options.environments ?? ENVIRONMENTS);
  if (options.compliance ?? true) addCompliancePlugins(app);
  const stages: Partial<Record<EnvironmentName, MlPlatformStage>> = {};
  const selected = options.only && options.only.length > 0 ? options.only : ENVIRONMENT_NAMES;
  for (const name of selected) {
    stages[name] = new MlPlatformStage(app, name, { config: environments[name] });
  }
  return stages;
}

/** Parses the `env` context value: undefined/'' -> all; 'prod' or 'dev,staging' -> those. */
export function parseEnvSelection(value: unknown): EnvironmentName[] {
  if (value === undefined || value === null || value === '' || value === 'all') return [];
  const names = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(ENVIRONMENT_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `context env: '${String(value)}' is not allowed; expected one or more of ${ENVIRONMENT_NAMES.join(', ')} (comma-separated) or 'all'`,
    );
  }
  return names as EnvironmentName[];
}

export class UsageError extends Error {}
