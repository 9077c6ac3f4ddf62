import { ApiObject, Chart, type ChartProps, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { platformLabels } from './labels';
import { POD_IDENTITY_AGENT_CIDR } from './team-tenancy';

/** An image reference pinned by digest (`repo@sha256:<64 hex>`, optionally with a tag before `@`). */
export const DIGEST_PINNED_IMAGE = /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[\w.-]+)?@sha256:[a-f0-9]{64}$/;

/** A TCP destination of the consumer's egress (brokers, the online store). */
export interface FeatureStreamEgress {
  /** Address ranges (e.g. the subnets of the brokers, or the VPC CIDR). */
  readonly cidrs: readonly string[];
  readonly port: number;
}

export interface FeatureStreamProps extends ChartProps {
  /** Name of the consumer's Deployment, PDB and NetworkPolicy (a DNS-1035 label), e.g. `applicant-txn-aggregates-stream`. */
  readonly name: string;
  /** Namespace the consumer runs in (it must exist). */
  readonly namespace: string;
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /** Service account bound to the consumer's IAM role by a Pod Identity association (`FeatureStreamConsumer`). */
  readonly serviceAccountName: string;
  /** Node.js image of the processor, pinned by digest (e.g. `public.ecr.aws/docker/library/node:22-alpine@sha256:…`). */
  readonly image: string;
  /** Image with the AWS CLI v2 that fetches the bundle, pinned by digest (e.g. `public.ecr.aws/aws-cli/aws-cli@sha256:…`). */
  readonly fetchImage: string;
  /** `s3://bucket/key` of the bundle (`FeatureStreamConsumer.bundleS3Uri`). */
  readonly bundleS3Uri: string;
  /** File name of the bundle (`FeatureStreamConsumer.bundleFileName`), e.g. `feature-stream.mjs`. */
  readonly bundleFileName: string;
  /** AWS region (the CLI and the processor's SDK clients need it). */
  readonly region: string;
  /** Arguments of the processor, e.g. `['stream', '--group', 'applicant_txn_aggregates']`. */
  readonly args?: readonly string[];
  /** Environment of the processor (brokers, topic, consumer group, store endpoint, ...). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Consumers (at most the topic's partition count do work).
   * @default 2
   */
  readonly replicas?: number;
  /** CPU cores per pod (requests = limits), in steps of 0.001. @default 0.5 */
  readonly cpu?: number;
  /** Memory per pod in MiB (requests = limits). @default 512 */
  readonly memoryMiB?: number;
  /** The MSK brokers (IAM port 9098). */
  readonly brokers: FeatureStreamEgress;
  /** The online store. */
  readonly onlineStore: FeatureStreamEgress;
  /**
   * Where HTTPS to AWS APIs goes (S3 for the bundle, STS; VPC endpoints or NAT).
   * @default ['0.0.0.0/0']
   */
  readonly httpsCidrs?: readonly string[];
}

const RUN_AS = 65532;
const BUNDLE_DIR = '/bundle';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The streaming computation of a feature group on EKS: the same TypeScript processor that the local
 * `features replay` runs, as a Kafka consumer. An init container fetches the bundle from S3 (Pod
 * Identity credentials) into an emptyDir that the processor mounts read-only; both containers run
 * non-root with a read-only root filesystem, no privilege escalation, every capability dropped and
 * seccomp RuntimeDefault; Guaranteed QoS. Pods spread across zones (ignoring tainted nodes of a
 * failed zone) and nodes; a PodDisruptionBudget keeps all but one running during drains; a
 * NetworkPolicy denies ingress and allows egress only to DNS, the brokers, the online store, HTTPS
 * and the Pod Identity agent.
 *
 * @example
 * import { FeatureStreamChart } from './feature-stream';
 * declare const consumer: { bundleS3Uri: string; bundleFileName: string };
 * const NODE_22_BY_DIGEST = 'public.ecr.aws/docker/library/node@sha256:<digest of node:22-slim>';
 * const AWS_CLI_BY_DIGEST = 'public.ecr.aws/aws-cli/aws-cli@sha256:<digest>';
 * new FeatureStreamChart(app, 'applicant-txn-aggregates-stream', {
 *   name: 'applicant-txn-aggregates-stream', namespace: 'features', environment: 'prod',
 *   serviceAccountName: 'applicant-txn-aggregates', image: NODE_22_BY_DIGEST, fetchImage: AWS_CLI_BY_DIGEST,
 *   bundleS3Uri: consumer.bundleS3Uri, bundleFileName: consumer.bundleFileName, region: 'eu-west-1',
 *   args: ['stream', '--group', 'applicant_txn_aggregates'],
 *   brokers: { cidrs: ['10.0.64.0/20'], port: 9098 }, onlineStore: { cidrs: ['10.0.64.0/20'], port: 6379 },
 * });
 */
