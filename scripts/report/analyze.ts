/**
 * The platform report's arithmetic over synthesized templates: limits per stack, the cold-deploy
 * critical path, and an itemized monthly cost at idle and at the configured maximum. Pure
 * functions over plain data, so tests can feed templates that break each budget on purpose.
 */
import { ec2InstanceSpec, ec2InstanceTypesOf } from '../../lib/catalog';
import { creationMinutes } from './creation-times';
import { HOURLY, HOURS_PER_MONTH, MONTHLY, priceIn, SPOT_SHARE_OF_ON_DEMAND } from './prices';

export type Template = { Resources?: Record<string, any>; Outputs?: Record<string, unknown>; Parameters?: Record<string, unknown> };

export interface StackInput {
  /** Artifact id in the assembly. */
  readonly id: string;
  readonly name: string;
  readonly template: Template;
  /** Artifact ids of the stacks this one deploys after. */
  readonly dependencies: readonly string[];
  /** Size of the template file as written (bytes); JSON length when not given. */
  readonly bytes?: number;
}

/** CloudFormation quotas per stack (AWS CloudFormation User Guide, "Quotas"). */
export const LIMITS = {
  resources: 500,
  templateBytes: 1_048_576,
  outputs: 200,
  parameters: 200,
  /** A custom resource's response object (all Data) must stay under 4,096 bytes. */
  customResourceResponseBytes: 4_096,
  /** An asynchronous Lambda event (CloudFormation invokes the kubectl provider with the resource's properties). */
  kubectlEventBytes: 262_144,
} as const;

export type LimitName = keyof typeof LIMITS;

export interface StackLimits {
  readonly stack: string;
  readonly used: Readonly<Record<LimitName, number>>;
  readonly percent: Readonly<Record<LimitName, number>>;
  readonly largestPercent: number;
  readonly largestLimit: LimitName;
}

/** Bytes a custom resource that returns data is expected to return, per declared output path. */
const RESPONSE_BYTES_PER_OUTPUT_PATH = 512;

export function stackLimits(stack: StackInput): StackLimits {
  const resources = Object.values(stack.template.Resources ?? {});
  const kubectl = resources
    .filter((r) => typeof r.Type === 'string' && r.Type.startsWith('Custom::AWSCDK-EKS-'))
    .map((r) => JSON.stringify(r.Properties ?? {}).length);
  const responses = resources
    .filter((r) => r.Type === 'Custom::AWS')
    .map((r) => {
      const create = typeof r.Properties?.Create === 'string' ? r.Properties.Create : JSON.stringify(r.Properties?.Create ?? {});
      const paths = /"outputPaths":\[([^\]]*)\]/.exec(create)?.[1]?.split(',').length ?? 0;
      return paths * RESPONSE_BYTES_PER_OUTPUT_PATH;
    });
  const used: Record<LimitName, number> = {
    resources: resources.length,
    templateBytes: stack.bytes ?? JSON.stringify(stack.template, undefined, 1).length,
    outputs: Object.keys(stack.template.Outputs ?? {}).length,
    parameters: Object.keys(stack.template.Parameters ?? {}).length,
    customResourceResponseBytes: Math.max(0, ...responses),
    kubectlEventBytes: Math.max(0, ...kubectl),
  };
  const percent = Object.fromEntries((Object.keys(LIMITS) as LimitName[]).map((k) => [k, round((100 * used[k]) / LIMITS[k], 1)])) as Record<
    LimitName,
    number
  >;
  const largestLimit = (Object.keys(percent) as LimitName[]).reduce((a, b) => (percent[b] > percent[a] ? b : a));
  return { stack: stack.name, used, percent, largestPercent: percent[largestLimit], largestLimit };
}

/** Logical IDs a value references (Ref, Fn::GetAtt, ${X} in Fn::Sub). */
function references(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) references(v, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') into.add(v);
      else if (k === 'Fn::GetAtt') into.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) into.add(m[1]);
        references(Array.isArray(v) ? v[1] : undefined, into);
      } else references(v, into);
    }
  }
}

