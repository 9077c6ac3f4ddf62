import { Chart, type ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { GPU_RESOURCE } from '../../constructs/compute/gpu';
import { type Cidr, contains, DNS_LABEL, isPrivate, NON_PUBLIC_CIDRS, parseCidr } from '../../constructs/core/patterns';
import { platformLabels } from './labels';
import { RayOperatorAccess } from './ray-operator-access';

/** What one team may request in its namespace, in total. */
export interface TeamQuota {
  /** CPU cores (requests and limits). */
  readonly cpu: number;
  /** Memory in GiB (requests and limits). */
  readonly memoryGiB: number;
  /** NVIDIA GPUs (`requests.nvidia.com/gpu`); 0 keeps the team off GPU nodes. */
  readonly gpus: number;
  /**
   * Pods.
   * @default 200
   */
  readonly pods?: number;
}

export interface TeamTenancyProps extends ChartProps {
  /** Team name; also the namespace name (a DNS label). */
  readonly team: string;
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  readonly quota: TeamQuota;
  /**
   * Service account the team's workloads run as; bound to the team's IAM role by EKS Pod Identity.
   * @default `${team}-workloads`
   */
  readonly serviceAccountName?: string;
  /**
   * Allow egress HTTPS (443) to AWS APIs and the EKS Pod Identity agent: AWS APIs (S3 lake, STS,
   * ECR) are reached over HTTPS; without it pods cannot use their AWS identity.
   * @default true
   */
  readonly allowAwsApis?: boolean;
  /**
   * Where AWS APIs are (the `allow-aws-apis` policy's HTTPS destinations).
   * @default - anywhere (0.0.0.0/0)
   */
  readonly awsApis?: AwsApiDestinations;
}

/** Where a namespace's pods reach AWS APIs over HTTPS. */
export interface AwsApiDestinations {
  /** The VPC's CIDR: the interface VPC endpoints (S3, STS, ECR, KMS, Logs, SageMaker, ...) live there. */
  readonly vpcCidr: string;
  /**
   * Public CIDRs reached through the NAT gateway: with no interface endpoints, every AWS API
   * (`0.0.0.0/0`); with them, none, or the few destinations outside AWS that must leave the VPC.
   * Non-public ranges inside them (RFC 1918, 100.64/10, link-local) are excepted, so pods cannot
   * reach other VPCs, peered or on-premises networks on 443.
   */
  readonly outside: readonly string[];
}

/** Address of the EKS Pod Identity agent on every node (link-local). */
export const POD_IDENTITY_AGENT_CIDR = '169.254.170.23/32';

/** The default service account name of a team's workloads. */
export function teamServiceAccountName(team: string): string {
  return `${team}-workloads`;
}

/**
 * The tenancy of one team: its namespace; a ResourceQuota over CPU, memory, GPUs and pods; a
 * LimitRange that gives containers without requests sane defaults (so the quota can be enforced);
 * a default-deny NetworkPolicy plus allowances for same-namespace traffic, DNS, AWS APIs and the
 * KubeRay operator to the Ray heads; Pod Security "restricted" enforced; and
 * the service account its workloads use (token not auto-mounted: the workloads do not call the
 * Kubernetes API).
 *
 * @example
 * new TeamTenancyChart(app, 'risk', { team: 'risk', environment: 'dev', quota: { cpu: 64, memoryGiB: 256, gpus: 4 } });
 */
export class TeamTenancyChart extends Chart {
  readonly teamNamespace: kplus.Namespace;
  readonly serviceAccount: kplus.ServiceAccount;

  constructor(scope: Construct, id: string, props: TeamTenancyProps) {
    const labels = platformLabels({ environment: props.environment, component: 'tenancy', team: props.team });
    super(scope, id, { ...props, labels: { ...labels, ...props.labels } });
    validateTenancy(props);
    const ns = props.team;
    const meta = (name: string) => ({ name, namespace: ns });

    this.teamNamespace = new kplus.Namespace(this, 'Namespace', {
      metadata: {
        name: ns,
        // Pod Security Admission: every team pod must pass "restricted" (the platform's runtimes
        // and templates do); the version is pinned so a cluster upgrade cannot change the rules.
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.34',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });

    const quota = props.quota;
    const q = (value: string) => kplus.k8s.Quantity.fromString(value);
    // cdk8s-plus has no ResourceQuota or LimitRange kind: the typed Kubernetes API objects it exports.
    new kplus.k8s.KubeResourceQuota(this, 'Quota', {
      metadata: meta(`${ns}-quota`),
      spec: {
        hard: {
          'requests.cpu': q(`${quota.cpu}`),
          'limits.cpu': q(`${quota.cpu}`),
          'requests.memory': q(`${quota.memoryGiB}Gi`),
          'limits.memory': q(`${quota.memoryGiB}Gi`),
          [`requests.${GPU_RESOURCE}`]: q(`${quota.gpus}`),
          pods: q(`${quota.pods ?? 200}`),
        },
      },
    });

    new kplus.k8s.KubeLimitRange(this, 'Limits', {
      metadata: meta(`${ns}-limits`),
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: q('250m'), memory: q('512Mi') },
            default: { cpu: q('1'), memory: q('2Gi') },
            max: { cpu: q(`${quota.cpu}`), memory: q(`${quota.memoryGiB}Gi`) },
          },
        ],
      },
    });

    const inNamespace = kplus.Namespaces.select(this, 'ThisNamespace', { names: [ns] });
    const allPods = kplus.Pods.all(this, 'AllPods', { namespaces: inNamespace });

    new kplus.NetworkPolicy(this, 'DefaultDeny', {
      metadata: meta('default-deny'),
      selector: allPods,
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });

    const sameNamespace = new kplus.NetworkPolicy(this, 'AllowSameNamespace', {
      metadata: meta('allow-same-namespace'),
      selector: allPods,
    });
    sameNamespace.addIngressRule(allPods);
    sameNamespace.addEgressRule(allPods);

    const dns = new kplus.NetworkPolicy(this, 'AllowDns', { metadata: meta('allow-dns'), selector: allPods });
    const kubeDns = kplus.Pods.select(this, 'KubeDns', {
      labels: { 'k8s-app': 'kube-dns' },
      namespaces: kplus.Namespaces.select(this, 'KubeSystem', { names: ['kube-system'] }),
    });
    dns.addEgressRule(kubeDns, [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);

    if (props.allowAwsApis ?? true) {
      const aws = new kplus.NetworkPolicy(this, 'AllowAwsApis', { metadata: meta('allow-aws-apis'), selector: allPods });
      const https = [kplus.NetworkPolicyPort.tcp(443)];
      if (props.awsApis) {
        for (const block of awsApiIpBlocks(props.awsApis)) {
          aws.addEgressRule(kplus.NetworkPolicyIpBlock.ipv4(this, block.id, block.cidr, block.except), https);
        }
      } else {
        aws.addEgressRule(kplus.NetworkPolicyIpBlock.anyIpv4(this, 'AnyIpv4'), https);
      }
      aws.addEgressRule(kplus.NetworkPolicyIpBlock.ipv4(this, 'PodIdentityAgent', POD_IDENTITY_AGENT_CIDR), [
        kplus.NetworkPolicyPort.tcp(80),
      ]);
    }

    // The KubeRay operator (another namespace) reaches the team's Ray heads through the default deny.
    new RayOperatorAccess(this, 'RayOperatorAccess', { namespace: ns });

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: meta(props.serviceAccountName ?? teamServiceAccountName(ns)),
      automountToken: false,
    });
  }
}

