import { Testing } from 'cdk8s';
import { KueueQueuesChart, kueueQueueProblems, type TeamQueue } from '../../k8s/charts/kueue-queues';
import { schemaProblems } from './schema';

const teams: TeamQueue[] = [
  { team: 'risk', gpus: { p5: 16 }, borrowGpus: { p5: 8 }, cpu: 400, memoryGiB: 4096 },
  { team: 'fraud', gpus: { p5: 8 }, cpu: 200, memoryGiB: 2048 },
];
const synth = (t = teams): any[] =>
  new KueueQueuesChart(Testing.app(), 'kueue', {
    environment: 'prod',
    gpuFlavors: [{ name: 'p5', nodePool: 'gpu-training' }],
    teams: t,
  }).toJson();
const find = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

describe('KueueQueuesChart', () => {
  // GIVEN / WHEN
  const objects = synth();

  test('every object validates against the Kueue 0.19 CRDs', () => {
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set(['ResourceFlavor', 'Cohort', 'WorkloadPriorityClass', 'ClusterQueue', 'LocalQueue']),
    );
    for (const o of objects) expect(schemaProblems(o)).toEqual([]);
  });

  test('a GPU flavor steers pods to its NodePool and admits only pods that tolerate the GPU taint', () => {
    expect(find(objects, 'ResourceFlavor', 'p5').spec).toEqual({
      nodeLabels: { 'platform/node-group': 'gpu-training' },
      nodeTaints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
    });
    expect(find(objects, 'ResourceFlavor', 'cpu').spec).toEqual({ nodeLabels: { 'platform/node-kind': 'cpu' } });
  });

  test("a team's ClusterQueue: its GPUs, what it may borrow in the cohort, and preemption", () => {
    const risk = find(objects, 'ClusterQueue', 'risk').spec;
    expect(risk.cohortName).toBe('platform');
    expect(risk.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'risk' } });
    expect(risk.preemption).toEqual({
      reclaimWithinCohort: 'Any',
      borrowWithinCohort: { policy: 'LowerPriority', maxPriorityThreshold: 100 },
      withinClusterQueue: 'LowerPriority',
    });
    const [group] = risk.resourceGroups;
    expect(group.coveredResources).toEqual(['cpu', 'memory', 'nvidia.com/gpu']);
    expect(group.flavors.map((f: any) => f.name)).toEqual(['p5', 'cpu']);
    expect(group.flavors[0].resources[2]).toEqual({ name: 'nvidia.com/gpu', nominalQuota: 16, borrowingLimit: 8 });
    expect(group.flavors[1].resources[2]).toEqual({ name: 'nvidia.com/gpu', nominalQuota: 0 });
    expect(find(objects, 'ClusterQueue', 'fraud').spec.resourceGroups[0].flavors[0].resources[2]).toEqual({
      name: 'nvidia.com/gpu',
      nominalQuota: 8,
    });
  });

  test("each team gets the LocalQueue 'default' in its namespace", () => {
    const queues = objects.filter((o) => o.kind === 'LocalQueue');
    expect(queues.map((q) => [q.metadata.namespace, q.metadata.name, q.spec.clusterQueue])).toEqual([
      ['risk', 'default', 'risk'],
      ['fraud', 'default', 'fraud'],
    ]);
  });

  test('problems name the team, the field and the value', () => {
    expect(
      kueueQueueProblems(
        'prod.compute.kueue',
        [{ name: 'p5', nodePool: 'x' }],
        [{ team: 'risk', gpus: { p4: 8, p5: -1 }, cpu: 1, memoryGiB: 1 }],
      ),
    ).toEqual([
      "prod.compute.kueue.teams[risk].gpus: flavor 'p4' is not a GPU flavor; expected one of p5",
      'prod.compute.kueue.teams[risk].gpus.p5: -1 is not a whole number >= 0',
    ]);
    expect(() => synth([{ team: 'risk', gpus: { nope: 1 }, cpu: 1, memoryGiB: 1 }])).toThrow(/flavor 'nope' is not a GPU flavor/);
  });
});