export interface StackDuration {
  readonly minutes: number;
  /** The slowest chain of resources in the stack, first to last (logical IDs). */
  readonly chain: readonly string[];
  /** The slowest single resource. */
  readonly slowest: { readonly logicalId: string; readonly type: string; readonly minutes: number } | undefined;
}

/** Minutes to create a stack: the longest dependency chain of its resources (CloudFormation creates in parallel). */
export function stackCreateMinutes(template: Template): StackDuration {
  const resources = template.Resources ?? {};
  const deps = new Map<string, string[]>();
  for (const [id, r] of Object.entries(resources)) {
    const refs = new Set<string>();
    references(r.Properties, refs);
    const dependsOn = r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn];
    for (const d of dependsOn) refs.add(d);
    deps.set(
      id,
      [...refs].filter((x) => x !== id && x in resources),
    );
  }
  const memo = new Map<string, { minutes: number; chain: string[] }>();
  const finish = (id: string, seen: Set<string>): { minutes: number; chain: string[] } => {
    const known = memo.get(id);
    if (known) return known;
    if (seen.has(id)) return { minutes: 0, chain: [] }; // a cycle would fail in CloudFormation; don't loop here
    seen.add(id);
    let best = { minutes: 0, chain: [] as string[] };
    for (const d of deps.get(id) ?? []) {
      const f = finish(d, seen);
      if (f.minutes > best.minutes) best = f;
    }
    const result = { minutes: best.minutes + creationMinutes(resources[id].Type), chain: [...best.chain, id] };
    memo.set(id, result);
    return result;
  };
  let longest = { minutes: 0, chain: [] as string[] };
  let slowest: StackDuration['slowest'];
  for (const [id, r] of Object.entries(resources)) {
    const f = finish(id, new Set());
    if (f.minutes > longest.minutes) longest = f;
    const m = creationMinutes(r.Type);
    if (!slowest || m > slowest.minutes) slowest = { logicalId: id, type: r.Type, minutes: m };
  }
  return { minutes: round(longest.minutes, 2), chain: longest.chain, slowest };
}

export interface CriticalPath {
  readonly minutes: number;
  /** Stack names along the critical path, first deployed first. */
  readonly stacks: readonly string[];
  readonly perStack: Readonly<Record<string, number>>;
  readonly slowestResource: { readonly stack: string; readonly logicalId: string; readonly type: string; readonly minutes: number };
}

/** The cold deploy's critical path: stacks deploy when their dependencies finish (`cdk deploy --concurrency`). */
export function criticalPath(stacks: readonly StackInput[]): CriticalPath {
  const byId = new Map(stacks.map((s) => [s.id, s]));
  const durations = new Map(stacks.map((s) => [s.id, stackCreateMinutes(s.template)]));
  const memo = new Map<string, { minutes: number; path: string[] }>();
  const finish = (id: string): { minutes: number; path: string[] } => {
    const known = memo.get(id);
    if (known) return known;
    const stack = byId.get(id);
    if (!stack) return { minutes: 0, path: [] };
    let best = { minutes: 0, path: [] as string[] };
    for (const d of stack.dependencies) {
      const f = finish(d);
      if (f.minutes > best.minutes) best = f;
    }
    const result = { minutes: best.minutes + (durations.get(id)?.minutes ?? 0), path: [...best.path, stack.name] };
    memo.set(id, result);
    return result;
  };
  let longest = { minutes: 0, path: [] as string[] };
  for (const s of stacks) {
    const f = finish(s.id);
    if (f.minutes > longest.minutes) longest = f;
  }
  let slowestResource = { stack: '', logicalId: '', type: '', minutes: 0 };
  for (const s of stacks) {
    const slow = durations.get(s.id)?.slowest;
    if (slow && slow.minutes > slowestResource.minutes) slowestResource = { stack: s.name, ...slow };
  }
  return {
    minutes: round(longest.minutes, 1),
    stacks: longest.path,
    perStack: Object.fromEntries(stacks.map((s) => [s.name, durations.get(s.id)?.minutes ?? 0])),
    slowestResource,
  };
}

