import { App, Testing } from 'cdk8s';
import { addPlatformCharts, addServingCharts, addTemplateCharts } from '../../lib/compute/charts';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../../lib/config';
import { podSecurityProblems } from '../k8s/pod-security';
import { schemaProblems } from '../k8s/schema';

/** Every manifest `npm run synth:k8s` writes for one environment. */
function manifestsOf(env: (typeof ENVIRONMENT_NAMES)[number]): any[] {
  const app = Testing.app();
  addPlatformCharts(app, ENVIRONMENTS[env]);
  addTemplateCharts(app, ENVIRONMENTS[env]);
  addServingCharts(app, ENVIRONMENTS[env], { featureStorePort: 6380 });
  return app.charts.flatMap((chart) => chart.toJson());
}

describe.each(ENVIRONMENT_NAMES)('%s manifests', (env) => {
  const manifests = manifestsOf(env);

  test('every manifest passes schema validation', () => {
    // THEN: one line per invalid object, so a failure says which object and field.
    const problems = manifests.flatMap((m) => schemaProblems(m).map((p) => `${m.kind}/${m.metadata?.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  test("one namespace with a GPU quota per configured team (and the GPU exporters' where Prometheus is on)", () => {
    // GIVEN
    const namespaces = manifests.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name);
    // THEN
    const exporters = ENVIRONMENTS[env].observability.prometheus.enabled ? ['gpu-monitoring'] : [];
    expect(namespaces.sort()).toEqual([...ENVIRONMENTS[env].cluster.teams.map((t) => t.name), ...exporters].sort());
    for (const team of ENVIRONMENTS[env].cluster.teams) {
      const quota = manifests.find((m) => m.kind === 'ResourceQuota' && m.metadata.namespace === team.name);
      expect(quota.spec.hard['requests.nvidia.com/gpu']).toBe(`${team.quota.gpus}`);
    }
  });

  test('every object carries the platform labels of its environment', () => {
    // THEN
    for (const m of manifests) {
      expect(m.metadata.labels).toMatchObject({ 'platform/env': env, 'app.kubernetes.io/part-of': 'ml-platform' });
    }
  });

  test('contains the distributed PyTorch runtime, Kueue queues and the templates (RayCluster, TrainJob, RayJob, RayService, vLLM)', () => {
    // THEN
    expect(manifests.map((m) => m.kind)).toEqual(
      expect.arrayContaining([
        'ClusterTrainingRuntime',
        'ClusterQueue',
        'LocalQueue',
        'RayCluster',
        'TrainJob',
        'RayJob',
        'RayService',
        'ScaledObject',
      ]),
    );
  });

  test('every pod passes Pod Security restricted (team namespaces enforce it)', () => {
    expect(manifests.flatMap((m) => podSecurityProblems(m))).toEqual([]);
  });

  test('contains a model server (Deployment, Service, HPA) per configured server', () => {
    // GIVEN
    // (the LLM templates, `<team>-llm`, are Deployments too)
    const deployments = manifests.filter((m) => m.kind === 'Deployment' && !m.metadata.name.endsWith('-llm')).map((m) => m.metadata.name);
    // THEN
    expect(deployments.sort()).toEqual(ENVIRONMENTS[env].serving.modelServers.map((s) => s.name).sort());
  });
});

test("each team's tenancy chart is found by the team's name and holds that team's namespace", () => {
  // GIVEN
  const config = ENVIRONMENTS.prod;
  // WHEN
  const charts = addPlatformCharts(Testing.app(), config);
  // THEN
  expect(Object.keys(charts.tenancy)).toEqual(config.cluster.teams.map((t) => t.name));
  for (const team of config.cluster.teams) {
    const namespace = charts.tenancy[team.name].toJson().find((m: any) => m.kind === 'Namespace');
    expect(namespace.metadata.name).toBe(team.name);
  }
});

test('platform charts and template charts are separate (the cluster gets no workloads)', () => {
  // GIVEN
  const app = new App();
  // WHEN
  const charts = addPlatformCharts(app, ENVIRONMENTS.dev);
  // THEN
  const kinds = [charts.runtimes, ...Object.values(charts.tenancy)].flatMap((c) => c.toJson().map((m: any) => m.kind));
  expect(kinds).not.toContain('RayCluster');
  expect(kinds).not.toContain('TrainJob');
});
