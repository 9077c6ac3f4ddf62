import { Testing } from 'cdk8s';
import {
  isPinnedImage,
  replicasForZoneLoss,
  VllmServerChart,
  type VllmServerProps,
  vllmServerProblems,
} from '../../k8s/charts/templates/vllm-server';
import { addTemplateCharts } from '../../lib/compute/charts';
import { ENVIRONMENTS } from '../../lib/config';
import { podSecurityProblems } from './pod-security';
import { schemaProblems } from './schema';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const props = (p: Partial<VllmServerProps> = {}): VllmServerProps => ({
  name: 'assistant',
  team: 'risk',
  environment: 'prod',
  image: `vllm/vllm-openai:v0.11.0@${DIGEST}`,
  downloaderImage: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlp/aws-cli:2.27.0',
  modelsBucket: { configMap: 'ml-platform-serving', key: 'models-bucket' },
  modelPath: 'llm/assistant/1/',
  gpus: 2,
  cpu: 16,
  memoryGiB: 96,
  replicas: { min: 3, max: 9 },
  autoscaling: { prometheusUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234abcd', region: 'eu-west-1' },
  callers: [{ namespace: 'loan-origination', podLabels: { app: 'assistant-api' } }],
  ...p,
});
const synth = (p: Partial<VllmServerProps> = {}): any[] => new VllmServerChart(Testing.app(), 'llm', props(p)).toJson();
const find = (objs: any[], kind: string) => objs.find((o) => o.kind === kind);

describe('VllmServerChart', () => {
  // GIVEN / WHEN
  const objects = synth();
  const pod = find(objects, 'Deployment').spec.template.spec;

  test('every object validates (Kubernetes schemas, KEDA 2.20 CRDs) and the pod passes restricted', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'Deployment',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'ScaledObject',
      'Service',
      'TriggerAuthentication',
    ]);
    for (const o of objects) {
      expect(schemaProblems(o)).toEqual([]);
      expect(podSecurityProblems(o)).toEqual([]);
    }
  });

  test('GPUs per replica on GPU inference nodes, tensor parallel over them, /dev/shm in memory', () => {
    const [vllm] = pod.containers;
    expect(vllm.resources.limits['nvidia.com/gpu']).toBe('2');
    expect(vllm.resources.requests['nvidia.com/gpu']).toBe('2');
    expect(vllm.args).toEqual(expect.arrayContaining(['--tensor-parallel-size', '2', '--served-model-name', 'assistant']));
    expect(pod.nodeSelector).toEqual({ 'platform/node-kind': 'gpu', 'platform/workload': 'inference' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '24Gi' } });
  });

  test("weights come from the models bucket as the team's service account (Pod Identity)", () => {
    expect(pod.serviceAccountName).toBe('risk-workloads');
    const [download] = pod.initContainers;
    expect(download.command).toEqual(['aws', 's3', 'sync', '--only-show-errors', 's3://$(MODELS_BUCKET)/llm/assistant/1/', '/mnt/models']);
    expect(download.env[0]).toEqual({
      name: 'MODELS_BUCKET',
      valueFrom: { configMapKeyRef: { name: 'ml-platform-serving', key: 'models-bucket' } },
    });
  });

  test('zone spread honours node taints (a lost zone does not hold replacements back); PDB of one', () => {
    expect(pod.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      nodeTaintsPolicy: 'Honor',
      maxSkew: 1,
    });
    expect(find(objects, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(find(objects, 'Deployment').spec.replicas).toBeUndefined();
  });

  test('KEDA scales on request concurrency (running + waiting) from AMP as the operator', () => {
    const so = find(objects, 'ScaledObject').spec;
    expect(so).toMatchObject({ minReplicaCount: 3, maxReplicaCount: 9, scaleTargetRef: { kind: 'Deployment', name: 'assistant' } });
    expect(so.triggers[0]).toMatchObject({ type: 'prometheus', authenticationRef: { name: 'assistant-amp' } });
    expect(so.triggers[0].metadata).toMatchObject({
      awsRegion: 'eu-west-1',
      identityOwner: 'operator',
      threshold: '16',
      query:
        'sum(vllm:num_requests_running{namespace="risk",model_name="assistant"}) + sum(vllm:num_requests_waiting{namespace="risk",model_name="assistant"})',
    });
    expect(find(objects, 'TriggerAuthentication').spec).toEqual({ podIdentity: { provider: 'aws' } });
  });

  test('only the declared callers reach the server', () => {
    const np = find(objects, 'NetworkPolicy').spec;
    expect(np.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'loan-origination' } },
            podSelector: { matchLabels: { app: 'assistant-api' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8000 }],
      },
    ]);
  });

  test('HTTPS egress: anywhere by default; with awsApis the VPC and the outside ranges, private ranges excepted', () => {
    // GIVEN
    const https = (objs: any[]) =>
      find(objs, 'NetworkPolicy')
        .spec.egress.filter((r: any) => r.ports.some((p: any) => p.port === 443))
        .map((r: any) => r.to);
    // THEN
    expect(https(objects)).toEqual([[{ ipBlock: { cidr: '0.0.0.0/0' } }]]);
    expect(https(synth({ awsApis: { vpcCidr: '10.30.0.0/16', outside: [] } }))).toEqual([[{ ipBlock: { cidr: '10.30.0.0/16' } }]]);
    expect(https(synth({ awsApis: { vpcCidr: '10.10.0.0/16', outside: ['0.0.0.0/0'] } }))).toEqual([
      [{ ipBlock: { cidr: '10.10.0.0/16' } }],
      [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } }],
    ]);
    expect(vllmServerProblems('x', props({ awsApis: { vpcCidr: '10.30.0.0/16', outside: ['10.20.0.0/16'] } }))).toEqual([
      "x.awsApis.outside[0] '10.20.0.0/16' is a private (RFC 1918) range; private destinations are reached in the VPC (vpcCidr), not through NAT",
    ]);
  });

  test('images must be pinned; problems name the field and value', () => {
    expect(isPinnedImage('vllm/vllm-openai:latest')).toBe(false);
    expect(isPinnedImage(`vllm/vllm-openai@${DIGEST}`)).toBe(true);
    expect(vllmServerProblems('prod.serving.llmServers[assistant]', props({ image: 'vllm/vllm-openai:v0.11.0', gpus: 3 }))).toEqual([
      "prod.serving.llmServers[assistant].image: 'vllm/vllm-openai:v0.11.0' is not pinned; use an image digest (…@sha256:<64 hex>) or the platform's ECR",
      'prod.serving.llmServers[assistant].gpus: 3 is not allowed; tensor parallelism over 1, 2, 4 or 8 GPUs',
    ]);
    expect(() => synth({ callers: [] })).toThrow(/callers: none given/);
  });

  test('replicas for a zone loss: the survivors carry the load', () => {
    expect(replicasForZoneLoss(4, 3)).toBe(6);
    expect(replicasForZoneLoss(3, 3)).toBe(5);
    expect(replicasForZoneLoss(2, 2)).toBe(4);
    expect(() => replicasForZoneLoss(2, 1)).toThrow(/at least 2 zones, got 1/);
  });
});

test.each(['staging', 'prod'] as const)("%s: the teams' LLM server templates reach AWS APIs only inside the VPC", (env) => {
  // GIVEN
  const config = ENVIRONMENTS[env];
  // WHEN
  const servers = addTemplateCharts(Testing.app(), config).filter((c) => c.constructor === VllmServerChart);
  // THEN
  expect(servers).toHaveLength(config.cluster.teams.length);
  for (const server of servers) {
    const egress = find(server.toJson(), 'NetworkPolicy').spec.egress.filter((r: any) => r.ports.some((p: any) => p.port === 443));
    expect(egress.map((r: any) => r.to)).toEqual([[{ ipBlock: { cidr: config.network.vpcCidr } }]]);
  }
});