/**
 * What is wrong with one `outside` destination of AwsApiDestinations (empty when nothing is): the
 * check the chart and the compute config rules both run.
 */
export function outsideCidrProblems(text: string): string[] {
  const cidr = parseCidr(text);
  if (!cidr) return ["is not a network-aligned IPv4 CIDR like '52.218.0.0/17'"];
  if (isPrivate(cidr)) return ['is a private (RFC 1918) range; private destinations are reached in the VPC (vpcCidr), not through NAT'];
  return [];
}

/** One HTTPS destination of AwsApiDestinations, as a NetworkPolicy ipBlock (`id`: its construct id). */
export interface AwsApiIpBlock {
  readonly id: string;
  readonly cidr: string;
  readonly except?: string[];
}

/**
 * The ipBlocks through which pods reach AWS APIs on 443: the VPC CIDR (interface endpoints, id
 * `VpcEndpoints`) and each `outside` range with the non-public ranges inside it excepted (ids
 * `Outside<i>`). The tenancy chart, the model servers and the LLM server template share them.
 */
export function awsApiIpBlocks(awsApis: AwsApiDestinations): AwsApiIpBlock[] {
  return [
    { id: 'VpcEndpoints', cidr: awsApis.vpcCidr },
    ...awsApis.outside.map((cidr, i) => ({ id: `Outside${i}`, cidr, except: nonPublicWithin(cidr) })),
  ];
}

