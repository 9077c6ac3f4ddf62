import { ACCOUNTS } from './accounts';
import type { EnvironmentConfig, EnvironmentName, TeamConfig } from './types';

/** Admin role of an account (created by the account baseline, outside this repository). */
const adminRole = (env: EnvironmentName): string => `arn:aws:iam::${ACCOUNTS[env].account}:role/MlPlatformAdmin`;

/** A team with the lake convention: read curated data, write under `teams/<name>/`. */
const team = (name: string, quota: TeamConfig['quota'], readPrefixes: readonly string[]): TeamConfig => ({
  name,
  quota,
  lake: { readPrefixes, writePrefixes: [`teams/${name}/`] },
});

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
  cluster: {
    kubernetesVersion: '1.34',
    // Developers reach the API from the office egress range; nodes use the private endpoint.
    endpointAccess: 'publicAndPrivate',
    publicAccessCidrs: ['203.0.113.0/24'],
    adminRoleArns: [adminRole('dev')],
    allowSpotTraining: true,
    nodeGroups: [
      {
        name: 'system',
        gpu: false,
        workload: 'system',
        instanceTypes: ['m7i.xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 2,
        desiredSize: 2,
        maxSize: 4,
        diskSizeGiB: 50,
      },
      {
        name: 'gpu-g6',
        gpu: true,
        workload: 'training',
        instanceTypes: ['g6.2xlarge', 'g6.4xlarge', 'g5.2xlarge'],
        capacityType: 'SPOT',
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
        diskSizeGiB: 200,
      },
    ],
    teams: [
      team('credit-risk', { cpu: 32, memoryGiB: 128, gpus: 2 }, ['curated/credit/']),
      team('fraud', { cpu: 32, memoryGiB: 128, gpus: 2 }, ['curated/transactions/']),
    ],
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
  cluster: {
    kubernetesVersion: '1.34',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    adminRoleArns: [adminRole('staging')],
    allowSpotTraining: false,
    nodeGroups: [
      {
        name: 'system',
        gpu: false,
        workload: 'system',
        instanceTypes: ['m7i.xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 3,
        desiredSize: 3,
        maxSize: 6,
        diskSizeGiB: 50,
      },
      {
        name: 'gpu-g6e',
        gpu: true,
        workload: 'training',
        instanceTypes: ['g6e.12xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
        diskSizeGiB: 500,
      },
      {
        name: 'gpu-inference',
        gpu: true,
        workload: 'inference',
        instanceTypes: ['g6.2xlarge', 'g5.2xlarge'],
        capacityType: 'SPOT',
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
        diskSizeGiB: 200,
      },
    ],
    teams: [
      team('credit-risk', { cpu: 64, memoryGiB: 256, gpus: 8 }, ['curated/credit/']),
      team('fraud', { cpu: 64, memoryGiB: 256, gpus: 4 }, ['curated/transactions/']),
    ],
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
  cluster: {
    kubernetesVersion: '1.34',
    endpointAccess: 'private',
    publicAccessCidrs: [],
    adminRoleArns: [adminRole('prod')],
    allowSpotTraining: false,
    nodeGroups: [
      {
        name: 'system',
        gpu: false,
        workload: 'system',
        instanceTypes: ['m7i.2xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 3,
        desiredSize: 3,
        maxSize: 9,
        diskSizeGiB: 100,
      },
      {
        name: 'gpu-p5',
        gpu: true,
        workload: 'training',
        instanceTypes: ['p5.48xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 0,
        desiredSize: 0,
        maxSize: 4,
        diskSizeGiB: 1000,
      },
      {
        name: 'gpu-inference',
        gpu: true,
        workload: 'inference',
        instanceTypes: ['g6.4xlarge', 'g6e.4xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 2,
        desiredSize: 2,
        maxSize: 8,
        diskSizeGiB: 200,
      },
    ],
    teams: [
      team('credit-risk', { cpu: 256, memoryGiB: 2048, gpus: 32 }, ['curated/credit/']),
      team('fraud', { cpu: 128, memoryGiB: 1024, gpus: 16 }, ['curated/transactions/']),
    ],
  },
};

/** Every environment's configuration, by name. Validated as a whole by `validate()`. */
export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentConfig> = { dev, staging, prod };
