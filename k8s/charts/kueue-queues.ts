import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GPU_RESOURCE, GPU_TAINT } from '../../constructs/compute/gpu';
import { NODE_LABELS } from '../../constructs/compute/ml-node-group';
import {
  ClusterQueueSpecResourceGroupsFlavorsResourcesBorrowingLimit as Borrow,
  ClusterQueueSpecPreemptionBorrowWithinCohortPolicy as BorrowPolicy,
  ClusterQueue,
  ClusterQueueSpecQueueingStrategy,
  Cohort,
  LocalQueue,
  ClusterQueueSpecResourceGroupsFlavorsResourcesNominalQuota as Quota,
  ClusterQueueSpecPreemptionReclaimWithinCohort as Reclaim,
  ResourceFlavor,
  ClusterQueueSpecPreemptionWithinClusterQueue as Within,
  WorkloadPriorityClass,
} from '../imports/kueue.x-k8s.io';
import { platformLabels } from './labels';

/** The label a job carries to be queued (Kueue suspends it until its ClusterQueue admits it). */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';

/** The label that gives a job a WorkloadPriorityClass. */
export const KUEUE_PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';

/** Name of every team's LocalQueue (in its namespace); Kueue also uses `default` for jobs without a queue label. */
export const TEAM_LOCAL_QUEUE = 'default';

/** The cohort all team ClusterQueues share: unused quota of one team can be borrowed by another. */
export const PLATFORM_COHORT = 'platform';

/** Name of the CPU ResourceFlavor (CPU node pools). */
export const CPU_FLAVOR = 'cpu';

/** Priorities of queued jobs: production retraining preempts experiments, never the other way. */
export const WORKLOAD_PRIORITIES = { production: 1000, experiment: 100 } as const;

/** A GPU flavor: the nodes of one GPU NodePool (by its `platform/node-group` label). */
export interface GpuFlavor {
  /** Name of the ResourceFlavor. */
  readonly name: string;
  /** The NodePool (value of `platform/node-group`) whose nodes this flavor stands for. */
  readonly nodePool: string;
}

/** One team's queue: what it owns (nominal) and what it may borrow from the cohort. */
export interface TeamQueue {
  /** Team (namespace) name. */
  readonly team: string;
  /** GPUs the team owns in the cohort, per GPU flavor (by flavor name). */
  readonly gpus: Readonly<Record<string, number>>;
  /**
   * GPUs it may borrow beyond its own, per flavor, when other teams leave theirs unused (taken back
   * by preemption when they need them).
   * @default - none
   */
  readonly borrowGpus?: Readonly<Record<string, number>>;
  /** CPU cores and memory (GiB) of queued jobs. */
  readonly cpu: number;
  readonly memoryGiB: number;
}

