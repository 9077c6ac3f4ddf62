import { Duration, Testing } from 'cdk8s';
import { GPU_INFERENCE_NODE_SELECTOR, ModelServingChart, type ModelServingProps } from '../../k8s/charts/model-serving';
import { addPlatformCharts, addServingCharts, modelServingProps, SERVING_CONFIG_MAP, servingConfigMap } from '../../lib/compute/charts';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../../lib/config';
import { schemaProblems } from './schema';

const BASE: ModelServingProps = {
  name: 'risk-server',
  team: 'risk',
  environment: 'prod',
  region: 'eu-west-1',
  image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/risk-server:1.0.0',
  modelUri: 's3://models-bucket/risk/1.0.0/',
  cpu: 2,
  memoryMiB: 4096,
  replicas: { min: 3, max: 9 },
  callers: [{ namespace: 'loan-origination', podLabels: { app: 'scoring-api' } }, { namespace: 'risk-batch' }],
};

function synth(change: Partial<ModelServingProps> = {}): any[] {
  return Testing.synth(new ModelServingChart(Testing.app(), 'server', { ...BASE, ...change }));
}
const kind = (manifests: any[], k: string) => manifests.find((m) => m.kind === k);
const podSpec = (manifests: any[]) => kind(manifests, 'Deployment').spec.template.spec;

