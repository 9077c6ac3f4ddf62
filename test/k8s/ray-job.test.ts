import { Testing } from 'cdk8s';
import { RayOperatorAccess } from '../../k8s/charts/ray-operator-access';
import { RayJobTemplateChart, type RayJobTemplateProps } from '../../k8s/charts/templates/ray-job';
import { podSecurityProblems } from './pod-security';
import { schemaProblems } from './schema';

const synth = (p: Partial<RayJobTemplateProps> = {}): any[] =>
  new RayJobTemplateChart(Testing.app(), 'rl', {
    team: 'risk',
    environment: 'dev',
    checkpointUri: 's3://features-bucket/teams/risk/rl/',
    ...p,
  }).toJson();
const rayJob = (objs: any[]) => objs.find((o) => o.kind === 'RayJob');

describe('RayJobTemplateChart (RLlib PPO)', () => {
  test('the RayJob and its script ConfigMap validate; every pod passes restricted', () => {
    // GIVEN / WHEN
    const objects = synth();
    // THEN
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'RayJob']);
    for (const o of objects) {
      expect(schemaProblems(o)).toEqual([]);
      expect(podSecurityProblems(o)).toEqual([]);
    }
  });

  test('queued through Kueue by default: gang admission needs a fixed size, so no autoscaling', () => {
    const job = rayJob(synth());
    expect(job.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'experiment' });
    expect(job.spec).toMatchObject({
      submissionMode: 'HTTPMode',
      shutdownAfterJobFinishes: true,
      entrypoint: 'python /home/ray/job/ppo_cartpole.py',
    });
    expect(job.spec.rayClusterSpec.enableInTreeAutoscaling).toBe(false);
    const [learners, runners] = job.spec.rayClusterSpec.workerGroupSpecs;
    expect([learners.minReplicas, learners.replicas, learners.maxReplicas]).toEqual([1, 1, 1]);
    expect([runners.minReplicas, runners.replicas, runners.maxReplicas]).toEqual([2, 2, 2]);
    expect(learners.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(runners.template.spec.nodeSelector).toEqual({ 'platform/node-kind': 'cpu' });
  });

  test('not queued: worker groups autoscale and the restricted autoscaler sidecar gets the head token', () => {
    // WHEN
    const job = rayJob(synth({ queue: false, maxWorkers: { gpuWorkers: 4, cpuWorkers: 8 } }));
    // THEN
    expect(job.metadata.labels?.['kueue.x-k8s.io/queue-name']).toBeUndefined();
    const cluster = job.spec.rayClusterSpec;
    expect(cluster.enableInTreeAutoscaling).toBe(true);
    expect(cluster.autoscalerOptions.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(cluster.headGroupSpec.template.spec.automountServiceAccountToken).toBe(true);
    expect(cluster.workerGroupSpecs.map((g: any) => [g.minReplicas, g.maxReplicas])).toEqual([
      [0, 4],
      [0, 8],
    ]);
    expect(schemaProblems(job)).toEqual([]);
  });

  test('the script is RLlib PPO writing checkpoints to the given S3 prefix', () => {
    const [script, job] = synth();
    expect(script.data['ppo_cartpole.py']).toMatch(/from ray\.rllib\.algorithms\.ppo import PPOConfig/);
    expect(job.spec.rayClusterSpec.headGroupSpec.template.spec.containers[0].env).toContainEqual({
      name: 'CHECKPOINT_URI',
      value: 's3://features-bucket/teams/risk/rl/',
    });
  });

  test('rejects autoscaling a queued job and a checkpoint URI that is not an S3 prefix', () => {
    expect(() => synth({ maxWorkers: { gpuWorkers: 2, cpuWorkers: 2 } })).toThrow(/maxWorkers needs queue: false/);
    expect(() => synth({ checkpointUri: '/tmp/x' })).toThrow(/checkpointUri must be an S3 prefix ending in '\/'.*got '\/tmp\/x'/);
  });
});

describe('RayOperatorAccess', () => {
  test('admits only the KubeRay operator to the Ray heads, on the dashboard and GCS ports', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new RayOperatorAccess(chart, 'Access', { namespace: 'risk' });
    const [policy] = Testing.synth(chart);
    // THEN
    expect(schemaProblems(policy)).toEqual([]);
    expect(policy.metadata).toMatchObject({ name: 'allow-kuberay-operator', namespace: 'risk' });
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'ray.io/node-type': 'head' } });
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kuberay-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kuberay-operator' } },
          },
        ],
        ports: [
          { protocol: 'TCP', port: 8265 },
          { protocol: 'TCP', port: 6379 },
        ],
      },
    ]);
  });
});
