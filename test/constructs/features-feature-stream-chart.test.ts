import { Testing } from 'cdk8s';
import { FeatureStreamChart, type FeatureStreamProps } from '../../k8s/charts/feature-stream';
import { schemaProblems } from '../k8s/schema';

const IMAGE = `111111111111.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-111111111111-eu-west-1:${'c'.repeat(64)}`;
const BASE: FeatureStreamProps = {
  name: 'applicant-txn-aggregates-stream',
  namespace: 'features',
  environment: 'prod',
  serviceAccountName: 'applicant-txn-aggregates',
  image: IMAGE,
  region: 'eu-west-1',
  args: ['stream', '--group', 'applicant_txn_aggregates'],
  env: { KAFKA_BROKERS: 'b-1.example:9098', TOPIC: 'card-transactions' },
  replicas: 3,
  brokers: { cidrs: ['10.20.64.0/24', '10.20.65.0/24'], port: 9098 },
  onlineStore: { cidrs: ['10.20.64.0/22'], port: 6379 },
};
const synth = (change: Partial<FeatureStreamProps> = {}): any[] =>
  Testing.synth(new FeatureStreamChart(Testing.app(), 'stream', { ...BASE, ...change }));
const kind = (manifests: any[], k: string) => manifests.find((m) => m.kind === k);

describe('FeatureStreamChart', () => {
  const manifests = synth();
  const deployment = kind(manifests, 'Deployment');
  const pod = deployment.spec.template.spec;

  test('every manifest is valid against the Kubernetes schemas', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'ServiceAccount']);
    for (const m of manifests) expect(schemaProblems(m)).toEqual([]);
  });

  test('the processor runs its image (the entrypoint runs the bundle), hardened, on x86_64 nodes, no init container', () => {
    // THEN
    const [main] = pod.containers;
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers).toHaveLength(1);
    expect(main.image).toBe(IMAGE);
    expect(main.command).toBeUndefined();
    expect(main.args).toEqual(['stream', '--group', 'applicant_txn_aggregates']);
    expect(main.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(JSON.stringify(pod.affinity)).toContain('"key":"kubernetes.io/arch","operator":"In","values":["amd64"]');
    for (const c of [main]) {
      expect(c.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        privileged: false,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    expect(main.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(main.env).toEqual(
      expect.arrayContaining([
        { name: 'KAFKA_BROKERS', value: 'b-1.example:9098' },
        { name: 'AWS_REGION', value: 'eu-west-1' },
      ]),
    );
    expect(pod.serviceAccountName).toBe('applicant-txn-aggregates');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(deployment.spec.replicas).toBe(3);
  });

  test('spreads across zones (honouring taints of a failed zone) and nodes; one pod at a time may be disrupted', () => {
    expect(pod.topologySpreadConstraints).toEqual([
      expect.objectContaining({
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        nodeTaintsPolicy: 'Honor',
        maxSkew: 1,
      }),
      expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', nodeTaintsPolicy: 'Honor' }),
    ]);
    const pdb = kind(manifests, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(pod.topologySpreadConstraints[0].labelSelector.matchLabels);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  test('NetworkPolicy: no ingress; egress to DNS, the brokers, the store, HTTPS and the Pod Identity agent only', () => {
    const np = kind(manifests, 'NetworkPolicy');
    expect(np.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(np.spec.ingress ?? []).toEqual([]);
    const rules = np.spec.egress.map((r: any) => ({
      to: r.to.map((t: any) => t.ipBlock?.cidr ?? 'kube-dns'),
      ports: r.ports.map((p: any) => `${p.protocol}/${p.port}`),
    }));
    expect(rules).toEqual([
      { to: ['kube-dns'], ports: ['UDP/53', 'TCP/53'] },
      { to: ['10.20.64.0/24'], ports: ['TCP/9098'] },
      { to: ['10.20.65.0/24'], ports: ['TCP/9098'] },
      { to: ['10.20.64.0/22'], ports: ['TCP/6379'] },
      { to: ['0.0.0.0/0'], ports: ['TCP/443'] },
      { to: ['169.254.170.23/32'], ports: ['TCP/80'] },
    ]);
  });

  describe('bad props give one clear error', () => {
    const bad: Array<[string, Partial<FeatureStreamProps>, RegExp]> = [
      [
        'a public image by tag',
        { image: 'public.ecr.aws/docker/library/node:22' },
        /image must be pinned by digest .* or be in the account's private ECR .*got 'public.ecr.aws\/docker\/library\/node:22'/,
      ],
      ['a short digest', { image: 'public.ecr.aws/docker/library/node@sha256:abc' }, /image must be pinned by digest/],
      [
        'a private ECR image without a tag',
        { image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/repo' },
        /image must be pinned by digest/,
      ],
      [
        'a bad CIDR',
        { brokers: { cidrs: ['10.20.300.0/24'], port: 9098 } },
        /brokers.cidrs has '10.20.300.0\/24', which is not an IPv4 CIDR/,
      ],
      ['no store CIDR', { onlineStore: { cidrs: [], port: 6379 } }, /onlineStore.cidrs must name at least one CIDR/],
      ['zero replicas', { replicas: 0 }, /replicas must be a whole number from 1 to 1000, got 0/],
      ['overriding AWS_REGION', { env: { AWS_REGION: 'us-east-1' } }, /env must not set AWS_REGION/],
      ['a name with capitals', { name: 'Stream' }, /name must be a DNS-1035 label.*got 'Stream'/],
    ];
    test.each(bad)('%s', (_n, change, message) => {
      expect(() => synth(change)).toThrow(message);
    });
  });
});
