import { validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one committed environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

/** Index of the first model server with a GPU in an environment. */
const gpuServer = (c: any): number => c.serving.modelServers.findIndex((s: any) => s.gpu);

describe('config values are checked against what AWS offers (lib/catalog)', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    [
      'an AZ letter the region lacks',
      'prod',
      (c) => (c.availabilityZones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1d']),
      "prod.availabilityZones[2]: 'eu-west-1d' is not an AZ eu-west-1 offers; expected one of eu-west-1a, eu-west-1b, eu-west-1c",
    ],
    [
      'a Kafka version MSK does not have',
      'staging',
      (c) => (c.streaming.kafkaVersion = '3.7.1'),
      "staging.streaming.kafkaVersion: '3.7.1' is not a Kafka version MSK AWS offers; expected one of",
    ],
    [
      'an EMR release before EMR Serverless existed',
      'dev',
      (c) => (c.spark.releaseLabel = 'emr-6.5.0'),
      "dev.spark.releaseLabel: 'emr-6.5.0' is not an EMR Serverless release; EMR Serverless offers emr-6.6.0 to emr-7.14.0",
    ],
    [
      'an ElastiCache size no family has',
      'prod',
      (c) => (c.featureStore.nodeType = 'cache.r7g.3xlarge'),
      "prod.featureStore.nodeType: 'cache.r7g.3xlarge' is not an ElastiCache node type AWS offers; expected one of cache.r7g.large",
    ],
    [
      'an EC2 size no family has',
      'dev',
      (c) => (c.cluster.nodeGroups[0].instanceTypes = ['m7i.3xlarge']),
      "dev.cluster.nodeGroups[0].instanceTypes[0]: 'm7i.3xlarge' is not an EC2 instance type; m7i comes in",
    ],
    [
      'a SageMaker type written short',
      'prod',
      (c) => (c.serving.endpoints[0].instanceType = 'ml.c5.2xl'),
      "prod.serving.endpoints[0].instanceType: 'ml.c5.2xl' is not a SageMaker instance type AWS offers; expected one of ml.c5.",
    ],
    [
      'Spot for GPU inference in prod',
      'prod',
      (c) => (c.cluster.karpenter.nodePools.find((pool: any) => pool.workload === 'inference').capacityTypes = ['spot', 'on-demand']),
      'prod.cluster.karpenter.nodePools[2].capacityTypes: ["spot","on-demand"] is not allowed; prod GPU pools do not use Spot',
    ],
    [
      'a team GPU quota the cluster can never supply',
      'dev',
      (c) => (c.cluster.teams[0].quota.gpus = 100),
      'dev.cluster.teams[0].quota.gpus: 100 is more than the cluster can ever supply (4 GPUs: GPU node groups at maxSize and GPU NodePools at their limits)',
    ],
    [
      'a team CPU quota the cluster can never supply',
      'dev',
      (c) => (c.cluster.teams[1].quota.cpu = 5000),
      'dev.cluster.teams[1].quota.cpu: 5000 is more than the cluster can ever supply',
    ],
    [
      'a model server asking for more GPUs than any inference node has',
      'prod',
      (c) => (c.serving.modelServers[gpuServer(c)].gpu.count = 9),
      'gpu.count: 9 is more than any GPU inference node offers (at most 8 GPUs per node); no pod of it could be scheduled',
    ],
  ];

  test.each(cases)('%s', (_title, env, change, message) => {
    // GIVEN: one committed environment with one change
    // WHEN
    const problems = problemsOf(env, change);
    // THEN: one clear line naming environment, field, value and what is allowed
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('the committed environments pass', () => {
    // GIVEN / WHEN / THEN
    for (const env of ['dev', 'staging', 'prod'] as const) expect(problemsOf(env, () => {})).toEqual([]);
  });
});