export interface KueueQueuesProps extends ChartProps {
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /** GPU flavors, in order of preference (Kueue tries them in this order). */
  readonly gpuFlavors: readonly GpuFlavor[];
  readonly teams: readonly TeamQueue[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Problems of the queue layout (empty when valid), one line each, prefixed by `where`. */
export function kueueQueueProblems(where: string, gpuFlavors: readonly GpuFlavor[], teams: readonly TeamQueue[]): string[] {
  const problems: string[] = [];
  const flavors = new Set<string>();
  for (const f of gpuFlavors) {
    if (!DNS_LABEL.test(f.name) || f.name === CPU_FLAVOR) {
      problems.push(`${where}.gpuFlavors: '${f.name}' is not allowed; a DNS label other than '${CPU_FLAVOR}'`);
    }
    if (flavors.has(f.name)) problems.push(`${where}.gpuFlavors: '${f.name}' is defined twice`);
    flavors.add(f.name);
  }
  for (const t of teams) {
    const at = `${where}.teams[${t.team}]`;
    for (const [field, map] of [
      ['gpus', t.gpus],
      ['borrowGpus', t.borrowGpus ?? {}],
    ] as const) {
      for (const [flavor, n] of Object.entries(map)) {
        if (!flavors.has(flavor))
          problems.push(`${at}.${field}: flavor '${flavor}' is not a GPU flavor; expected one of ${[...flavors].join(', ') || 'none'}`);
        if (!Number.isInteger(n) || n < 0) problems.push(`${at}.${field}.${flavor}: ${n} is not a whole number >= 0`);
      }
    }
    if (!(t.cpu > 0) || !(t.memoryGiB > 0)) problems.push(`${at}: cpu ${t.cpu} and memoryGiB ${t.memoryGiB} must be positive`);
  }
  return problems;
}

/**
 * Kueue's queues for the teams' batch jobs (TrainJob, RayJob, RayCluster, JobSet):
 * - a ResourceFlavor per GPU NodePool (it steers admitted pods to that pool and, through the GPU
 *   taint, admits only pods that tolerate it) and one for CPU nodes;
 * - per team a ClusterQueue in the `platform` cohort: its GPUs per flavor (nominal quota), what it
 *   may borrow of other teams' unused GPUs, preemption that lets a team reclaim its own quota and
 *   lower-priority work yield inside a queue; and the team's LocalQueue `default` in its namespace;
 * - WorkloadPriorityClasses `production` and `experiment`.
 * Kueue admits a job's pod sets together or not at all (quota is reserved for every pod of a
 * 2-node x 8-GPU job before any starts); with waitForPodsReady in its configuration, a job whose
 * pods do not all start in time is requeued as a whole.
 *
 * @example
 * new KueueQueuesChart(app, 'kueue', { environment: 'prod', gpuFlavors: [{ name: 'p5', nodePool: 'gpu-training' }],
 *   teams: [{ team: 'risk', gpus: { p5: 16 }, borrowGpus: { p5: 8 }, cpu: 400, memoryGiB: 4096 }] });
 */
export class KueueQueuesChart extends Chart {
  readonly clusterQueues: Record<string, ClusterQueue> = {};
  readonly localQueues: Record<string, LocalQueue> = {};

  constructor(scope: Construct, id: string, props: KueueQueuesProps) {
    super(scope, id, { ...props, labels: { ...platformLabels({ environment: props.environment, component: 'kueue' }), ...props.labels } });
    const problems = kueueQueueProblems('KueueQueuesChart', props.gpuFlavors, props.teams);
    if (problems.length > 0) throw new Error(problems[0]);

    new ResourceFlavor(this, 'CpuFlavor', {
      metadata: { name: CPU_FLAVOR },
      spec: { nodeLabels: { [NODE_LABELS.kind]: 'cpu' } },
    });
    for (const f of props.gpuFlavors) {
      new ResourceFlavor(this, `GpuFlavor-${f.name}`, {
        metadata: { name: f.name },
        spec: {
          nodeLabels: { [NODE_LABELS.group]: f.nodePool },
          nodeTaints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: GPU_TAINT.effect }],
        },
      });
    }
    new Cohort(this, 'Cohort', { metadata: { name: PLATFORM_COHORT }, spec: {} });
    for (const [name, value] of Object.entries(WORKLOAD_PRIORITIES)) {
      new WorkloadPriorityClass(this, `Priority-${name}`, {
        metadata: { name },
        value,
        description: name === 'production' ? 'Scheduled production retraining' : 'Experiments and ad-hoc jobs',
      });
    }

    for (const t of props.teams) {
      const resources = (gpus: number, borrow: number, cpu: number, memoryGiB: number) => [
        { name: 'cpu', nominalQuota: Quota.fromNumber(cpu) },
        { name: 'memory', nominalQuota: Quota.fromString(`${memoryGiB}Gi`) },
        { name: GPU_RESOURCE, nominalQuota: Quota.fromNumber(gpus), ...(borrow > 0 ? { borrowingLimit: Borrow.fromNumber(borrow) } : {}) },
      ];
      this.clusterQueues[t.team] = new ClusterQueue(this, `ClusterQueue-${t.team}`, {
        metadata: { name: t.team, labels: { 'platform/team': t.team } },
        spec: {
          cohortName: PLATFORM_COHORT,
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': t.team } },
          queueingStrategy: ClusterQueueSpecQueueingStrategy.BEST_EFFORT_FIFO,
          preemption: {
            reclaimWithinCohort: Reclaim.ANY,
            borrowWithinCohort: { policy: BorrowPolicy.LOWER_PRIORITY, maxPriorityThreshold: WORKLOAD_PRIORITIES.experiment },
            withinClusterQueue: Within.LOWER_PRIORITY,
          },
          resourceGroups: [
            {
              // One group: a GPU flavor gives cpu, memory and GPUs of its pool; the CPU flavor none of the GPUs.
              coveredResources: ['cpu', 'memory', GPU_RESOURCE],
              flavors: [
                ...props.gpuFlavors.map((f) => ({
                  name: f.name,
                  resources: resources(t.gpus[f.name] ?? 0, t.borrowGpus?.[f.name] ?? 0, t.cpu, t.memoryGiB),
                })),
                { name: CPU_FLAVOR, resources: resources(0, 0, t.cpu, t.memoryGiB) },
              ],
            },
          ],
        },
      });
      this.localQueues[t.team] = new LocalQueue(this, `LocalQueue-${t.team}`, {
        metadata: { name: TEAM_LOCAL_QUEUE, namespace: t.team },
        spec: { clusterQueue: t.team },
      });
    }
  }
}
