import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { GPU_RESOURCE, GPU_TAINT } from '../../../constructs/compute/gpu';
import { NODE_LABELS } from '../../../constructs/compute/ml-node-group';
import { ScaledObject, TriggerAuthentication } from '../../imports/keda.sh';
import { platformLabels } from '../labels';
import { restrictedContainer, restrictedPod } from '../restricted';
import {
  type AwsApiDestinations,
  awsApiDestinationsProblems,
  awsApiIpBlocks,
  POD_IDENTITY_AGENT_CIDR,
  teamServiceAccountName,
} from '../team-tenancy';

/** Port vLLM's OpenAI-compatible server listens on (also `/metrics` and `/health`). */
export const VLLM_PORT = 8000;

/** Where the weights are copied to before vLLM starts. */
export const VLLM_MODEL_DIR = '/mnt/models';

/** A digest-pinned image, or an image in a private ECR repository (the platform's). */
const PINNED_IMAGE = /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9._/-]+(:[\w.-]+)?@sha256:[a-f0-9]{64}$/;
const ECR_IMAGE = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/;

/** True for an image reference pinned by digest or held in a private ECR repository. */
export function isPinnedImage(image: string): boolean {
  return PINNED_IMAGE.test(image) || ECR_IMAGE.test(image);
}

/** How the server scales: KEDA on request concurrency from Amazon Managed Service for Prometheus. */
export interface VllmAutoscaling {
  /** Query URL of the AMP workspace (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`). */
  readonly prometheusUrl: string;
  /** Region of the workspace (KEDA signs its queries with SigV4, as the KEDA operator's Pod Identity). */
  readonly region: string;
  /**
   * Requests in flight or queued per replica the autoscaler aims for (vLLM's
   * `num_requests_running + num_requests_waiting`, summed over the server's pods).
   * @default 16
   */
  readonly targetConcurrency?: number;
}

/** A workload allowed to call the server. */
export interface VllmCaller {
  readonly namespace: string;
  /** @default - every pod of the namespace */
  readonly podLabels?: Readonly<Record<string, string>>;
}

export interface VllmServerProps extends ChartProps {
  /** Name of the server: Deployment, Service, ScaledObject, PDB (a DNS-1035 label); vLLM's served model name. */
  readonly name: string;
  /** The owning team (its namespace). */
  readonly team: string;
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /** vLLM OpenAI server image, pinned by digest or from the platform's ECR. */
  readonly image: string;
  /** Image with the AWS CLI that copies the weights (pinned by digest or from ECR). */
  readonly downloaderImage: string;
  /** The models bucket: read from a ConfigMap key of the namespace (the platform writes it). */
  readonly modelsBucket: { readonly configMap: string; readonly key: string };
  /** Key prefix of the weights in the models bucket (Hugging Face layout), ending in '/'. */
  readonly modelPath: string;
  /** GPUs per replica; vLLM shards the model over them (tensor parallelism). */
  readonly gpus: number;
  /** CPU cores and memory (GiB) per replica (request = limit). */
  readonly cpu: number;
  readonly memoryGiB: number;
  /**
   * Fewest and most replicas. With one zone lost, the survivors must still carry the load: see
   * `replicasForZoneLoss`.
   */
  readonly replicas: { readonly min: number; readonly max: number };
  readonly autoscaling: VllmAutoscaling;
  /** Who may call the server. */
  readonly callers: readonly VllmCaller[];
  /**
   * Address range the metrics scraper reaches `/metrics` from (the AMP managed collector's ENIs in the VPC).
   * @default - no scrape ingress
   */
  readonly scraperCidr?: string;
  /**
   * Longest context vLLM accepts (`--max-model-len`).
   * @default - the model's
   */
  readonly maxModelLen?: number;
  /**
   * Size of the weights copy (an emptyDir on the node's disk).
   * @default 100 (GiB)
   */
  readonly modelCacheGiB?: number;
  /**
   * Service account (bound by EKS Pod Identity to a role that may read `modelPath`).
   * @default - the team's service account
   */
  readonly serviceAccountName?: string;
  /**
   * Where the pods reach AWS APIs on 443 (S3 for the weights): the VPC's interface endpoints and
   * the public ranges that leave through NAT, as in the namespace's `allow-aws-apis` policy.
   * @default - anywhere (0.0.0.0/0)
   */
  readonly awsApis?: AwsApiDestinations;
}