describe('ModelServingChart', () => {
  const manifests = synth();
  const pod = podSpec(manifests);

  test('creates the server objects in the team namespace, with the platform labels', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      ['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount'].sort(),
    );
    for (const m of manifests) {
      expect(m.metadata).toMatchObject({ name: 'risk-server', namespace: 'risk' });
      expect(m.metadata.labels).toMatchObject({
        'app.kubernetes.io/part-of': 'ml-platform',
        'app.kubernetes.io/component': 'model-serving',
        'app.kubernetes.io/name': 'risk-server',
        'platform/env': 'prod',
        'platform/team': 'risk',
      });
    }
  });

  test('every container runs with the restricted pod security settings', () => {
    const containers = [...pod.containers, ...(pod.initContainers ?? [])];
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext.privileged).toBe(false);
      expect(c.securityContext.capabilities.add).toBeUndefined();
    }
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.hostNetwork).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('the read-only root filesystem gets emptyDirs for /tmp and the model cache', () => {
    const mounts = pod.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/mnt/models']));
    for (const v of pod.volumes) expect(v.emptyDir.sizeLimit).toBeDefined();
  });

  test('requests equal limits (Guaranteed QoS) from cpu and memoryMiB', () => {
    const { resources } = pod.containers[0];
    expect(resources).toEqual({ requests: { cpu: '2000m', memory: '4096Mi' }, limits: { cpu: '2000m', memory: '4096Mi' } });
  });

  test('model URI and port reach the server as environment variables', () => {
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ MODEL_URI: 's3://models-bucket/risk/1.0.0/', PORT: '8080', MODEL_DIR: '/mnt/models' });
    expect(pod.containers[0].ports).toEqual([{ name: 'http', containerPort: 8080 }]);
  });

  test('variables from ConfigMaps come before MODEL_URI, which may reference them', () => {
    const m = synth({
      modelUri: 's3://$(MODELS_BUCKET)/risk/1.0.0/',
      configMapEnv: {
        MODELS_BUCKET: { configMap: 'ml-platform-serving', key: 'models-bucket' },
        FEATURE_STORE_ENDPOINT: { configMap: 'ml-platform-serving', key: 'feature-store-endpoint', optional: true },
      },
    });
    const names = podSpec(m).containers[0].env.map((e: any) => e.name);
    expect(names.indexOf('MODELS_BUCKET')).toBeLessThan(names.indexOf('MODEL_URI'));
    const env = podSpec(m).containers[0].env;
    expect(env[0].valueFrom).toEqual({ configMapKeyRef: { name: 'ml-platform-serving', key: 'models-bucket', optional: false } });
    expect(env[1].valueFrom).toEqual({ configMapKeyRef: { name: 'ml-platform-serving', key: 'feature-store-endpoint', optional: true } });
  });

  test('readiness, liveness and startup probes on the serving port; startup covers model loading', () => {
    const c = pod.containers[0];
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/v2/health/ready', port: 8080 });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/v2/health/live', port: 8080 });
    expect(c.startupProbe.httpGet).toMatchObject({ path: '/v2/health/live', port: 8080 });
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(600);
    const custom = podSpec(synth({ healthPaths: { readiness: '/ready', liveness: '/live' }, startupTimeout: Duration.minutes(2) }))
      .containers[0];
    expect(custom.readinessProbe.httpGet.path).toBe('/ready');
    expect(custom.startupProbe.failureThreshold * custom.startupProbe.periodSeconds).toBe(120);
  });

  test('pods spread evenly across zones (required) and nodes (preferred)', () => {
    const selector = { matchLabels: { 'app.kubernetes.io/name': 'risk-server', 'app.kubernetes.io/instance': 'risk-server' } };
    expect(pod.topologySpreadConstraints).toEqual([
      expect.objectContaining({
        topologyKey: 'topology.kubernetes.io/zone',
        maxSkew: 1,
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: selector,
      }),
      expect.objectContaining({
        topologyKey: 'kubernetes.io/hostname',
        maxSkew: 1,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: selector,
      }),
    ]);
    expect(kind(manifests, 'Deployment').spec.template.metadata.labels).toMatchObject(selector.matchLabels);
  });

  test('the HPA owns the replica count: the Deployment sets none', () => {
    const deployment = kind(manifests, 'Deployment');
    expect(deployment.spec.replicas).toBeUndefined();
    expect(kind(manifests, 'HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 9,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'risk-server' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: 0 });
  });

  test('the HPA can follow a custom per-pod metric with or without CPU', () => {
    const both = kind(synth({ targetCpuPercent: 60, podsMetric: { name: 'inference_rps', averageValue: 50 } }), 'HorizontalPodAutoscaler');
    expect(both.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Pods', pods: { metric: { name: 'inference_rps' }, target: { type: 'AverageValue', averageValue: 50 } } },
    ]);
    const only = kind(synth({ podsMetric: { name: 'inference_rps', averageValue: 50 } }), 'HorizontalPodAutoscaler');
    expect(only.spec.metrics.map((m: any) => m.type)).toEqual(['Pods']);
  });

  test('a PodDisruptionBudget lets one server pod go at a time', () => {
    expect(kind(manifests, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'risk-server', 'app.kubernetes.io/instance': 'risk-server' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('the Service is a ClusterIP on the serving port, selecting the server pods', () => {
    expect(kind(manifests, 'Service').spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: 'http', port: 8080, targetPort: 8080 }],
      selector: { 'app.kubernetes.io/name': 'risk-server', 'app.kubernetes.io/instance': 'risk-server' },
    });
  });

  test('the NetworkPolicy admits only the declared callers, only on the serving port', () => {
    const policy = kind(manifests, 'NetworkPolicy').spec;
    expect(policy.podSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'risk-server', 'app.kubernetes.io/instance': 'risk-server' },
    });
    expect(policy.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(policy.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'loan-origination' } },
            podSelector: { matchLabels: { app: 'scoring-api' } },
          },
        ],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'risk-batch' } }, podSelector: {} }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  test('egress: DNS, HTTPS, the Pod Identity agent and, when given, the feature store port', () => {
    const egress = (m: any[]) => kind(m, 'NetworkPolicy').spec.egress.map((r: any) => ({ to: r.to[0], ports: r.ports }));
    const without = egress(manifests);
    expect(without).toEqual([
      expect.objectContaining({
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      }),
      { to: { ipBlock: { cidr: '0.0.0.0/0' } }, ports: [{ port: 443, protocol: 'TCP' }] },
      { to: { ipBlock: { cidr: '169.254.170.23/32' } }, ports: [{ port: 80, protocol: 'TCP' }] },
    ]);
    const withStore = egress(synth({ featureStore: { port: 6380, cidr: '10.30.0.0/16' } }));
    expect(withStore).toContainEqual({ to: { ipBlock: { cidr: '10.30.0.0/16' } }, ports: [{ port: 6380, protocol: 'TCP' }] });
  });

  test('the service account is the pods identity, with no Kubernetes API token', () => {
    expect(kind(manifests, 'ServiceAccount')).toMatchObject({ automountServiceAccountToken: false, metadata: { name: 'risk-server' } });
    expect(pod.serviceAccountName).toBe('risk-server');
  });

  test('a CPU server has no GPU, toleration or node selector', () => {
    expect(pod.tolerations).toBeUndefined();
    expect(pod.nodeSelector).toBeUndefined();
    expect(JSON.stringify(pod)).not.toContain('nvidia.com/gpu');
  });

  test('the GPU variant requests GPUs, tolerates the GPU taint and runs on GPU inference nodes', () => {
    const gpuPod = podSpec(synth({ gpu: { count: 2 } }));
    expect(gpuPod.containers[0].resources.limits['nvidia.com/gpu']).toBe('2');
    expect(gpuPod.containers[0].resources.requests['nvidia.com/gpu']).toBe('2');
    expect(gpuPod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(gpuPod.nodeSelector).toEqual(GPU_INFERENCE_NODE_SELECTOR);
    expect(gpuPod.nodeSelector).toEqual({ 'platform/node-kind': 'gpu', 'platform/workload': 'inference' });
    // Security settings are kept on the GPU variant.
    expect(gpuPod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test('every object of the CPU and GPU variants passes schema validation', () => {
    const all = [...manifests, ...synth({ gpu: { count: 1 }, featureStore: { port: 6380, cidr: '10.0.0.0/16' } })];
    expect(all.flatMap((m) => schemaProblems(m).map((p) => `${m.kind}: ${p}`))).toEqual([]);
  });

  test.each<[string, Partial<ModelServingProps>, RegExp]>([
    ['a privileged port', { port: 80 }, /port must be a whole number from 1024 to 65535.*got 80/],
    ['a port out of range', { port: 70000 }, /port must be .* got 70000/],
    ['min above max', { replicas: { min: 5, max: 2 } }, /replicas.max must be a whole number >= replicas.min \(5\), got 2/],
    ['zero replicas', { replicas: { min: 0, max: 2 } }, /replicas.min must be a whole number >= 1, got 0/],
    ['GPU count 0', { gpu: { count: 0 } }, /gpu.count must be a whole number >= 1, got 0/],
    ['a fractional GPU', { gpu: { count: 0.5 } }, /gpu.count must be a whole number >= 1, got 0.5/],
    ['an empty GPU node selector', { gpu: { count: 1, nodeSelector: {} } }, /gpu.nodeSelector must not be empty/],
    ['no callers', { callers: [] }, /callers must declare at least one caller/],
    [
      'a bad caller namespace',
      { callers: [{ namespace: 'Loan_Origination' }] },
      /callers\[0\].namespace must be a DNS-1123 label, got 'Loan_Origination'/,
    ],
    ['empty caller labels', { callers: [{ namespace: 'a', podLabels: {} }] }, /callers\[0\].podLabels is empty/],
    ['an invalid caller label', { callers: [{ namespace: 'a', podLabels: { app: 'has space' } }] }, /invalid label 'app=has space'/],
    ['a non-S3 model URI', { modelUri: 'https://example.com/model' }, /modelUri must be s3:\/\/<bucket>\/<key or prefix>, got 'https/],
    ['a name with a leading digit', { name: '1server' }, /name must be a DNS-1035 label.*got '1server'/],
    ['zero CPU', { cpu: 0 }, /cpu must be a positive number of cores/],
    ['too little memory', { memoryMiB: 64 }, /memoryMiB must be a whole number >= 128, got 64/],
    ['a CPU target above 100', { targetCpuPercent: 150 }, /targetCpuPercent must be a whole number from 1 to 100, got 150/],
    [
      'a bad feature store CIDR',
      { featureStore: { port: 6380, cidr: '10.0.0.0' } },
      /featureStore.cidr must be a network-aligned IPv4 CIDR like 10.30.0.0\/16, got '10.0.0.0'/,
    ],
    ['a reserved variable', { env: { PORT: '1' } }, /environment variable 'PORT' is not allowed/],
    ['a region variable (the chart sets it)', { env: { AWS_REGION: 'us-east-1' } }, /environment variable 'AWS_REGION' is not allowed/],
    ['a region that is not one', { region: 'Ireland' }, /region must be an AWS region such as eu-west-1, got 'Ireland'/],
  ])('rejects %s', (_, change, message) => {
    expect(() => synth(change)).toThrow(message);
  });
});

describe.each(ENVIRONMENT_NAMES)('%s model servers', (env) => {
  const app = Testing.app();
  const charts = addServingCharts(app, ENVIRONMENTS[env], { featureStorePort: 6380 });
  const manifests = Object.values(charts).flatMap((c) => c.toJson());

  test('one chart per configured server, found by its name; every manifest passes schema validation', () => {
    // THEN
    const names = ENVIRONMENTS[env].serving.modelServers.map((s) => s.name);
    expect(Object.keys(charts)).toEqual(names);
    for (const name of names) expect(charts[name].node.id).toBe(name);
    const problems = manifests.flatMap((m) => schemaProblems(m).map((p) => `${m.kind}/${m.metadata?.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('every container is restricted and has requests and limits', () => {
    for (const d of manifests.filter((m) => m.kind === 'Deployment')) {
      expect(d.spec.replicas).toBeUndefined();
      for (const c of d.spec.template.spec.containers) {
        expect(c.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(Object.keys(c.resources.requests)).toEqual(expect.arrayContaining(['cpu', 'memory']));
        expect(c.resources.limits).toEqual(c.resources.requests);
      }
    }
  });

  test('servers read the models bucket name from the platform ConfigMap and may reach the feature store', () => {
    for (const server of ENVIRONMENTS[env].serving.modelServers) {
      const d = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === server.name);
      const envVars = d.spec.template.spec.containers[0].env;
      expect(envVars).toContainEqual({
        name: 'MODELS_BUCKET',
        valueFrom: { configMapKeyRef: { name: SERVING_CONFIG_MAP.name, key: SERVING_CONFIG_MAP.keys.modelsBucket, optional: false } },
      });
      for (const [name, key] of [
        ['FEATURE_STORE_ENDPOINT', SERVING_CONFIG_MAP.keys.featureStoreEndpoint],
        ['FEATURE_STORE_PORT', SERVING_CONFIG_MAP.keys.featureStorePort],
        ['FEATURE_STORE_USER', SERVING_CONFIG_MAP.keys.featureStoreUser],
      ]) {
        expect(envVars).toContainEqual({ name, valueFrom: { configMapKeyRef: { name: SERVING_CONFIG_MAP.name, key, optional: true } } });
      }
      expect(envVars).toContainEqual({ name: 'MODEL_URI', value: `s3://$(MODELS_BUCKET)/${server.modelPath}` });
      // The SDK signs S3 requests and the feature store's IAM auth tokens for the cluster's region.
      expect(envVars).toContainEqual({ name: 'AWS_REGION', value: ENVIRONMENTS[env].region });
      expect(envVars).toContainEqual({ name: 'AWS_DEFAULT_REGION', value: ENVIRONMENTS[env].region });
      const policy = manifests.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === server.name);
      expect(policy.spec.egress).toContainEqual({
        to: [{ ipBlock: { cidr: ENVIRONMENTS[env].network.vpcCidr } }],
        ports: [{ port: 6380, protocol: 'TCP' }],
      });
    }
  });
});

test("a configured GPU server runs in its team's namespace on GPU nodes, scaled between its replicas", () => {
  // GIVEN: prod's GPU server (its config leaves the port to the chart's default)
  const config = ENVIRONMENTS.prod;
  const gpu = config.serving.modelServers.find((s) => s.gpu)!;
  // WHEN
  const manifests = new ModelServingChart(Testing.app(), 'c', modelServingProps(config, gpu)).toJson();
  // THEN
  const deployment = manifests.find((m: any) => m.kind === 'Deployment');
  expect(deployment.metadata).toMatchObject({ name: gpu.name, namespace: gpu.team });
  const pod = deployment.spec.template.spec;
  expect(pod.containers[0].image).toBe(gpu.image);
  expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(`${gpu.gpu!.count}`);
  expect(pod.tolerations).toContainEqual(expect.objectContaining({ key: 'nvidia.com/gpu' }));
  expect(pod.containers[0].ports).toContainEqual(expect.objectContaining({ containerPort: 8080 }));
  const hpa = manifests.find((m: any) => m.kind === 'HorizontalPodAutoscaler');
  // Prod runs enough replicas that minReplicas survive the loss of one of its 3 AZs: ceil(2 x 3 / 2).
  expect(gpu.minReplicas).toBe(2);
  expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: gpu.maxReplicas });
  expect(deployment.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({
    topologyKey: 'topology.kubernetes.io/zone',
    whenUnsatisfiable: 'DoNotSchedule',
    nodeTaintsPolicy: 'Honor',
  });
});

test('without a feature store port the server gets no egress to a store', () => {
  // GIVEN
  const config = ENVIRONMENTS.dev;
  // WHEN
  const manifests = new ModelServingChart(Testing.app(), 'c', modelServingProps(config, config.serving.modelServers[0])).toJson();
  // THEN
  const policy = manifests.find((m: any) => m.kind === 'NetworkPolicy');
  const ports = policy.spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port));
  expect([...new Set(ports)].sort()).toEqual([443, 53, 80]);
});

