import { Match } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdk8s';
import { addTemplateCharts } from '../../lib/compute/charts';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../../lib/config';
import { podSecurityProblems } from '../k8s/pod-security';
import { asDeployed, schemaProblems } from '../k8s/schema';
import { template } from '../util';

/** A manifest property as text (CloudFormation references rendered as `<ref>`). */
function manifestText(manifest: any): string {
  if (typeof manifest === 'string') return manifest;
  const [separator, parts] = manifest['Fn::Join'];
  return parts.map((part: unknown) => (typeof part === 'string' ? part : '<ref>')).join(separator);
}

/** Every Kubernetes object the stack applies through the kubectl provider. */
function applied(env: (typeof ENVIRONMENT_NAMES)[number]): any[] {
  return Object.values(template(env, 'Compute').findResources('Custom::AWSCDK-EKS-KubernetesResource')).flatMap((r: any) =>
    JSON.parse(manifestText(r.Properties.Manifest)),
  );
}

const charts = (env: (typeof ENVIRONMENT_NAMES)[number]): any[] =>
  Object.values(template(env, 'Compute').findResources('Custom::AWSCDK-EKS-HelmChart')).map((r: any) => r.Properties);

describe.each(ENVIRONMENT_NAMES)('%s Compute: GPU training and serving at scale', (env) => {
  // GIVEN / WHEN
  const objects = applied(env);
  const config = ENVIRONMENTS[env];

  test('Karpenter, not the Cluster Autoscaler; only the system group is a managed node group', () => {
    const names = charts(env).map((c) => c.Chart);
    expect(names).toEqual(expect.arrayContaining(['karpenter-crd', 'karpenter', 'kueue', 'keda']));
    expect(names).not.toContain('cluster-autoscaler');
    const groups = Object.values(template(env, 'Compute').findResources('AWS::EKS::Nodegroup')) as any[];
    expect(groups.map((g) => g.Properties.Labels['platform/workload'])).toEqual(['system']);
    template(env, 'Compute').resourceCountIs('AWS::Events::Rule', 4);
  });

  test('one NodePool per configured pool, each with its EC2NodeClass; every applied object validates against its schema', () => {
    const pools = objects.filter((o) => o.kind === 'NodePool');
    expect(pools.map((p) => p.metadata.name)).toEqual(config.cluster.karpenter.nodePools.map((p) => p.name));
    expect(objects.filter((o) => o.kind === 'EC2NodeClass')).toHaveLength(pools.length);
    for (const o of objects) expect(schemaProblems(asDeployed(o))).toEqual([]);
  });

  test('team namespaces enforce Pod Security restricted, and every pod the platform applies passes it', () => {
    for (const t of config.cluster.teams) {
      const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === t.name);
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(
        objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === t.name && o.metadata.name === 'allow-kuberay-operator'),
      ).toBeDefined();
    }
    for (const o of objects) expect(podSecurityProblems(o)).toEqual([]);
  });

  test("Kueue: a ClusterQueue per team with its GPUs in the cohort, and the team's LocalQueue", () => {
    for (const t of config.cluster.teams) {
      const cq = objects.find((o) => o.kind === 'ClusterQueue' && o.metadata.name === t.name);
      expect(cq.spec.cohortName).toBe('platform');
      const gpu = cq.spec.resourceGroups[0].flavors[0].resources.find((r: any) => r.name === 'nvidia.com/gpu');
      const pool = Object.keys(t.queue.gpus)[0];
      expect(gpu.nominalQuota).toBe(t.queue.gpus[pool]);
      expect(objects.find((o) => o.kind === 'LocalQueue' && o.metadata.namespace === t.name)).toBeDefined();
    }
  });

  test('GPU model servers spread across zones honouring node taints (a lost zone does not block replacements)', () => {
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      expect(d.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({
        topologyKey: 'topology.kubernetes.io/zone',
        nodeTaintsPolicy: 'Honor',
      });
    }
  });
});