export interface CostLine {
  readonly stack: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly idleMonthlyUsd: number;
  readonly maxMonthlyUsd: number;
}

export interface CostEstimate {
  readonly idleMonthlyUsd: number;
  readonly maxMonthlyUsd: number;
  readonly lines: readonly CostLine[];
  /** Priced items whose price the table lacks (they count as 0: add them to prices.ts). */
  readonly unpriced: readonly string[];
}

const int = (v: unknown, fallback = 0): number =>
  typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : fallback;

/** Monthly cost of what the templates provision, at minimum sizes (idle) and at configured maxima. */
export function estimateCost(stacks: readonly StackInput[], region: string): CostEstimate {
  const lines: CostLine[] = [];
  const unpriced = new Set<string>();
  const hourly = (key: string): number => {
    const v = priceIn(HOURLY, key, region);
    if (v === undefined) unpriced.add(key);
    return (v ?? 0) * HOURS_PER_MONTH;
  };
  const monthly = (key: string): number => {
    const v = priceIn(MONTHLY, key, region);
    if (v === undefined) unpriced.add(key);
    return v ?? 0;
  };
  const add = (stack: string, item: string, unit: string, idleQty: number, maxQty: number, perUnitMonth: number) => {
    if (idleQty === 0 && maxQty === 0) return;
    lines.push({
      stack,
      item,
      quantity: idleQty,
      unit,
      idleMonthlyUsd: round(idleQty * perUnitMonth, 2),
      maxMonthlyUsd: round(maxQty * perUnitMonth, 2),
    });
  };
  for (const s of stacks) {
    const resources = Object.values(s.template.Resources ?? {});
    const endpointMax = Math.max(
      0,
      ...resources
        .filter((r) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' && r.Properties?.ServiceNamespace === 'sagemaker')
        .map((r) => int(r.Properties?.MaxCapacity)),
    );
    for (const r of resources) {
      const props = r.Properties ?? {};
      switch (r.Type) {
        case 'AWS::EC2::NatGateway':
          add(s.name, 'NAT gateway', 'gateway', 1, 1, hourly('nat-gateway'));
          break;
        case 'AWS::EC2::VPCEndpoint':
          if (props.VpcEndpointType === 'Interface') {
            const azs = Array.isArray(props.SubnetIds) ? props.SubnetIds.length : 1;
            add(s.name, `interface endpoint ${serviceOf(props.ServiceName)}`, 'AZ', azs, azs, hourly('interface-endpoint-az'));
          }
          break;
        case 'AWS::EKS::Cluster':
          add(s.name, 'EKS cluster', 'cluster', 1, 1, hourly('eks-cluster'));
          break;
        case 'AWS::EKS::Nodegroup': {
          const type = Array.isArray(props.InstanceTypes) ? String(props.InstanceTypes[0]) : 'unknown';
          const share = props.CapacityType === 'SPOT' ? SPOT_SHARE_OF_ON_DEMAND : 1;
          const scaling = props.ScalingConfig ?? {};
          add(
            s.name,
            `node group ${type}${share < 1 ? ' (spot)' : ''}`,
            'node',
            int(scaling.MinSize),
            int(scaling.MaxSize),
            share * hourly(`ec2:${type}`),
          );
          break;
        }
        case 'AWS::MSK::Cluster': {
          const brokers = int(props.NumberOfBrokerNodes);
          const type = String(props.BrokerNodeGroupInfo?.InstanceType);
          add(s.name, `MSK broker ${type}`, 'broker', brokers, brokers, hourly(`msk:${type}`));
          const gib = int(props.BrokerNodeGroupInfo?.StorageInfo?.EBSStorageInfo?.VolumeSize);
          add(s.name, 'MSK broker storage', 'GB', brokers * gib, brokers * gib, monthly('msk-storage-gb'));
          break;
        }
        case 'AWS::ElastiCache::ReplicationGroup': {
          const nodes =
            props.NumNodeGroups !== undefined
              ? int(props.NumNodeGroups) * (1 + int(props.ReplicasPerNodeGroup))
              : int(props.NumCacheClusters, 1);
          add(s.name, `cache node ${props.CacheNodeType}`, 'node', nodes, nodes, hourly(`cache:${props.CacheNodeType}`));
          break;
        }
        case 'AWS::SageMaker::EndpointConfig':
          for (const v of props.ProductionVariants ?? []) {
            if (v.ServerlessConfig) continue; // billed per request: nothing at idle
            const initial = int(v.InitialInstanceCount);
            add(
              s.name,
              `endpoint instance ${v.InstanceType}`,
              'instance',
              initial,
              Math.max(initial, endpointMax),
              hourly(`sagemaker:${v.InstanceType}`),
            );
          }
          break;
        case 'AWS::SSM::Parameter': {
          // An endpoint spec (/mlp/<env>/endpoints/<name>/spec): the endpoint is created by the first
          // rollout, not by CloudFormation; counted as it will run (initial instances, up to max).
          const spec = endpointSpec(props);
          if (!spec?.instances) break;
          const initial = int(spec.instances.initialInstanceCount);
          add(
            s.name,
            `endpoint instance ${spec.instances.instanceType} (from the first rollout)`,
            'instance',
            initial,
            Math.max(initial, int(spec.autoScaling?.maxInstances)),
            hourly(`sagemaker:${spec.instances.instanceType}`),
          );
          break;
        }
        case 'AWS::SageMaker::MlflowApp':
          // Serverless MLflow: no charge for the app itself (artifacts are billed as S3 storage).
          add(s.name, 'MLflow app (serverless)', 'app', 1, 1, monthly('mlflow-app'));
          break;
        case 'AWS::SageMaker::MlflowTrackingServer':
          add(
            s.name,
            `MLflow tracking server ${props.TrackingServerSize ?? 'Small'}`,
            'server',
            1,
            1,
            hourly(`mlflow:${props.TrackingServerSize ?? 'Small'}`),
          );
          break;
        case 'AWS::EMRServerless::Application': {
          const max = props.MaximumCapacity ?? {};
          const cpu = Number.parseFloat(String(max.Cpu ?? '0'));
          const gb = Number.parseFloat(String(max.Memory ?? '0'));
          // Pre-initialized capacity bills only while the application is started; it auto-stops when idle.
          add(s.name, 'EMR Serverless vCPU (at maximum capacity)', 'vCPU', 0, cpu, hourly('emr-serverless:vcpu-arm'));
          add(s.name, 'EMR Serverless memory (at maximum capacity)', 'GB', 0, gb, hourly('emr-serverless:gb-arm'));
          break;
        }
        case 'AWS::MWAA::Environment':
          add(
            s.name,
            `MWAA ${props.EnvironmentClass ?? 'mw1.small'}`,
            'environment',
            1,
            1,
            hourly(`mwaa:${props.EnvironmentClass ?? 'mw1.small'}`),
          );
          break;
        case 'Custom::AWSCDK-EKS-KubernetesResource':
          // Karpenter NodePools: nothing at idle (they scale to zero), at most their limits.
          for (const pool of nodePoolsIn(props)) {
            const atLimits = nodePoolAtLimits(pool, (type) => priceIn(HOURLY, `ec2:${type}`, region));
            if (!atLimits) {
              unpriced.add(
                `ec2: any type of Karpenter pool ${pool.name} (${[...pool.types, ...pool.families.map((f) => `${f}.*`)].join(', ')})`,
              );
              continue;
            }
            add(
              s.name,
              `Karpenter pool ${pool.name} at its limits (${atLimits.nodes} x ${atLimits.instanceType}${atLimits.spot ? ', spot' : ''})`,
              'node',
              0,
              atLimits.nodes,
              atLimits.nodeHourlyUsd * HOURS_PER_MONTH,
            );
          }
          break;
        case 'AWS::KMS::Key':
          add(s.name, 'KMS key', 'key', 1, 1, monthly('kms-key'));
          break;
        case 'AWS::CloudWatch::Alarm':
          add(s.name, 'CloudWatch alarm', 'alarm', 1, 1, monthly('cloudwatch-alarm'));
          break;
        case 'AWS::CloudWatch::CompositeAlarm':
          add(s.name, 'CloudWatch composite alarm', 'alarm', 1, 1, monthly('cloudwatch-composite-alarm'));
          break;
        case 'AWS::APS::Scraper':
          add(s.name, 'Prometheus managed collector', 'collector', 1, 1, hourly('aps-collector'));
          break;
        case 'AWS::CloudWatch::Dashboard':
          add(s.name, 'CloudWatch dashboard', 'dashboard', 1, 1, monthly('cloudwatch-dashboard'));
          break;
        case 'AWS::SecretsManager::Secret':
          add(s.name, 'secret', 'secret', 1, 1, monthly('secret'));
          break;
        default:
          break;
      }
    }
  }
  const merged = mergeLines(lines);
  return {
    idleMonthlyUsd: round(
      merged.reduce((a, l) => a + l.idleMonthlyUsd, 0),
      2,
    ),
    maxMonthlyUsd: round(
      merged.reduce((a, l) => a + l.maxMonthlyUsd, 0),
      2,
    ),
    lines: merged,
    unpriced: [...unpriced].sort(),
  };
}

/** One line per (stack, item): ten KMS keys are one line of quantity 10. */
function mergeLines(lines: readonly CostLine[]): CostLine[] {
  const byKey = new Map<string, CostLine>();
  for (const l of lines) {
    const key = `${l.stack}\u0000${l.item}`;
    const prev = byKey.get(key);
    byKey.set(
      key,
      prev
        ? {
            ...prev,
            quantity: prev.quantity + l.quantity,
            idleMonthlyUsd: round(prev.idleMonthlyUsd + l.idleMonthlyUsd, 2),
            maxMonthlyUsd: round(prev.maxMonthlyUsd + l.maxMonthlyUsd, 2),
          }
        : l,
    );
  }
  return [...byKey.values()];
}

function serviceOf(serviceName: unknown): string {
  const text = JSON.stringify(serviceName ?? '');
  return (
    /(?:com\.amazonaws|aws\.[a-z]+)\.[a-z]{2}(?:-[a-z]+)+-\d\.([a-z0-9.-]+)/.exec(text)?.[1] ??
    /com\.amazonaws\.[^.]+\.([a-z0-9.-]+)/.exec(text)?.[1] ??
    /\.([a-z0-9-]+(\.[a-z0-9-]+)?)"?\]?\]?\}?$/.exec(text)?.[1] ??
    'service'
  );
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The JSON of an endpoint-spec SSM parameter (intrinsics replaced by placeholders), or undefined. */
function endpointSpec(props: Record<string, any>): Record<string, any> | undefined {
  const name = typeof props.Name === 'string' ? props.Name : '';
  if (!/^\/mlp\/[^/]+\/endpoints\/[^/]+\/spec$/.test(name)) return undefined;
  try {
    return JSON.parse(flatten(props.Value)) as Record<string, any>;
  } catch {
    return undefined;
  }
}

/** A Karpenter NodePool as the templates carry it (a kubectl-provider manifest). */
export interface NodePoolInput {
  readonly name: string;
  /** Instance families (`karpenter.k8s.aws/instance-family In`) or exact types (`node.kubernetes.io/instance-type In`). */
  readonly families: readonly string[];
  readonly types: readonly string[];
  readonly capacityTypes: readonly string[];
  /** spec.limits: cpu (cores), memory (GiB), nvidia.com/gpu. */
  readonly limits: { readonly cpu?: number; readonly memoryGiB?: number; readonly gpus?: number };
}

/** NodePools in a kubectl-provider resource's manifest (intrinsics replaced by placeholders). */
export function nodePoolsIn(props: Record<string, any>): NodePoolInput[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(flatten(props.Manifest));
  } catch {
    return [];
  }
  const docs = Array.isArray(manifest) ? manifest : [manifest];
  return docs
    .filter((d): d is Record<string, any> => d?.kind === 'NodePool' && String(d.apiVersion ?? '').startsWith('karpenter.sh/'))
    .map((d) => {
      const requirements: Array<{ key: string; operator: string; values?: string[] }> = d.spec?.template?.spec?.requirements ?? [];
      const values = (key: string) => requirements.filter((r) => r.key === key && r.operator === 'In').flatMap((r) => r.values ?? []);
      const limits = d.spec?.limits ?? {};
      return {
        name: String(d.metadata?.name),
        families: values('karpenter.k8s.aws/instance-family'),
        types: values('node.kubernetes.io/instance-type'),
        capacityTypes: values('karpenter.sh/capacity-type'),
        limits: { cpu: quantity(limits.cpu), memoryGiB: gibibytes(limits.memory), gpus: quantity(limits['nvidia.com/gpu']) },
      };
    });
}

export interface NodePoolAtLimits {
  readonly instanceType: string;
  readonly nodes: number;
  /** The type's hourly price (Spot share applied when the pool may launch only Spot). */
  readonly nodeHourlyUsd: number;
  readonly spot: boolean;
}

/**
 * A NodePool at its limits: Karpenter launches nodes until one of the pool's limits (CPU, memory,
 * GPUs) is reached, so the most a pool can cost is, over the instance types it may launch that the
 * price table has, the largest `nodes that fit the limits x hourly price`. On-demand prices unless
 * the pool may launch only Spot. Undefined when no type of the pool has a price and a spec.
 */
export function nodePoolAtLimits(
  pool: NodePoolInput,
  hourlyOf: (instanceType: string) => number | undefined,
): NodePoolAtLimits | undefined {
  const candidates = [...pool.types, ...pool.families.flatMap((f) => ec2InstanceTypesOf(f))];
  const spotOnly = pool.capacityTypes.length > 0 && pool.capacityTypes.every((c) => c === 'spot');
  let best: NodePoolAtLimits | undefined;
  for (const instanceType of candidates) {
    const spec = ec2InstanceSpec(instanceType);
    const price = hourlyOf(instanceType);
    if (!spec || price === undefined) continue;
    const fits = [
      pool.limits.cpu !== undefined ? pool.limits.cpu / spec.vcpus : Number.POSITIVE_INFINITY,
      pool.limits.memoryGiB !== undefined ? pool.limits.memoryGiB / spec.memoryGiB : Number.POSITIVE_INFINITY,
      pool.limits.gpus !== undefined && spec.gpus > 0 ? pool.limits.gpus / spec.gpus : Number.POSITIVE_INFINITY,
    ];
    const nodes = Math.floor(Math.min(...fits));
    if (!Number.isFinite(nodes)) continue; // a pool without limits has no maximum to report
    const nodeHourlyUsd = price * (spotOnly ? SPOT_SHARE_OF_ON_DEMAND : 1);
    if (!best || nodes * nodeHourlyUsd > best.nodes * best.nodeHourlyUsd) best = { instanceType, nodes, nodeHourlyUsd, spot: spotOnly };
  }
  return best;
}

/** A Kubernetes quantity of cores or devices ('512', '1000m'), or undefined. */
function quantity(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(v);
  return m ? Number(m[1]) / (m[2] ? 1000 : 1) : undefined;
}

/** A Kubernetes memory quantity in GiB ('2048Gi', '2Ti', '512Mi'), or undefined. */
function gibibytes(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi|Ti)$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * { Mi: 1 / 1024, Gi: 1, Ti: 1024 }[m[2] as 'Mi' | 'Gi' | 'Ti'];
}

/** A template string value with its `Fn::Join`s joined and any other intrinsic as the text 'token'. */
function flatten(v: unknown): string {
  if (typeof v === 'string') return v;
  const join = (v as Record<string, unknown> | null)?.['Fn::Join'];
  if (Array.isArray(join)) return (join[1] as unknown[]).map(flatten).join(String(join[0]));
  return 'token';
}