/** What is wrong with AwsApiDestinations (empty when nothing is), each line naming the field under `field`. */
export function awsApiDestinationsProblems(field: string, awsApis: AwsApiDestinations): string[] {
  const problems: string[] = [];
  if (!parseCidr(awsApis.vpcCidr)) {
    problems.push(`${field}.vpcCidr must be a network-aligned IPv4 CIDR like 10.30.0.0/16, got '${awsApis.vpcCidr}'`);
  }
  awsApis.outside.forEach((cidr, i) => {
    const [problem] = outsideCidrProblems(cidr);
    if (problem) problems.push(`${field}.outside[${i}] '${cidr}' ${problem}`);
  });
  return problems;
}

/** The non-public ranges inside a CIDR (what an `outside` destination excepts). */
function nonPublicWithin(text: string): string[] | undefined {
  const cidr = parseCidr(text);
  const within = NON_PUBLIC_CIDRS.filter((r) => cidr && contains(cidr, parseCidr(r) as Cidr));
  return within.length > 0 ? within : undefined;
}

function validateTenancy(props: TeamTenancyProps): void {
  const where = `TeamTenancyChart '${props.team}'`;
  if (!DNS_LABEL.test(props.team)) {
    throw new Error(`${where}: team must be a DNS-1123 label (lower-case a-z, 0-9, '-', at most 63), got '${props.team}'`);
  }
  if (props.awsApis) {
    const [problem] = awsApiDestinationsProblems('awsApis', props.awsApis);
    if (problem) throw new Error(`${where}: ${problem}`);
  }
  const q = props.quota;
  const checks: Array<[string, number, boolean]> = [
    ['quota.cpu', q.cpu, q.cpu > 0],
    ['quota.memoryGiB', q.memoryGiB, q.memoryGiB > 0],
    ['quota.gpus', q.gpus, Number.isInteger(q.gpus) && q.gpus >= 0],
    ['quota.pods', q.pods ?? 200, Number.isInteger(q.pods ?? 200) && (q.pods ?? 200) > 0],
  ];
  for (const [field, value, ok] of checks) {
    if (!ok || !Number.isFinite(value))
      throw new Error(`${where}: ${field} must be a positive number (gpus: a whole number >= 0), got ${value}`);
  }
  // Size keeps memory units honest; a quota below the LimitRange default would reject every pod.
  if (Size.gibibytes(q.memoryGiB).toMebibytes() < 2048 || q.cpu < 1) {
    throw new Error(`${where}: quota must admit one default container (1 CPU, 2 GiB), got cpu ${q.cpu}, memoryGiB ${q.memoryGiB}`);
  }
}
