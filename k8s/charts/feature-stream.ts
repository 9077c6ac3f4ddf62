import { ApiObject, Chart, type ChartProps, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { platformLabels } from './labels';
import { POD_IDENTITY_AGENT_CIDR } from './team-tenancy';

/** An image reference pinned by digest (`repo@sha256:<64 hex>`, optionally with a tag before `@`). */
export const DIGEST_PINNED_IMAGE = /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[\w.-]+)?@sha256:[a-f0-9]{64}$/;
/**
 * An image in a private ECR repository of the account, by tag (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`):
 * the platform's repositories and CDK's container-assets repository have immutable tags.
 */
export const PRIVATE_ECR_IMAGE =
  /^\d{12}\.dkr\.ecr\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?\/[a-z0-9]+([._/-][a-z0-9]+)*(:[\w.-]+|@sha256:[a-f0-9]{64})$/;

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
  /**
   * The processor's image, whose entrypoint runs it (`FeatureStreamConsumer.imageUri`: the bundle on
   * Node.js in the account's container-assets ECR repository). Pinned by digest, or in a private ECR
   * repository with immutable tags.
   */
  readonly image: string;
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
   * Where HTTPS to AWS APIs goes (STS, Glue schema registry, CloudWatch; VPC endpoints or NAT).
   * @default ['0.0.0.0/0']
   */
  readonly httpsCidrs?: readonly string[];
}

const RUN_AS = 65532;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The streaming computation of a feature group on EKS: the same TypeScript processor that the local
 * `features replay` runs, as a Kafka consumer, from an image that holds it (built by
 * `FeatureStreamConsumer`). The processor runs
 * non-root with a read-only root filesystem, no privilege escalation, every capability dropped and
 * seccomp RuntimeDefault; Guaranteed QoS. Pods spread across zones (ignoring tainted nodes of a
 * failed zone) and nodes; a PodDisruptionBudget keeps all but one running during drains; a
 * NetworkPolicy denies ingress and allows egress only to DNS, the brokers, the online store, HTTPS
 * and the Pod Identity agent.
 *
 * @example
 * import { FeatureStreamChart } from './feature-stream';
 * declare const consumer: { imageUri: string };
 * new FeatureStreamChart(app, 'applicant-txn-aggregates-stream', {
 *   name: 'applicant-txn-aggregates-stream', namespace: 'features', environment: 'prod',
 *   serviceAccountName: 'applicant-txn-aggregates', image: consumer.imageUri, region: 'eu-west-1',
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
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: podLabels }));
    for (const [key, value] of Object.entries(podLabels)) this.deployment.podMetadata.addLabel(key, value);
    const tmp = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.mebibytes(256) });
    const [processor] = this.deployment.containers;
    processor.mount('/tmp', tmp);
    // The image is built for x86_64 (FeatureStreamConsumer), as are the platform's node pools.
    this.deployment.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is('kubernetes.io/arch', 'amd64')));

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
  // A token is the consumer's image asset (resolved at deploy: the account's container-assets repository).
  if (!props.image.includes('${Token[') && !DIGEST_PINNED_IMAGE.test(props.image) && !PRIVATE_ECR_IMAGE.test(props.image))
    fail(
      `image must be pinned by digest (<repository>@sha256:<64 hex>) or be in the account's private ECR (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<immutable tag>), got '${props.image}'`,
    );
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
