import { ACCOUNTS } from './accounts';
import { FEATURE_GROUPS } from './feature-groups';
import type { EnvironmentConfig, EnvironmentName } from './types';

const dev: EnvironmentConfig = {
  name: 'dev',
  ...ACCOUNTS.dev,
  availabilityZones: [`${ACCOUNTS.dev.region}a`, `${ACCOUNTS.dev.region}b`],
  retainStatefulResources: false,
  terminationProtection: false,
  network: { vpcCidr: '10.10.0.0/16', natGateways: 1, privateSubnetMask: 20 },
  logging: { retentionDays: 30 },
  audit: { transitionToGlacierDays: 30, expirationDays: 365 },
  tags: { costCenter: 'ml-platform-dev', owner: 'ml-platform-team' },
  featureStore: {
    engine: 'valkey',
    nodeType: 'cache.t4g.small',
    shards: 1,
    replicasPerShard: 0,
    multiAz: false,
    snapshotRetentionDays: 1,
    featureGroups: FEATURE_GROUPS,
  },
};

const staging: EnvironmentConfig = {
  name: 'staging',
  ...ACCOUNTS.staging,
  availabilityZones: ['a', 'b', 'c'].map((s) => `${ACCOUNTS.staging.region}${s}`),
  retainStatefulResources: true,
  terminationProtection: false,
  network: { vpcCidr: '10.20.0.0/16', natGateways: 3, privateSubnetMask: 19 },
  logging: { retentionDays: 90 },
  audit: { transitionToGlacierDays: 90, expirationDays: 400 },
  tags: { costCenter: 'ml-platform-staging', owner: 'ml-platform-team' },
  featureStore: {
    engine: 'valkey',
    nodeType: 'cache.r7g.large',
    shards: 2,
    replicasPerShard: 1,
    multiAz: true,
    snapshotRetentionDays: 15,
    featureGroups: FEATURE_GROUPS,
  },
};

const prod: EnvironmentConfig = {
  name: 'prod',
  ...ACCOUNTS.prod,
  availabilityZones: ['a', 'b', 'c'].map((s) => `${ACCOUNTS.prod.region}${s}`),
  retainStatefulResources: true,
  terminationProtection: true,
  network: { vpcCidr: '10.30.0.0/16', natGateways: 3, privateSubnetMask: 19 },
  logging: { retentionDays: 365 },
  audit: { transitionToGlacierDays: 90, expirationDays: 2557 },
  tags: { costCenter: 'ml-platform-prod', owner: 'ml-platform-team' },
  featureStore: {
    engine: 'valkey',
    nodeType: 'cache.r7g.xlarge',
    shards: 3,
    replicasPerShard: 2,
    multiAz: true,
    snapshotRetentionDays: 15,
    featureGroups: FEATURE_GROUPS,
  },
};

/** Every environment's configuration, by name. Validated as a whole by `validate()`. */
export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentConfig> = { dev, staging, prod };
