import { Testing } from 'cdk8s';
import { RayServiceTemplateChart, type RayServiceTemplateProps } from '../../k8s/charts/templates/ray-service';
import { podSecurityProblems } from './pod-security';
import { schemaProblems } from './schema';

const application = {
  name: 'policy',
  importPath: 'serve_app:app',
  workingDir: 's3://features-bucket/teams/risk/serve/app.zip',
  deployment: 'Policy',
  replicas: { min: 2, max: 8 },
};
const synth = (p: Partial<RayServiceTemplateProps> = {}): any[] =>
  new RayServiceTemplateChart(Testing.app(), 'serve', { team: 'risk', environment: 'dev', application, ...p }).toJson();

describe('RayServiceTemplateChart', () => {
  // GIVEN / WHEN
  const [service, pdb] = synth();

  test('the RayService and its PDB validate; every pod (and the autoscaler sidecar) passes restricted', () => {
    expect([service.kind, pdb.kind]).toEqual(['RayService', 'PodDisruptionBudget']);
    expect(schemaProblems(service)).toEqual([]);
    expect(schemaProblems(pdb)).toEqual([]);
    expect(podSecurityProblems(service)).toEqual([]);
    expect(service.spec.rayClusterConfig.autoscalerOptions.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
    });
  });

  test('Serve replicas autoscale on ongoing requests; Ray workers autoscale and spread across zones', () => {
    const serve = JSON.parse(service.spec.serveConfigV2);
    expect(serve.applications[0].deployments[0]).toMatchObject({
      name: 'Policy',
      autoscaling_config: { min_replicas: 2, max_replicas: 8, target_ongoing_requests: 2 },
      max_queued_requests: 100,
      ray_actor_options: { num_gpus: 1 },
    });
    const cluster = service.spec.rayClusterConfig;
    expect(cluster.enableInTreeAutoscaling).toBe(true);
    const [workers] = cluster.workerGroupSpecs;
    expect([workers.minReplicas, workers.maxReplicas]).toEqual([1, 4]);
    expect(workers.template.spec.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      nodeTaintsPolicy: 'Honor',
    });
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'platform/ray-service': 'risk-serve' } } });
  });

  test('rejects bad sizes and code that is not a zip in S3', () => {
    expect(() => synth({ workers: { min: 3, max: 2 } })).toThrow(/workers must satisfy 0 <= min <= max.*got 3 and 2/);
    expect(() => synth({ application: { ...application, workingDir: 'https://x/app.zip' } })).toThrow(/workingDir must be a zip in S3/);
  });
});
