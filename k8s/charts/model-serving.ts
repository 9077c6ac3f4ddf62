import { ApiObject, Chart, type ChartProps, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { GPU_TAINT } from '../../constructs/compute/gpu';
import { nodeSelector } from '../../constructs/compute/ml-node-group';
import { DNS_1035_LABEL, DNS_LABEL, LABEL_KEY, LABEL_VALUE, parseCidr } from '../../constructs/core/patterns';
import { platformLabels } from './labels';
import { type AwsApiDestinations, awsApiDestinationsProblems, awsApiIpBlocks, POD_IDENTITY_AGENT_CIDR } from './team-tenancy';

/** A workload allowed to call the model server: all pods of a namespace, or those with these labels. */
export interface ModelServerCaller {
  /** Namespace of the callers. */
  readonly namespace: string;
  /**
   * Labels the calling pods carry (all must match).
   * @default - every pod of the namespace
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** An environment variable read from a ConfigMap key. */
export interface ConfigMapEnvRef {
  /** Name of the ConfigMap (in the server's namespace). */
  readonly configMap: string;
  /** Key in the ConfigMap. */
  readonly key: string;
  /**
   * Start the pod without the variable when the ConfigMap or key is missing.
   * @default false (the pod waits for it)
   */
  readonly optional?: boolean;
}

/** GPUs of each model-server pod. */
export interface ModelServerGpu {
  /** `nvidia.com/gpu` per pod (requests and limits), a whole number >= 1. */
  readonly count: number;
  /**
   * Labels of the nodes the pods run on.
   * @default { 'platform/node-kind': 'gpu', 'platform/workload': 'inference' } (GPU inference node groups)
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

/** A custom per-pod metric (served by a custom-metrics adapter) the autoscaler follows. */
export interface ModelServerPodsMetric {
  /** Metric name, e.g. `inference_requests_per_second`. */
  readonly name: string;
  /** Target average value per pod. */
  readonly averageValue: number;
}

/** Where the pods reach the online feature store (egress NetworkPolicy). */
export interface ModelServerFeatureStore {
  /** TCP port of the store. */
  readonly port: number;
  /** Address range of the store (e.g. the VPC CIDR). */
  readonly cidr: string;
}

export interface ModelServingProps extends ChartProps {
  /** Name of the server: Deployment, Service, HPA, PDB and (by default) ServiceAccount (a DNS-1035 label). */
  readonly name: string;
  /** The owning team; its namespace is where the server runs. */
  readonly team: string;
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /**
   * AWS region of the cluster, as `AWS_REGION` and `AWS_DEFAULT_REGION`: the server's SDK clients
   * sign requests (S3, IAM auth tokens for the feature store) for it.
   */
  readonly region: string;
  /** Model-server image (pin a tag or digest). */
  readonly image: string;
  /**
   * Location of the model, `s3://<bucket>/<key or prefix>`, passed as `MODEL_URI`. It may reference
   * variables of `env` as `$(NAME)` (Kubernetes expands them), e.g. `s3://$(MODELS_BUCKET)/risk/1.0.0/`.
   */
  readonly modelUri: string;
  /**
   * Port the server listens on (HTTP); also the Service port. At least 1024: the container runs
   * as non-root with every capability dropped.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Arguments of the server; may reference `$(MODEL_URI)` and `$(PORT)`.
   * @default - the image's defaults (the server reads MODEL_URI and PORT)
   */
  readonly args?: string[];
  /**
   * More environment variables (plain values), set before MODEL_URI (so `modelUri` can reference them).
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Environment variables read from ConfigMaps of the namespace (name, key, and whether the pod
   * may start without it), set before MODEL_URI, e.g.
   * `{ MODELS_BUCKET: { configMap: 'ml-platform-serving', key: 'models-bucket' } }`.
   * @default - none
   */
  readonly configMapEnv?: Readonly<Record<string, ConfigMapEnvRef>>;
  /**
   * Fewest and most pods; the HorizontalPodAutoscaler owns the replica count.
   * @default { min: 2, max: 4 }
   */
  readonly replicas?: { readonly min: number; readonly max: number };
  /** CPU cores per pod (request = limit). */
  readonly cpu: number;
  /** Memory per pod in MiB (request = limit). */
  readonly memoryMiB: number;
  /**
   * Scale on average CPU utilization (% of the request).
   * @default 70 (unless only `podsMetric` is given)
   */
  readonly targetCpuPercent?: number;
  /**
   * Scale also (or only) on a custom per-pod metric.
   * @default - CPU only
   */
  readonly podsMetric?: ModelServerPodsMetric;
  /**
   * GPUs per pod: the pods request them, tolerate the GPU taint and run on GPU inference nodes.
   * @default - a CPU server
   */
  readonly gpu?: ModelServerGpu;
  /** Who may call the server (on its port); nothing else is admitted by this chart's NetworkPolicy. */
  readonly callers: readonly ModelServerCaller[];
  /**
   * Egress to the online feature store.
   * @default - no egress beyond DNS, HTTPS and the Pod Identity agent
   */
  readonly featureStore?: ModelServerFeatureStore;
  /**
   * Where the pods reach AWS APIs on 443 (S3 for the model, ECR, KMS): the VPC's interface
   * endpoints and the public ranges that leave through NAT, as in the namespace's `allow-aws-apis`
   * policy (NetworkPolicies add up: a wider rule here would reopen what that one narrows).
   * @default - anywhere (0.0.0.0/0)
   */
  readonly awsApis?: AwsApiDestinations;
  /**
   * HTTP paths of the probes (defaults: the Open Inference Protocol, KServe v2).
   * @default { readiness: '/v2/health/ready', liveness: '/v2/health/live' }
   */
  readonly healthPaths?: { readonly readiness: string; readonly liveness: string };
  /**
   * Longest time a pod may take to load its model before liveness applies.
   * @default Duration.minutes(10)
   */
  readonly startupTimeout?: Duration;
  /**
   * Size limit of the writable model cache (`/mnt/models`, an emptyDir).
   * @default Size.gibibytes(10)
   */
  readonly modelCacheSize?: Size;
  /**
   * Service account the pods run as; bind it to an IAM role with EKS Pod Identity.
   * @default name
   */
  readonly serviceAccountName?: string;
}

/** The chart's defaults, written once (the props' `@default`s name them). */
export const MODEL_SERVER_DEFAULTS = {
  port: 8080,
  replicas: { min: 2, max: 4 },
  startupTimeout: Duration.minutes(10),
} as const;

/** Where model servers mount their writable model cache. */
export const MODEL_CACHE_PATH = '/mnt/models';
/** Labels of the GPU inference nodes (set by MlNodeGroup on `workload: 'inference'` GPU groups). */
export const GPU_INFERENCE_NODE_SELECTOR: Readonly<Record<string, string>> = nodeSelector('gpu', 'inference');

/** The UID/GID model-server containers run as (not root; images must not need a named user). */
const RUN_AS = 65532;

/**
 * A model server on the platform's EKS cluster: a Deployment (restricted pod security: non-root,
 * read-only root filesystem with emptyDirs for /tmp and the model cache, no privilege escalation,
 * every capability dropped, seccomp RuntimeDefault; Guaranteed QoS; readiness, liveness and
 * startup probes; spread across zones and nodes), a ClusterIP Service, a HorizontalPodAutoscaler
 * that owns the replica count, a PodDisruptionBudget, a NetworkPolicy admitting only the declared
 * callers on the serving port (egress: DNS, HTTPS for S3/STS, the Pod Identity agent, the feature
 * store) and the ServiceAccount to bind to the server's IAM role. With `gpu`, pods request
 * `nvidia.com/gpu`, tolerate the GPU taint and run on GPU inference nodes.
 *
 * @example
 * new ModelServingChart(app, 'credit-risk-server', {
 *   name: 'credit-risk-server', team: 'credit-risk', environment: 'prod', region: 'eu-west-1',
 *   image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/credit-risk-server:1.0.0',
 *   modelUri: 's3://models-bucket/credit-risk/1.0.0/',
 *   cpu: 2, memoryMiB: 4096, replicas: { min: 3, max: 12 },
 *   callers: [{ namespace: 'loan-origination', podLabels: { app: 'scoring-api' } }],
 * });
 */
export class ModelServingChart extends Chart {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
  readonly autoscaler: kplus.HorizontalPodAutoscaler;
  readonly serviceAccount: kplus.ServiceAccount;
  readonly networkPolicy: kplus.NetworkPolicy;

  constructor(scope: Construct, id: string, props: ModelServingProps) {
    super(scope, id, {
      ...props,
      labels: {
        ...platformLabels({ environment: props.environment, component: 'model-serving', team: props.team }),
        'app.kubernetes.io/name': props.name,
        ...props.labels,
      },
    });
    validateModelServing(props);
    const ns = props.team;
    const meta = (name: string) => ({ name, namespace: ns });
    const port = props.port ?? MODEL_SERVER_DEFAULTS.port;
    const replicas = props.replicas ?? MODEL_SERVER_DEFAULTS.replicas;
    const podLabels = { 'app.kubernetes.io/name': props.name, 'app.kubernetes.io/instance': props.name };

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: meta(props.serviceAccountName ?? props.name),
      // The server does not call the Kubernetes API; Pod Identity mounts its own token.
      automountToken: false,
    });

    const securityContext: kplus.ContainerSecurityContextProps = {
      ensureNonRoot: true,
      user: RUN_AS,
      group: RUN_AS,
      privileged: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: [kplus.Capability.ALL] },
      seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    };
    const paths = props.healthPaths ?? { readiness: '/v2/health/ready', liveness: '/v2/health/live' };
    const period = Duration.seconds(10);
    const startupTimeout = props.startupTimeout ?? MODEL_SERVER_DEFAULTS.startupTimeout;

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: meta(props.name),
      // No `replicas`: the HorizontalPodAutoscaler owns the count (a fixed count would fight it).
      select: false,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: RUN_AS, group: RUN_AS, fsGroup: RUN_AS },
      // Zero-downtime rollouts: new pods must be ready before old ones go.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(25),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      minReady: Duration.seconds(10),
      containers: [
        {
          name: 'model-server',
          image: props.image,
          ports: [{ name: 'http', number: port }],
          args: props.args,
          envVariables: {
            ...Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
            ...Object.fromEntries(
              Object.entries(props.configMapEnv ?? {}).map(([k, ref], i) => [
                k,
                kplus.EnvValue.fromConfigMap(kplus.ConfigMap.fromConfigMapName(this, `EnvConfigMap${i}`, ref.configMap), ref.key, {
                  optional: ref.optional ?? false,
                }),
              ]),
            ),
            AWS_REGION: kplus.EnvValue.fromValue(props.region),
            AWS_DEFAULT_REGION: kplus.EnvValue.fromValue(props.region),
            MODEL_URI: kplus.EnvValue.fromValue(props.modelUri),
            MODEL_DIR: kplus.EnvValue.fromValue(MODEL_CACHE_PATH),
            PORT: kplus.EnvValue.fromValue(`${port}`),
          },
          securityContext,
          resources: {
            cpu: { request: kplus.Cpu.millis(Math.round(props.cpu * 1000)), limit: kplus.Cpu.millis(Math.round(props.cpu * 1000)) },
            memory: { request: Size.mebibytes(props.memoryMiB), limit: Size.mebibytes(props.memoryMiB) },
          },
          // Loading a model can take minutes; liveness applies only once startup succeeded.
          startup: kplus.Probe.fromHttpGet(paths.liveness, {
            port,
            periodSeconds: period,
            failureThreshold: Math.ceil(startupTimeout.toSeconds() / period.toSeconds()),
          }),
          readiness: kplus.Probe.fromHttpGet(paths.readiness, { port, periodSeconds: Duration.seconds(5), failureThreshold: 3 }),
          liveness: kplus.Probe.fromHttpGet(paths.liveness, { port, periodSeconds: period, failureThreshold: 3 }),
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: podLabels }));
    for (const [key, value] of Object.entries(podLabels)) this.deployment.podMetadata.addLabel(key, value);
    const container = this.deployment.containers[0];
    container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.gibibytes(1) }));
    container.mount(
      MODEL_CACHE_PATH,
      kplus.Volume.fromEmptyDir(this, 'ModelCache', 'model-cache', { sizeLimit: props.modelCacheSize ?? Size.gibibytes(10) }),
    );

    // cdk8s-plus spreads with pod anti-affinity; topologySpreadConstraints balance evenly across
    // zones (hard: an AZ outage leaves the others serving) and nodes (soft).
    const deploymentObject = ApiObject.of(this.deployment);
    const spread = (topologyKey: string, whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway') => ({
      topologyKey,
      maxSkew: 1,
      whenUnsatisfiable,
      labelSelector: { matchLabels: podLabels },
      matchLabelKeys: ['pod-template-hash'],
      // A lost zone's nodes carry taints the pods do not tolerate: they stop counting, so
      // replacements and scale-out land in the surviving zones instead of staying Pending.
      nodeTaintsPolicy: 'Honor',
    });
    deploymentObject.addJsonPatch(
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        spread('topology.kubernetes.io/zone', 'DoNotSchedule'),
        spread('kubernetes.io/hostname', 'ScheduleAnyway'),
      ]),
    );

    if (props.gpu) {
      this.deployment.scheduling.tolerate(
        kplus.Node.tainted(kplus.NodeTaintQuery.is(GPU_TAINT.key, GPU_TAINT.value, { effect: kplus.TaintEffect.NO_SCHEDULE })),
      );
      // cdk8s-plus has no extended resources (nvidia.com/gpu) or nodeSelector: patch them in. The
      // patch applies before the typed object is rendered, so the quantity is a typed Quantity.
      const gpus = kplus.k8s.Quantity.fromString(`${props.gpu.count}`);
      deploymentObject.addJsonPatch(
        JsonPatch.add('/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu', gpus),
        JsonPatch.add('/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu', gpus),
        JsonPatch.add('/spec/template/spec/nodeSelector', { ...(props.gpu.nodeSelector ?? GPU_INFERENCE_NODE_SELECTOR) }),
      );
    }

    // Selected by the stable pod labels (not cdk8s's construct-path label).
    const serverPods = kplus.Pods.select(this, 'ServerPods', { labels: podLabels });
    this.service = new kplus.Service(this, 'Service', {
      metadata: meta(props.name),
      type: kplus.ServiceType.CLUSTER_IP,
      selector: serverPods,
      ports: [{ name: 'http', port, targetPort: port }],
    });

    const metrics: kplus.Metric[] = [];
    if (props.targetCpuPercent !== undefined || !props.podsMetric) {
      metrics.push(kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.targetCpuPercent ?? 70)));
    }
    if (props.podsMetric) {
      metrics.push(
        kplus.Metric.pods({ name: props.podsMetric.name, target: kplus.MetricTarget.averageValue(props.podsMetric.averageValue) }),
      );
    }
    this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
      metadata: meta(props.name),
      target: this.deployment,
      minReplicas: replicas.min,
      maxReplicas: replicas.max,
      metrics,
    });

    // cdk8s-plus has no PodDisruptionBudget kind: the typed Kubernetes API object. One pod at a
    // time may be evicted (node drains always progress; never all pods at once).
    new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: meta(props.name),
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: podLabels },
        // Pods that never became ready (bad model) must not block drains.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    this.networkPolicy = new kplus.NetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta(props.name),
      selector: serverPods,
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    props.callers.forEach((caller, i) => {
      const namespaces = kplus.Namespaces.select(this, `CallerNamespace${i}`, { names: [caller.namespace] });
      const peer = caller.podLabels
        ? kplus.Pods.select(this, `CallerPods${i}`, { labels: { ...caller.podLabels }, namespaces })
        : namespaces;
      this.networkPolicy.addIngressRule(peer, [kplus.NetworkPolicyPort.tcp(port)]);
    });
    const kubeDns = kplus.Pods.select(this, 'KubeDns', {
      labels: { 'k8s-app': 'kube-dns' },
      namespaces: kplus.Namespaces.select(this, 'KubeSystem', { names: ['kube-system'] }),
    });
    this.networkPolicy.addEgressRule(kubeDns, [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);
    // S3 (the model), STS and ECR over HTTPS; credentials from the Pod Identity agent.
    const https = [kplus.NetworkPolicyPort.tcp(443)];
    if (props.awsApis) {
      for (const block of awsApiIpBlocks(props.awsApis)) {
        this.networkPolicy.addEgressRule(kplus.NetworkPolicyIpBlock.ipv4(this, block.id, block.cidr, block.except), https);
      }
    } else {
      this.networkPolicy.addEgressRule(kplus.NetworkPolicyIpBlock.anyIpv4(this, 'AnyIpv4'), https);
    }
    this.networkPolicy.addEgressRule(kplus.NetworkPolicyIpBlock.ipv4(this, 'PodIdentityAgent', POD_IDENTITY_AGENT_CIDR), [
      kplus.NetworkPolicyPort.tcp(80),
    ]);
    if (props.featureStore) {
      this.networkPolicy.addEgressRule(kplus.NetworkPolicyIpBlock.ipv4(this, 'FeatureStore', props.featureStore.cidr), [
        kplus.NetworkPolicyPort.tcp(props.featureStore.port),
      ]);
    }
  }
}