describe('prod: EFA training', () => {
  const prod = template('prod', 'Compute');
  const objects = applied('prod');
  const efa = ENVIRONMENTS.prod.cluster.efaTraining!;

  test('the training pool: p5 in one zone, a cluster placement group, reserved capacity first, RAID0 instance store', () => {
    prod.hasResourceProperties('AWS::EC2::PlacementGroup', { Strategy: 'cluster' });
    const pool = objects.find((o) => o.kind === 'NodePool' && o.metadata.name === efa.nodePool);
    expect(pool.spec.template.spec.requirements).toEqual(
      expect.arrayContaining([
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: [efa.zone] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['reserved', 'on-demand'] },
      ]),
    );
    const nodeClass = objects.find((o) => o.kind === 'EC2NodeClass' && o.metadata.name === efa.nodePool);
    expect(nodeClass.spec.subnetSelectorTerms).toHaveLength(1);
    expect(nodeClass.spec.capacityReservationSelectorTerms).toEqual(efa.capacityReservationIds.map((id) => ({ id })));
    expect(nodeClass.spec.instanceStorePolicy).toBe('RAID0');
    expect(nodeClass.spec.placementGroupSelector.name).toBe('<ref>');
  });

  test('the EFA device plugin and the FSx CSI driver; an FSx for Lustre file system per training team, linked to its prefixes', () => {
    expect(charts('prod').map((c) => c.Chart)).toEqual(expect.arrayContaining(['aws-efa-k8s-device-plugin', 'aws-fsx-csi-driver']));
    const teams = ENVIRONMENTS.prod.cluster.teams.filter((t) => (t.queue.gpus[efa.nodePool] ?? 0) > 0);
    prod.resourceCountIs('AWS::FSx::FileSystem', teams.length);
    prod.resourceCountIs('AWS::FSx::DataRepositoryAssociation', teams.length * 2);
    prod.hasResource('AWS::FSx::FileSystem', {
      DeletionPolicy: 'Retain',
      Properties: { LustreConfiguration: Match.objectLike({ DeploymentType: 'PERSISTENT_2' }) },
    });
    for (const t of teams) {
      expect(
        objects.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.namespace === t.name && o.metadata.name === 'training-data'),
      ).toBeDefined();
    }
  });

  test('the EFA runtime requests the EFA interfaces and mounts the training data', () => {
    const runtime = objects.find((o) => o.kind === 'ClusterTrainingRuntime' && o.metadata.name === 'platform-torch-efa');
    const pod = runtime.spec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.containers[0].resources.limits['vpc.amazonaws.com/efa']).toBe(`${efa.efaInterfacesPerNode}`);
    expect(pod.volumes).toContainEqual({ name: 'training-data', persistentVolumeClaim: { claimName: 'training-data' } });
  });

  test("the 2-node x 8-GPU template job fits each training team's queue (own + borrowed) and namespace quota", () => {
    // GIVEN: the TrainJob template prod ships to each team
    const app = Testing.app();
    const jobs = addTemplateCharts(app, ENVIRONMENTS.prod)
      .flatMap((c) => c.toJson())
      .filter((o: any) => o.kind === 'TrainJob');
    for (const job of jobs) {
      const team = ENVIRONMENTS.prod.cluster.teams.find((t) => t.name === job.metadata.namespace)!;
      const { numNodes, resourcesPerNode } = job.spec.trainer;
      const gpus = numNodes * Number(resourcesPerNode.requests['nvidia.com/gpu']);
      const cpu = numNodes * Number(resourcesPerNode.requests.cpu);
      const memoryGiB = numNodes * Number.parseInt(resourcesPerNode.requests.memory, 10);
      // THEN
      expect(gpus).toBe(16);
      expect(gpus).toBeLessThanOrEqual((team.queue.gpus[efa.nodePool] ?? 0) + (team.queue.borrowGpus[efa.nodePool] ?? 0));
      expect(gpus).toBeLessThanOrEqual(team.quota.gpus);
      expect(cpu).toBeLessThanOrEqual(team.quota.cpu);
      expect(memoryGiB).toBeLessThanOrEqual(team.quota.memoryGiB);
    }
  });

  test('dev and staging have no EFA training', () => {
    for (const env of ['dev', 'staging'] as const) {
      template(env, 'Compute').resourceCountIs('AWS::FSx::FileSystem', 0);
      template(env, 'Compute').resourceCountIs('AWS::EC2::PlacementGroup', 0);
    }
  });
});
