import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

/** The first (CPU) model server, and the GPU one, of a config under change. */
const cpu = (c: any) => c.serving.modelServers[0];
const gpu = (c: any) => c.serving.modelServers.find((s: any) => s.gpu);

describe('committed model servers', () => {
  test('every environment is valid and runs a CPU credit-risk server', () => {
    // THEN
    expect(validate(ENVIRONMENTS)).toEqual([]);
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const server = ENVIRONMENTS[env].serving.modelServers[0];
      expect(server).toMatchObject({ name: 'credit-risk-server', team: 'credit-risk' });
      expect(server.gpu).toBeUndefined();
    }
  });

  test('staging and prod have a GPU variant; prod servers never run on one replica', () => {
    // THEN
    expect(ENVIRONMENTS.staging.serving.modelServers.some((s) => s.gpu)).toBe(true);
    expect(ENVIRONMENTS.prod.serving.modelServers.some((s) => s.gpu)).toBe(true);
    for (const s of ENVIRONMENTS.prod.serving.modelServers) expect(s.minReplicas).toBeGreaterThanOrEqual(2);
  });
});

describe('model server rules', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    [
      'name that is not a DNS-1035 label',
      'dev',
      (c) => (cpu(c).name = '1-server'),
      "dev.serving.modelServers[0].name: '1-server' is not allowed; expected a DNS-1035 label",
    ],
    [
      'name of a team service account',
      'dev',
      (c) => (cpu(c).name = 'credit-risk-workloads'),
      "dev.serving.modelServers[0].name: 'credit-risk-workloads' is not allowed; names ending in '-workloads' are the teams' service accounts",
    ],
    [
      'duplicate name',
      'prod',
      (c) => (c.serving.modelServers[1].name = 'credit-risk-server'),
      "prod.serving.modelServers[1].name: 'credit-risk-server' is declared twice; model server names must be unique",
    ],
    [
      'unknown team',
      'prod',
      (c) => (cpu(c).team = 'pricing'),
      "prod.serving.modelServers[0].team: 'pricing' is not allowed; expected one of cluster.teams: 'credit-risk', 'fraud'",
    ],
    [
      'image outside ECR',
      'dev',
      (c) => (cpu(c).image = 'docker.io/library/server:1'),
      "dev.serving.modelServers[0].image: 'docker.io/library/server:1' is not allowed; expected an ECR image URI",
    ],
    [
      'image in another region',
      'staging',
      (c) => (cpu(c).image = '222222222222.dkr.ecr.us-east-1.amazonaws.com/credit-risk-server:1.0.0'),
      'is in region us-east-1; the cluster pulls images from ECR in',
    ],
    [
      'privileged port',
      'dev',
      (c) => (cpu(c).port = 80),
      'dev.serving.modelServers[0].port: 80 is not allowed; expected a whole number from 1024 to 65535',
    ],
    [
      'empty args',
      'dev',
      (c) => (cpu(c).args = []),
      'dev.serving.modelServers[0].args: [] is not allowed; expected 1 or more non-empty strings',
    ],
    [
      'model path without trailing slash',
      'dev',
      (c) => (cpu(c).modelPath = 'credit-risk/1.0.0'),
      "dev.serving.modelServers[0].modelPath: 'credit-risk/1.0.0' is not allowed; expected a key prefix in the models bucket",
    ],
    [
      'model path with a wildcard',
      'dev',
      (c) => (cpu(c).modelPath = 'credit-risk/*/'),
      "dev.serving.modelServers[0].modelPath: 'credit-risk/*/' is not allowed",
    ],
    [
      'model path over captured requests',
      'prod',
      (c) => (cpu(c).modelPath = 'data-capture/prod-credit-risk/'),
      "prod.serving.modelServers[0].modelPath: 'data-capture/prod-credit-risk/' is not allowed; 'data-capture/' holds captured requests",
    ],
    [
      'one replica in prod',
      'prod',
      (c) => (cpu(c).minReplicas = 1),
      'prod.serving.modelServers[0].minReplicas: 1 is not allowed; prod needs at least 2 replicas',
    ],
    [
      'zero replicas',
      'dev',
      (c) => (cpu(c).minReplicas = 0),
      'dev.serving.modelServers[0].minReplicas: 0 is not allowed; expected a whole number from 1 to 100',
    ],
    [
      'min above max',
      'staging',
      (c) => (cpu(c).minReplicas = 5),
      'staging.serving.modelServers[0].minReplicas: 5 must not exceed maxReplicas (4)',
    ],
    [
      'zero CPU',
      'dev',
      (c) => (cpu(c).cpu = 0),
      'dev.serving.modelServers[0].cpu: 0 is not allowed; expected CPU cores greater than 0 and at most 64',
    ],
    [
      'fractional memory',
      'dev',
      (c) => (cpu(c).memoryMiB = 1024.5),
      'dev.serving.modelServers[0].memoryMiB: 1024.5 is not allowed; expected a whole number from 128 to 524288',
    ],
    [
      'CPU target above 100',
      'dev',
      (c) => (cpu(c).targetCpuPercent = 120),
      'dev.serving.modelServers[0].targetCpuPercent: 120 is not allowed; expected a whole number from 1 to 100',
    ],
    [
      'GPU count 0',
      'prod',
      (c) => (gpu(c).gpu.count = 0),
      'prod.serving.modelServers[1].gpu.count: 0 is not allowed; expected a whole number from 1 to 8',
    ],
    [
      'GPU server without a GPU inference node pool',
      'dev',
      (c) => (cpu(c).gpu = { count: 1 }),
      'dev.serving.modelServers[0].gpu: {"count":1} is not allowed; the cluster has no GPU NodePool with workload \'inference\' (add one to cluster.karpenter.nodePools)',
    ],
    [
      'a prod server whose maxReplicas cannot hold the replicas that survive an AZ loss',
      'prod',
      (c) => (gpu(c).maxReplicas = 2),
      'prod.serving.modelServers[1].maxReplicas: 2 is not allowed; prod runs 3 replicas so that 2 survive the loss of one of 3 AZs',
    ],
    [
      'more CPU than the team quota',
      'dev',
      (c) => (cpu(c).maxReplicas = 40),
      "dev.serving.modelServers[0].maxReplicas: 40 is not allowed; 40 pods × 1 CPU exceed team 'credit-risk''s quota of 32 CPU",
    ],
    [
      'more memory than the team quota',
      'dev',
      (c) => (cpu(c).memoryMiB = 131072),
      "dev.serving.modelServers[0].maxReplicas: 2 is not allowed; 2 pods × 131072 MiB exceed team 'credit-risk''s quota of 128 GiB",
    ],
    [
      'more GPUs than the team quota',
      'staging',
      (c) => (gpu(c).gpu.count = 8),
      "staging.serving.modelServers[1].maxReplicas: 2 is not allowed; 2 pods × 8 GPUs exceed team 'fraud''s quota of 8 GPUs",
    ],
    ['no callers', 'dev', (c) => (cpu(c).callers = []), 'dev.serving.modelServers[0].callers: [] is empty; declare at least one caller'],
    [
      'caller namespace that is not a DNS label',
      'dev',
      (c) => (cpu(c).callers[0].namespace = 'Loan_Origination'),
      "dev.serving.modelServers[0].callers[0].namespace: 'Loan_Origination' is not allowed; expected a namespace name",
    ],
    [
      'empty caller pod labels',
      'dev',
      (c) => (cpu(c).callers[0].podLabels = {}),
      'dev.serving.modelServers[0].callers[0].podLabels: {} is empty; leave it out to admit every pod of the namespace',
    ],
    [
      'invalid caller pod label',
      'dev',
      (c) => (cpu(c).callers[0].podLabels = { app: 'scoring api' }),
      "dev.serving.modelServers[0].callers[0].podLabels: 'app=scoring api' is not a valid Kubernetes label",
    ],
  ];

  test.each(cases)('%s', (_title, env, change, message) => {
    // WHEN
    const problems = problemsOf(env, change);
    // THEN
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('a caller without pod labels admits the whole namespace and is valid', () => {
    // THEN
    expect(problemsOf('prod', (c) => (cpu(c).callers = [{ namespace: 'loan-origination' }]))).toEqual([]);
  });

  test('an environment without model servers is valid', () => {
    // THEN
    expect(problemsOf('dev', (c) => (c.serving.modelServers = []))).toEqual([]);
  });
});
