import { CLUSTER } from '../compute/config';
import { LAKE, SPARK } from '../data/config';
import { FEATURE_STORE } from '../feature-store/config';
import { FEATURES } from '../features/config';
import { LIFECYCLE } from '../lifecycle/config';
import { NETWORK } from '../network/config';
import { NOTEBOOKS } from '../notebooks/config';
import { OBSERVABILITY } from '../observability/config';
import { AUDIT, LOGGING, ONCALL } from '../security/config';
import { SERVING } from '../serving/config';
import { STREAMING } from '../streaming/config';
import { ACCOUNTS } from './accounts';
import { ENVIRONMENT_NAMES, type EnvironmentConfig, type EnvironmentName, type TagsConfig } from './types';

/** What belongs to the environment itself rather than to one capability. */
interface EnvironmentBasics {
  readonly availabilityZones: readonly string[];
  readonly retainStatefulResources: boolean;
  readonly terminationProtection: boolean;
  readonly tags: TagsConfig;
}

const azs = (env: EnvironmentName, suffixes: readonly string[]): string[] => suffixes.map((s) => `${ACCOUNTS[env].region}${s}`);

const BASICS: Readonly<Record<EnvironmentName, EnvironmentBasics>> = {
  dev: {
    availabilityZones: azs('dev', ['a', 'b']),
    retainStatefulResources: false,
    terminationProtection: false,
    tags: { costCenter: 'ml-platform-dev', owner: 'ml-platform-team' },
  },
  staging: {
    availabilityZones: azs('staging', ['a', 'b', 'c']),
    retainStatefulResources: true,
    terminationProtection: false,
    tags: { costCenter: 'ml-platform-staging', owner: 'ml-platform-team' },
  },
  prod: {
    availabilityZones: azs('prod', ['a', 'b', 'c']),
    retainStatefulResources: true,
    terminationProtection: true,
    tags: { costCenter: 'ml-platform-prod', owner: 'ml-platform-team' },
  },
};

/** One environment, assembled from its account, its basics and every capability's section. */
function environment(name: EnvironmentName): EnvironmentConfig {
  const { tags, ...basics } = BASICS[name];
  return {
    name,
    ...ACCOUNTS[name],
    ...basics,
    network: NETWORK[name],
    logging: LOGGING[name],
    audit: AUDIT[name],
    oncall: ONCALL[name],
    serving: SERVING[name],
    lake: LAKE[name],
    streaming: STREAMING[name],
    spark: SPARK[name],
    tags,
    cluster: CLUSTER[name],
    featureStore: FEATURE_STORE[name],
    features: FEATURES[name],
    observability: OBSERVABILITY[name],
    lifecycle: LIFECYCLE[name],
    notebooks: NOTEBOOKS[name],
  };
}

/** Every environment's configuration, by name. Validated as a whole by `validate()`. */
export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentConfig> = Object.fromEntries(
  ENVIRONMENT_NAMES.map((name) => [name, environment(name)]),
) as Record<EnvironmentName, EnvironmentConfig>;