/** Environment variables the chart sets itself. */
const CHART_ENV = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'MODEL_URI', 'MODEL_DIR', 'PORT'];
const AWS_REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

function validateModelServing(props: ModelServingProps): void {
  const where = `ModelServingChart '${props.name}'`;
  const fail = (message: string): never => {
    throw new Error(`${where}: ${message}`);
  };
  const isWhole = (n: number) => Number.isInteger(n);
  if (!DNS_1035_LABEL.test(props.name))
    fail(`name must be a DNS-1035 label (a-z first, then a-z, 0-9, '-', at most 63), got '${props.name}'`);
  if (!DNS_LABEL.test(props.team)) fail(`team must be a DNS-1123 label (its namespace), got '${props.team}'`);
  if (props.serviceAccountName !== undefined && !DNS_LABEL.test(props.serviceAccountName)) {
    fail(`serviceAccountName must be a DNS-1123 label, got '${props.serviceAccountName}'`);
  }
  if (!props.image || /\s/.test(props.image)) fail(`image must be an image reference without spaces, got '${props.image}'`);
  if (props.awsApis) {
    const [problem] = awsApiDestinationsProblems('awsApis', props.awsApis);
    if (problem) fail(problem);
  }
  if (!/^s3:\/\/[^/\s]+\/\S+$/.test(props.modelUri)) fail(`modelUri must be s3://<bucket>/<key or prefix>, got '${props.modelUri}'`);
  const port = props.port ?? MODEL_SERVER_DEFAULTS.port;
  if (!isWhole(port) || port < 1024 || port > 65535) {
    fail(`port must be a whole number from 1024 to 65535 (non-root without capabilities cannot bind lower ports), got ${port}`);
  }
  const replicas = props.replicas ?? MODEL_SERVER_DEFAULTS.replicas;
  if (!isWhole(replicas.min) || replicas.min < 1) fail(`replicas.min must be a whole number >= 1, got ${replicas.min}`);
  if (!isWhole(replicas.max) || replicas.max < replicas.min) {
    fail(`replicas.max must be a whole number >= replicas.min (${replicas.min}), got ${replicas.max}`);
  }
  if (!(props.cpu > 0) || Math.abs(props.cpu * 1000 - Math.round(props.cpu * 1000)) > 1e-6)
    fail(`cpu must be a positive number of cores in steps of 0.001, got ${props.cpu}`);
  if (!isWhole(props.memoryMiB) || props.memoryMiB < 128) fail(`memoryMiB must be a whole number >= 128, got ${props.memoryMiB}`);
  if (
    props.targetCpuPercent !== undefined &&
    (!isWhole(props.targetCpuPercent) || props.targetCpuPercent < 1 || props.targetCpuPercent > 100)
  ) {
    fail(`targetCpuPercent must be a whole number from 1 to 100, got ${props.targetCpuPercent}`);
  }
  if (props.podsMetric && (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(props.podsMetric.name) || !(props.podsMetric.averageValue > 0))) {
    fail(`podsMetric must name a metric ([a-zA-Z_:][a-zA-Z0-9_:]*) with an averageValue > 0, got ${JSON.stringify(props.podsMetric)}`);
  }
  if (props.gpu) {
    if (!isWhole(props.gpu.count) || props.gpu.count < 1) fail(`gpu.count must be a whole number >= 1, got ${props.gpu.count}`);
    const selector = props.gpu.nodeSelector ?? GPU_INFERENCE_NODE_SELECTOR;
    if (Object.keys(selector).length === 0) fail('gpu.nodeSelector must not be empty (GPU pods belong on GPU nodes)');
  }
  if (props.callers.length === 0) fail('callers must declare at least one caller (namespace and optional pod labels)');
  props.callers.forEach((caller, i) => {
    if (!DNS_LABEL.test(caller.namespace)) fail(`callers[${i}].namespace must be a DNS-1123 label, got '${caller.namespace}'`);
    for (const [key, value] of Object.entries(caller.podLabels ?? {})) {
      if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) fail(`callers[${i}].podLabels has an invalid label '${key}=${value}'`);
    }
    if (caller.podLabels && Object.keys(caller.podLabels).length === 0) {
      fail(`callers[${i}].podLabels is empty; leave it out to admit the whole namespace`);
    }
  });
  if (props.featureStore) {
    const { port: fsPort, cidr } = props.featureStore;
    if (!isWhole(fsPort) || fsPort < 1 || fsPort > 65535) fail(`featureStore.port must be a whole number from 1 to 65535, got ${fsPort}`);
    if (!parseCidr(cidr)) fail(`featureStore.cidr must be a network-aligned IPv4 CIDR like 10.30.0.0/16, got '${cidr}'`);
  }
  for (const name of [...Object.keys(props.env ?? {}), ...Object.keys(props.configMapEnv ?? {})]) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || CHART_ENV.includes(name)) {
      fail(`environment variable '${name}' is not allowed; expected a C identifier other than ${CHART_ENV.join(', ')} (set by the chart)`);
    }
  }
  if (!AWS_REGION_NAME.test(props.region)) fail(`region must be an AWS region such as eu-west-1, got '${props.region}'`);
  const timeout = (props.startupTimeout ?? MODEL_SERVER_DEFAULTS.startupTimeout).toSeconds();
  if (timeout < 10 || timeout > 3600) fail(`startupTimeout must be from 10 seconds to 1 hour, got ${timeout} seconds`);
}
