import { checkAgainstCatalog } from '../catalog/rules';
import { checkCompute } from '../compute/rules';
import { checkData } from '../data/rules';
import { checkFeatureStore } from '../feature-store/rules';
import { checkFeatures } from '../features/rules';
import { checkLifecycle } from '../lifecycle/rules';
import { checkAcrossEnvironments, checkNetwork } from '../network/rules';
import { checkNotebooks } from '../notebooks/rules';
import { checkObservability } from '../observability/rules';
import { checkSecurity } from '../security/rules';
import { checkModelServers } from '../serving/model-server-rules';
import { checkServing } from '../serving/rules';
import { checkStreamingSection } from '../streaming/rules';
import { checkFoundation } from './foundation';
import { Problems } from './problems';
import { ENVIRONMENT_NAMES, type EnvironmentConfig, type EnvironmentName } from './types';

/** A rule checks one environment and records what is wrong; it never throws. */
export type Rule = (config: EnvironmentConfig, problems: Problems) => void;

/**
 * Every per-environment rule: the environment's own fields, then each capability's (each checks
 * first that its section exists). A new capability adds its rules here.
 */
const RULES: readonly Rule[] = [
  checkFoundation,
  checkNetwork,
  checkSecurity,
  checkData,
  checkStreamingSection,
  checkFeatureStore,
  checkFeatures,
  checkServing,
  checkCompute,
  checkModelServers,
  checkAgainstCatalog,
  checkObservability,
  checkLifecycle,
  checkNotebooks,
];

/** Thrown by `assertValid`; `problems` holds one line per problem. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid platform configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((l) => `  - ${l}`).join('\n')}`,
    );
    this.name = 'ConfigValidationError';
  }
}

/**
 * Checks every environment and returns **every** problem, one line each, e.g.
 * `prod.network.natGateways: 1 is not allowed; prod needs one NAT gateway per AZ (3)`.
 */
export function validate(environments: Partial<Record<EnvironmentName, EnvironmentConfig>>): string[] {
  const byEnv = new Map<string, Problems>();
  const problemsOf = (env: string): Problems => {
    const existing = byEnv.get(env);
    if (existing) return existing;
    const created = new Problems(env);
    byEnv.set(env, created);
    return created;
  };
  const configs: EnvironmentConfig[] = [];
  for (const [key, config] of Object.entries(environments)) {
    if (!config) continue;
    const p = problemsOf(key);
    if (!p.check(config.name === key, 'name', config.name, `does not match its key '${key}'`)) continue;
    if (!p.oneOf('name', config.name, ENVIRONMENT_NAMES)) continue;
    configs.push(config);
    for (const rule of RULES) rule(config, p);
  }
  checkAcrossEnvironments(configs, problemsOf);
  return [...byEnv.values()].flatMap((p) => p.all);
}

/** Throws a `ConfigValidationError` listing every problem, or returns the configs unchanged. */
export function assertValid<T extends Partial<Record<EnvironmentName, EnvironmentConfig>>>(environments: T): T {
  const problems = validate(environments);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return environments;
}
