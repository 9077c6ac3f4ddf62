import { Testing } from 'cdk8s';
import {
  type KarpenterNodeClassOptions,
  type KarpenterNodePoolOptions,
  KarpenterNodePoolsChart,
  karpenterNodePoolProblems,
} from '../../k8s/charts/karpenter-node-pools';
import { schemaProblems } from './schema';

const nodeClass = (o: Partial<KarpenterNodeClassOptions> = {}): KarpenterNodeClassOptions => ({
  name: 'default',
  instanceProfile: 'prod-ml-platform-karpenter-nodes',
  amiAlias: 'al2023@v20251120',
  subnetIds: ['subnet-a', 'subnet-b', 'subnet-c'],
  securityGroupIds: ['sg-1'],
  volumeSizeGiB: 100,
  volumeKmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/abc',
  ...o,
});
const training = nodeClass({
  name: 'training-efa',
  subnetIds: ['subnet-a'],
  volumeSizeGiB: 500,
  placementGroupName: 'prod-training',
  capacityReservationIds: ['cr-0123456789abcdef0'],
  instanceStoreRaid0: true,
});
const pools: KarpenterNodePoolOptions[] = [
  {
    name: 'cpu',
    nodeClass: 'default',
    workload: 'general',
    gpu: false,
    instanceFamilies: ['m7i', 'c7i'],
    capacityTypes: ['on-demand', 'spot'],
    limits: { cpu: 256, memoryGiB: 1024 },
  },
  {
    name: 'gpu-inference',
    nodeClass: 'default',
    workload: 'inference',
    gpu: true,
    instanceFamilies: ['g6', 'g6e'],
    capacityTypes: ['on-demand'],
    limits: { cpu: 512, memoryGiB: 2048, gpus: 16 },
  },
  {
    name: 'gpu-training',
    nodeClass: 'training-efa',
    workload: 'training',
    gpu: true,
    instanceTypes: ['p5.48xlarge'],
    capacityTypes: ['reserved', 'on-demand'],
    zones: ['eu-west-1a'],
    limits: { cpu: 384, memoryGiB: 4096, gpus: 16 },
  },
];
const synth = (classes = [nodeClass(), training], p = pools): any[] =>
  new KarpenterNodePoolsChart(Testing.app(), 'karpenter', {
    environment: 'prod',
    clusterName: 'prod-ml-platform',
    nodeClasses: classes,
    nodePools: p,
  }).toJson();
const byName = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

describe('KarpenterNodePoolsChart', () => {
  // GIVEN / WHEN
  const objects = synth();

  test('every NodePool and EC2NodeClass validates against the Karpenter 1.14 CRDs', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(['EC2NodeClass', 'EC2NodeClass', 'NodePool', 'NodePool', 'NodePool']);
    for (const o of objects) expect(schemaProblems(o)).toEqual([]);
  });

  test('node classes: pinned AL2023 alias, IMDSv2 with hop limit 1, encrypted gp3 root volume, no public IP', () => {
    const spec = byName(objects, 'EC2NodeClass', 'default').spec;
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20251120' }]);
    expect(spec.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 });
    expect(spec.blockDeviceMappings[0].ebs).toMatchObject({
      encrypted: true,
      volumeType: 'gp3',
      // the CRD field is kmsKeyID
      kmsKeyID: 'arn:aws:kms:eu-west-1:111111111111:key/abc',
    });
    expect(spec.associatePublicIPAddress).toBe(false);
    expect(spec.instanceProfile).toBe('prod-ml-platform-karpenter-nodes');
  });

  test('the training class: one subnet, cluster placement group, capacity reservation, RAID0 instance store', () => {
    const spec = byName(objects, 'EC2NodeClass', 'training-efa').spec;
    expect(spec.subnetSelectorTerms).toEqual([{ id: 'subnet-a' }]);
    expect(spec.placementGroupSelector).toEqual({ name: 'prod-training' });
    expect(spec.capacityReservationSelectorTerms).toEqual([{ id: 'cr-0123456789abcdef0' }]);
    expect(spec.instanceStorePolicy).toBe('RAID0');
  });

  test('pools carry the platform node labels; GPU pools the GPU taint and a GPU limit', () => {
    const gpu = byName(objects, 'NodePool', 'gpu-inference').spec;
    expect(gpu.template.metadata.labels).toEqual({
      'platform/node-kind': 'gpu',
      'platform/workload': 'inference',
      'platform/node-group': 'gpu-inference',
      'nvidia.com/gpu.present': 'true',
    });
    expect(gpu.template.spec.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(gpu.limits['nvidia.com/gpu']).toBe(16);
    expect(byName(objects, 'NodePool', 'cpu').spec.template.spec.taints).toBeUndefined();
  });

  test('consolidation: CPU and inference pools repack; the training pool only removes empty nodes and never expires', () => {
    expect(byName(objects, 'NodePool', 'cpu').spec.disruption).toMatchObject({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '5m',
    });
    const trainingPool = byName(objects, 'NodePool', 'gpu-training').spec;
    expect(trainingPool.disruption).toMatchObject({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '15m' });
    expect(trainingPool.template.spec.expireAfter).toBe('Never');
    expect(trainingPool.template.spec.requirements).toEqual(
      expect.arrayContaining([
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['reserved', 'on-demand'] },
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['p5.48xlarge'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-west-1a'] },
      ]),
    );
  });

  test('problems name the field, the value and what is allowed', () => {
    // GIVEN
    const bad = karpenterNodePoolProblems(
      'prod.compute.karpenter',
      [nodeClass({ amiAlias: 'al2023@latest' }), nodeClass({ name: 'pg', placementGroupName: 'x' })],
      [
        { ...pools[0], instanceFamilies: ['g6'] },
        { ...pools[1], name: 'gpu-inference', capacityTypes: ['reserved'] },
        { ...pools[2], nodeClass: 'missing', consolidationPolicy: 'WhenEmptyOrUnderutilized' },
        { ...pools[1], name: 'gpu-x', limits: { cpu: 1, memoryGiB: 1 } },
      ],
    );
    // THEN
    expect(bad).toEqual([
      "prod.compute.karpenter.nodeClasses[default].amiAlias: 'al2023@latest' is not allowed; pin an AL2023 release like 'al2023@v20251120' (never @latest)",
      'prod.compute.karpenter.nodeClasses[pg].subnetIds: 3 subnets with a cluster placement group; a placement group lives in one AZ, give one subnet',
      "prod.compute.karpenter.nodePools[cpu]: instance family 'g6' is a GPU family; a CPU pool cannot use it",
      "prod.compute.karpenter.nodePools[gpu-inference].capacityTypes: 'reserved' needs capacityReservationIds on node class 'default' (none given)",
      "prod.compute.karpenter.nodePools[gpu-training].nodeClass: 'missing' is not a node class; expected one of default, pg",
      "prod.compute.karpenter.nodePools[gpu-training].consolidationPolicy: 'WhenEmptyOrUnderutilized' would move running training jobs; a training pool uses 'WhenEmpty'",
      'prod.compute.karpenter.nodePools[gpu-x].limits.gpus: undefined is not allowed; a GPU pool caps its GPUs with a whole number >= 1',
    ]);
    // WHEN the chart is given a bad layout, THEN it throws the first problem
    expect(() => synth([nodeClass()], [{ ...pools[0], workload: 'training' }])).toThrow(/workload: 'training' needs gpu: true/);
  });
});