test('with awsApis: HTTPS to the VPC (interface endpoints) and the outside ranges, private ranges excepted', () => {
  // WHEN
  const manifests = synth({ awsApis: { vpcCidr: '10.30.0.0/16', outside: ['0.0.0.0/0'] } });
  // THEN
  const https = kind(manifests, 'NetworkPolicy')
    .spec.egress.filter((r: any) => r.ports.some((p: any) => p.port === 443))
    .map((r: any) => r.to);
  expect(https).toEqual([
    [{ ipBlock: { cidr: '10.30.0.0/16' } }],
    [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } }],
  ]);
  expect(() => synth({ awsApis: { vpcCidr: '10.30.0.0/16', outside: ['10.20.0.0/16'] } })).toThrow(
    /awsApis.outside\[0\] '10.20.0.0\/16' is a private \(RFC 1918\) range/,
  );
});

test.each(ENVIRONMENT_NAMES)(
  "%s: model servers' HTTPS egress is their namespace's allow-aws-apis destinations (policies add up: no wider rule)",
  (env) => {
    // GIVEN
    const config = ENVIRONMENTS[env];
    const tenancy = Object.values(addPlatformCharts(Testing.app(), config).tenancy)[0].toJson();
    const allowAwsApis = tenancy.find((m: any) => m.kind === 'NetworkPolicy' && m.metadata.name === 'allow-aws-apis');
    const https = (policy: any) =>
      policy.spec.egress.filter((r: any) => r.ports.some((p: any) => p.port === 443)).flatMap((r: any) => r.to);
    // WHEN
    const servers = Object.values(addServingCharts(Testing.app(), config, { featureStorePort: 6380 }));
    // THEN
    expect(servers.length).toBeGreaterThan(0);
    for (const server of servers) {
      const policy = server.toJson().find((m: any) => m.kind === 'NetworkPolicy');
      expect(https(policy)).toEqual(https(allowAwsApis));
    }
    if (config.network.interfaceEndpoints) expect(https(allowAwsApis)).toEqual([{ ipBlock: { cidr: config.network.vpcCidr } }]);
  },
);