export class FeatureStreamChart extends Chart {
  readonly deployment: kplus.Deployment;
  readonly serviceAccount: kplus.ServiceAccount;
  readonly networkPolicy: kplus.NetworkPolicy;

  constructor(scope: Construct, id: string, props: FeatureStreamProps) {
    super(scope, id, {
      ...props,
      labels: {
        ...platformLabels({ environment: props.environment, component: 'feature-stream' }),
        'app.kubernetes.io/name': props.name,
        ...props.labels,
      },
    });
    validateFeatureStream(props);
    const meta = (name: string) => ({ name, namespace: props.namespace });
    const podLabels = { 'app.kubernetes.io/name': props.name, 'app.kubernetes.io/instance': props.name };
    const cpu = kplus.Cpu.millis(Math.round((props.cpu ?? 0.5) * 1000));
    const memory = Size.mebibytes(props.memoryMiB ?? 512);

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: meta(props.serviceAccountName),
      // The consumer does not call the Kubernetes API; Pod Identity mounts its own token.
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
    const bundlePath = `${BUNDLE_DIR}/${props.bundleFileName}`;
    const aws = { AWS_REGION: kplus.EnvValue.fromValue(props.region), AWS_DEFAULT_REGION: kplus.EnvValue.fromValue(props.region) };

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: meta(props.name),
      replicas: props.replicas ?? 2,
      select: false,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: RUN_AS, group: RUN_AS, fsGroup: RUN_AS },
      // A consumer group rebalances on every change: replace one pod at a time.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      minReady: Duration.seconds(10),
      containers: [
        {
          name: 'processor',
          image: props.image,
          command: ['node', bundlePath],
          args: props.args ? [...props.args] : undefined,
          envVariables: {
            ...Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
            ...aws,
            NODE_ENV: kplus.EnvValue.fromValue('production'),
          },
          securityContext,
          resources: { cpu: { request: cpu, limit: cpu }, memory: { request: memory, limit: memory } },
        },
      ],
      initContainers: [
        {
          name: 'fetch-bundle',
          image: props.fetchImage,
          command: ['aws', 's3', 'cp', '--only-show-errors', props.bundleS3Uri, bundlePath],
          envVariables: { ...aws, HOME: kplus.EnvValue.fromValue('/tmp') },
          securityContext,
          resources: {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
            memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
          },
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: podLabels }));
    for (const [key, value] of Object.entries(podLabels)) this.deployment.podMetadata.addLabel(key, value);
    const bundle = kplus.Volume.fromEmptyDir(this, 'BundleVolume', 'bundle', { sizeLimit: Size.mebibytes(256) });
    const tmp = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.mebibytes(256) });
    const [processor] = this.deployment.containers;
    const [fetch] = this.deployment.initContainers;
    processor.mount(BUNDLE_DIR, bundle, { readOnly: true });
    processor.mount('/tmp', tmp);
    fetch.mount(BUNDLE_DIR, bundle);
    fetch.mount('/tmp', tmp);

    const spread = (topologyKey: string, whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway') => ({
      topologyKey,
      maxSkew: 1,
      whenUnsatisfiable,
      labelSelector: { matchLabels: podLabels },
      matchLabelKeys: ['pod-template-hash'],
      // A failed zone's nodes are tainted: they must not hold the spread hostage.
      nodeTaintsPolicy: 'Honor',
    });
    ApiObject.of(this.deployment).addJsonPatch(
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        spread('topology.kubernetes.io/zone', 'DoNotSchedule'),
        spread('kubernetes.io/hostname', 'ScheduleAnyway'),
      ]),
    );

    new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: meta(props.name),
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: podLabels },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    const pods = kplus.Pods.select(this, 'ConsumerPods', { labels: podLabels });
    this.networkPolicy = new kplus.NetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta(props.name),
      selector: pods,
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    const kubeDns = kplus.Pods.select(this, 'KubeDns', {
      labels: { 'k8s-app': 'kube-dns' },
      namespaces: kplus.Namespaces.select(this, 'KubeSystem', { names: ['kube-system'] }),
    });
    this.networkPolicy.addEgressRule(kubeDns, [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);
    const allow = (idPrefix: string, cidrs: readonly string[], port: number) => {
      cidrs.forEach((cidr, i) => {
        this.networkPolicy.addEgressRule(kplus.NetworkPolicyIpBlock.ipv4(this, `${idPrefix}${i}`, cidr), [
          kplus.NetworkPolicyPort.tcp(port),
        ]);
      });
    };
    allow('Brokers', props.brokers.cidrs, props.brokers.port);
    allow('OnlineStore', props.onlineStore.cidrs, props.onlineStore.port);
    allow('Https', props.httpsCidrs ?? ['0.0.0.0/0'], 443);
    allow('PodIdentityAgent', [POD_IDENTITY_AGENT_CIDR], 80);
  }
}