/**
 * Fewest replicas such that, spread evenly over `zones` zones, losing one zone leaves at least
 * `needed` replicas: ceil(needed * zones / (zones - 1)).
 */
export function replicasForZoneLoss(needed: number, zones: number): number {
  if (zones < 2) throw new Error(`replicasForZoneLoss: surviving a zone loss needs at least 2 zones, got ${zones}`);
  return Math.ceil((needed * zones) / (zones - 1));
}

const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PREFIX = /^[a-z0-9][a-z0-9._=-]*(\/[a-z0-9._=-]+)*\/$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;

/** Problems of the props (empty when valid), one line each, prefixed by `where`. */
export function vllmServerProblems(where: string, p: Omit<VllmServerProps, keyof ChartProps>): string[] {
  const problems: string[] = [];
  if (!DNS_1035.test(p.name)) problems.push(`${where}.name: '${p.name}' is not a DNS-1035 label (a-z first, then a-z, 0-9, '-')`);
  for (const [field, image] of [
    ['image', p.image],
    ['downloaderImage', p.downloaderImage],
  ] as const) {
    if (!isPinnedImage(image)) {
      problems.push(`${where}.${field}: '${image}' is not pinned; use an image digest (…@sha256:<64 hex>) or the platform's ECR`);
    }
  }
  if (!PREFIX.test(p.modelPath)) problems.push(`${where}.modelPath: '${p.modelPath}' is not a key prefix like 'llm/llama-3.1-8b/1/'`);
  if (![1, 2, 4, 8].includes(p.gpus)) problems.push(`${where}.gpus: ${p.gpus} is not allowed; tensor parallelism over 1, 2, 4 or 8 GPUs`);
  if (!(p.cpu > 0) || !(p.memoryGiB > 0)) problems.push(`${where}: cpu ${p.cpu} and memoryGiB ${p.memoryGiB} must be positive`);
  const r = p.replicas;
  if (!Number.isInteger(r.min) || r.min < 1 || !Number.isInteger(r.max) || r.max < r.min) {
    problems.push(`${where}.replicas: min ${r.min}, max ${r.max} is not allowed; whole numbers with 1 <= min <= max`);
  }
  if (p.awsApis) problems.push(...awsApiDestinationsProblems(`${where}.awsApis`, p.awsApis));
  const target = p.autoscaling.targetConcurrency ?? 16;
  if (!Number.isInteger(target) || target < 1)
    problems.push(`${where}.autoscaling.targetConcurrency: ${target} is not a whole number >= 1`);
  if (
    !/^https:\/\/aps-workspaces\.[a-z0-9-]+\.amazonaws\.com\/workspaces\/ws-[A-Za-z0-9-]+$/.test(p.autoscaling.prometheusUrl) &&
    !p.autoscaling.prometheusUrl.includes('${Token')
  ) {
    problems.push(
      `${where}.autoscaling.prometheusUrl: '${p.autoscaling.prometheusUrl}' is not an AMP workspace URL (https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-…)`,
    );
  }
  if (p.callers.length === 0) problems.push(`${where}.callers: none given; declare at least one caller namespace`);
  if (p.scraperCidr !== undefined && !CIDR.test(p.scraperCidr))
    problems.push(`${where}.scraperCidr: '${p.scraperCidr}' is not an IPv4 CIDR`);
  return problems;
}

/**
 * An LLM server teams copy: vLLM's OpenAI-compatible server as a Deployment on GPU inference
 * nodes. Chosen over KServe and Ray Serve because it needs no further controller (KServe adds
 * cert-manager, and for concurrency autoscaling Knative; in raw mode it scales with HPA or KEDA
 * anyway) and no single head pod (a Ray cluster's head takes the application down with its zone
 * unless GCS runs on an external Redis), and it keeps the platform's one model-server pattern:
 * - weights copied from the models bucket by an init container with the AWS CLI, as the pod's
 *   service account (EKS Pod Identity: the team's role, or the server's own);
 * - GPUs per replica with vLLM's tensor parallelism, `/dev/shm` in memory for NCCL between them;
 * - Pod Security "restricted"; read-only root filesystem with writable caches in emptyDirs;
 * - spread across zones with `nodeTaintsPolicy: Honor` (a lost zone's tainted nodes do not hold
 *   replacements back) and across nodes; a PodDisruptionBudget of one;
 * - a KEDA ScaledObject (no HPA of its own: KEDA owns the replica count) on request concurrency,
 *   `vllm:num_requests_running + vllm:num_requests_waiting` over the server's pods, queried from
 *   Amazon Managed Service for Prometheus by the KEDA operator's Pod Identity;
 * - a NetworkPolicy admitting only the callers (and the metrics scraper).
 *
 * @example
 * const image = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlp/vllm-openai:v0.11.0';
 * const downloaderImage = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlp/aws-cli:2.27.0';
 * const prometheusUrl = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234abcd';
 * new VllmServerChart(app, 'llm', { name: 'assistant', team: 'risk', environment: 'prod', image, downloaderImage,
 *   modelsBucket: { configMap: 'ml-platform-serving', key: 'models-bucket' }, modelPath: 'llm/assistant/1/',
 *   gpus: 1, cpu: 8, memoryGiB: 48, replicas: { min: 3, max: 9 },
 *   autoscaling: { prometheusUrl, region: 'eu-west-1' }, callers: [{ namespace: 'loan-origination' }] });
 */