test('configured args reach the container', () => {
  // GIVEN
  const config = structuredClone(ENVIRONMENTS.dev) as any;
  config.serving.modelServers[0].args = ['tritonserver', '--model-repository=$(MODEL_URI)'];
  // WHEN
  const chart = new ModelServingChart(Testing.app(), 'c', modelServingProps(config, config.serving.modelServers[0]));
  // THEN
  const deployment = chart.toJson().find((m: any) => m.kind === 'Deployment');
  expect(deployment.spec.template.spec.containers[0].args).toEqual(['tritonserver', '--model-repository=$(MODEL_URI)']);
});

test('the platform serving ConfigMap holds the values given and passes schema validation', () => {
  const full = servingConfigMap(ENVIRONMENTS.dev, 'credit-risk', {
    modelsBucket: 'dev-models-bucket',
    featureStore: { endpoint: 'clustercfg.dev-features.example', port: 6380, user: 'dev-features-reader' },
  }) as any;
  expect(full.metadata).toMatchObject({ name: 'ml-platform-serving', namespace: 'credit-risk' });
  expect(full.data).toEqual({
    'models-bucket': 'dev-models-bucket',
    'feature-store-endpoint': 'clustercfg.dev-features.example',
    'feature-store-port': '6380',
    'feature-store-user': 'dev-features-reader',
  });
  expect(schemaProblems(full)).toEqual([]);
  expect((servingConfigMap(ENVIRONMENTS.dev, 'fraud', { modelsBucket: 'b' }) as any).data).toEqual({ 'models-bucket': 'b' });
});