function validateFeatureStream(props: FeatureStreamProps): void {
  const fail = (message: string): never => {
    throw new Error(`FeatureStreamChart '${props.name}': ${message}`);
  };
  if (!DNS_1035_LABEL.test(props.name))
    fail(`name must be a DNS-1035 label (a-z first, then a-z, 0-9, '-', at most 63), got '${props.name}'`);
  if (!DNS_LABEL.test(props.namespace)) fail(`namespace must be a DNS-1123 label, got '${props.namespace}'`);
  if (!DNS_LABEL.test(props.serviceAccountName)) fail(`serviceAccountName must be a DNS-1123 label, got '${props.serviceAccountName}'`);
  for (const [field, image] of [
    ['image', props.image],
    ['fetchImage', props.fetchImage],
  ] as const) {
    if (!DIGEST_PINNED_IMAGE.test(image)) fail(`${field} must be pinned by digest (<repository>@sha256:<64 hex>), got '${image}'`);
  }
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/.test(props.bundleS3Uri) && !props.bundleS3Uri.includes('${Token['))
    fail(`bundleS3Uri must be s3://<bucket>/<key>, got '${props.bundleS3Uri}'`);
  if (!/^[A-Za-z0-9._-]+\.(m?js|cjs)$/.test(props.bundleFileName))
    fail(`bundleFileName must be a .js, .mjs or .cjs file name, got '${props.bundleFileName}'`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(props.region)) fail(`region must be an AWS region such as eu-west-1, got '${props.region}'`);
  const replicas = props.replicas ?? 2;
  if (!(Number.isInteger(replicas) && replicas >= 1 && replicas <= 1000))
    fail(`replicas must be a whole number from 1 to 1000, got ${replicas}`);
  const cpu = props.cpu ?? 0.5;
  if (!(cpu > 0) || Math.abs(cpu * 1000 - Math.round(cpu * 1000)) > 1e-6)
    fail(`cpu must be a positive number of cores in steps of 0.001, got ${cpu}`);
  const memory = props.memoryMiB ?? 512;
  if (!(Number.isInteger(memory) && memory >= 128)) fail(`memoryMiB must be a whole number >= 128, got ${memory}`);
  for (const key of Object.keys(props.env ?? {})) {
    if (!ENV_NAME.test(key)) fail(`env name must be letters, digits and '_' (not starting with a digit), got '${key}'`);
    if (['AWS_REGION', 'AWS_DEFAULT_REGION', 'NODE_ENV'].includes(key)) fail(`env must not set ${key} (the chart sets it)`);
  }
  for (const [field, egress] of [
    ['brokers', props.brokers],
    ['onlineStore', props.onlineStore],
  ] as const) {
    if (egress.cidrs.length === 0) fail(`${field}.cidrs must name at least one CIDR`);
    for (const cidr of egress.cidrs) if (!isCidr(cidr)) fail(`${field}.cidrs has '${cidr}', which is not an IPv4 CIDR`);
    if (!(Number.isInteger(egress.port) && egress.port >= 1 && egress.port <= 65535))
      fail(`${field}.port must be a TCP port (1-65535), got ${egress.port}`);
  }
  for (const cidr of props.httpsCidrs ?? []) if (!isCidr(cidr)) fail(`httpsCidrs has '${cidr}', which is not an IPv4 CIDR`);
}

function isCidr(value: string): boolean {
  const m = CIDR.exec(value);
  return m?.slice(1, 5).every((octet) => Number(octet) <= 255) ?? false;
}