export class VllmServerChart extends Chart {
  readonly deployment: kplus.k8s.KubeDeployment;
  readonly scaledObject: ScaledObject;

  constructor(scope: Construct, id: string, props: VllmServerProps) {
    super(scope, id, {
      ...props,
      labels: {
        ...platformLabels({ environment: props.environment, component: 'llm-serving', team: props.team }),
        'app.kubernetes.io/name': props.name,
        ...props.labels,
      },
    });
    const problems = vllmServerProblems(`VllmServerChart '${props.name}'`, props);
    if (problems.length > 0) throw new Error(problems[0]);
    const ns = props.team;
    const meta = (name: string) => ({ name, namespace: ns });
    const podLabels = { 'app.kubernetes.io/name': props.name, 'app.kubernetes.io/instance': props.name };
    const q = (v: string) => kplus.k8s.Quantity.fromString(v);
    const amounts = { cpu: q(`${props.cpu}`), memory: q(`${props.memoryGiB}Gi`), [GPU_RESOURCE]: q(`${props.gpus}`) };
    const spread = (topologyKey: string, whenUnsatisfiable: string) => ({
      topologyKey,
      maxSkew: 1,
      whenUnsatisfiable,
      nodeTaintsPolicy: 'Honor',
      labelSelector: { matchLabels: podLabels },
      matchLabelKeys: ['pod-template-hash'],
    });
    const cacheDirs = {
      HOME: '/tmp',
      XDG_CACHE_HOME: '/tmp/.cache',
      HF_HOME: '/tmp/hf',
      VLLM_CACHE_ROOT: '/tmp/vllm',
      TRITON_CACHE_DIR: '/tmp/triton',
    };
    const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));
    const bucketEnv = {
      name: 'MODELS_BUCKET',
      valueFrom: { configMapKeyRef: { name: props.modelsBucket.configMap, key: props.modelsBucket.key } },
    };
    const serviceAccountName = props.serviceAccountName ?? teamServiceAccountName(props.team);

    this.deployment = new kplus.k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta(props.name),
      spec: {
        // No replicas: KEDA's HPA owns the count.
        selector: { matchLabels: podLabels },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: kplus.k8s.IntOrString.fromString('25%'), maxUnavailable: kplus.k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels: podLabels },
          spec: {
            serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(),
            nodeSelector: { [NODE_LABELS.kind]: 'gpu', [NODE_LABELS.workload]: 'inference' },
            tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
            topologySpreadConstraints: [
              spread('topology.kubernetes.io/zone', 'DoNotSchedule'),
              spread('kubernetes.io/hostname', 'ScheduleAnyway'),
            ],
            terminationGracePeriodSeconds: 60,
            initContainers: [
              {
                name: 'download-weights',
                image: props.downloaderImage,
                securityContext: { ...restrictedContainer(), readOnlyRootFilesystem: true },
                command: ['aws', 's3', 'sync', '--only-show-errors', `s3://$(MODELS_BUCKET)/${props.modelPath}`, VLLM_MODEL_DIR],
                env: [bucketEnv, ...env({ HOME: '/tmp' })],
                resources: { requests: { cpu: q('2'), memory: q('4Gi') }, limits: { cpu: q('2'), memory: q('4Gi') } },
                volumeMounts: [
                  { name: 'models', mountPath: VLLM_MODEL_DIR },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            containers: [
              {
                name: 'vllm',
                image: props.image,
                securityContext: { ...restrictedContainer(), readOnlyRootFilesystem: true },
                command: ['vllm', 'serve', VLLM_MODEL_DIR],
                args: [
                  '--served-model-name',
                  props.name,
                  '--host',
                  '0.0.0.0',
                  '--port',
                  `${VLLM_PORT}`,
                  '--tensor-parallel-size',
                  `${props.gpus}`,
                  ...(props.maxModelLen ? ['--max-model-len', `${props.maxModelLen}`] : []),
                ],
                env: env(cacheDirs),
                ports: [{ name: 'http', containerPort: VLLM_PORT }],
                resources: { requests: amounts, limits: amounts },
                startupProbe: {
                  httpGet: { path: '/health', port: kplus.k8s.IntOrString.fromNumber(VLLM_PORT) },
                  periodSeconds: 10,
                  failureThreshold: 120,
                },
                readinessProbe: {
                  httpGet: { path: '/health', port: kplus.k8s.IntOrString.fromNumber(VLLM_PORT) },
                  periodSeconds: 5,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  httpGet: { path: '/health', port: kplus.k8s.IntOrString.fromNumber(VLLM_PORT) },
                  periodSeconds: 10,
                  failureThreshold: 6,
                },
                volumeMounts: [
                  { name: 'models', mountPath: VLLM_MODEL_DIR, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'dshm', mountPath: '/dev/shm' },
                ],
              },
            ],
            volumes: [
              { name: 'models', emptyDir: { sizeLimit: q(`${props.modelCacheGiB ?? 100}Gi`) } },
              { name: 'tmp', emptyDir: { sizeLimit: q('20Gi') } },
              // NCCL between the tensor-parallel workers of one replica goes through shared memory.
              { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: q(`${Math.max(2, Math.floor(props.memoryGiB / 4))}Gi`) } },
            ],
          },
        },
      },
    });

    new kplus.k8s.KubeService(this, 'Service', {
      metadata: meta(props.name),
      spec: {
        type: 'ClusterIP',
        selector: podLabels,
        ports: [{ name: 'http', port: VLLM_PORT, targetPort: kplus.k8s.IntOrString.fromNumber(VLLM_PORT) }],
      },
    });

    new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: meta(props.name),
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: podLabels },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    const auth = new TriggerAuthentication(this, 'PrometheusAuth', {
      metadata: meta(`${props.name}-amp`),
      spec: { podIdentity: { provider: 'aws' as any } },
    });
    const selector = `namespace="${ns}",model_name="${props.name}"`;
    this.scaledObject = new ScaledObject(this, 'Autoscaler', {
      metadata: meta(props.name),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
        minReplicaCount: props.replicas.min,
        maxReplicaCount: props.replicas.max,
        pollingInterval: 15,
        // A GPU replica takes minutes to start: scale down slowly.
        cooldownPeriod: 600,
        fallback: { failureThreshold: 3, replicas: props.replicas.min },
        triggers: [
          {
            type: 'prometheus',
            authenticationRef: { name: auth.name },
            metadata: {
              serverAddress: props.autoscaling.prometheusUrl,
              awsRegion: props.autoscaling.region,
              identityOwner: 'operator',
              query: `sum(vllm:num_requests_running{${selector}}) + sum(vllm:num_requests_waiting{${selector}})`,
              threshold: `${props.autoscaling.targetConcurrency ?? 16}`,
              ignoreNullValues: 'false',
            },
          },
        ],
      },
    });

    const policyPeers = props.callers.map((c) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': c.namespace } },
      ...(c.podLabels ? { podSelector: { matchLabels: { ...c.podLabels } } } : {}),
    }));
    const tcp = (port: number) => ({ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) });
    new kplus.k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta(props.name),
      spec: {
        podSelector: { matchLabels: podLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          { from: policyPeers, ports: [tcp(VLLM_PORT)] },
          ...(props.scraperCidr ? [{ from: [{ ipBlock: { cidr: props.scraperCidr } }], ports: [tcp(VLLM_PORT)] }] : []),
        ],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [{ protocol: 'UDP', port: kplus.k8s.IntOrString.fromNumber(53) }, tcp(53)],
          },
          // S3 (the weights) and STS over HTTPS; credentials from the Pod Identity agent.
          ...(props.awsApis
            ? awsApiIpBlocks(props.awsApis).map((b) => ({
                to: [{ ipBlock: { cidr: b.cidr, ...(b.except ? { except: b.except } : {}) } }],
                ports: [tcp(443)],
              }))
            : [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [tcp(443)] }]),
          { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }], ports: [tcp(80)] },
        ],
      },
    });
  }
}
