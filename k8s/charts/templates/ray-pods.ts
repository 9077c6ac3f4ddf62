/**
 * Pod templates shared by the Ray templates (RayJob, RayService): a CPU head that schedules no Ray
 * work and GPU workers, both passing Pod Security "restricted" (the rayproject images run as user
 * `ray`, uid 1000), with a memory-backed /dev/shm for Ray's object store.
 *
 * The generated CRD types give each path its own Quantity class; these builders return plain
 * objects of the shape they serialize to (`{ value }`), checked against the CRD schemas in tests.
 */
import { GPU_RESOURCE, GPU_TAINT } from '../../../constructs/compute/gpu';
import { NODE_LABELS } from '../../../constructs/compute/ml-node-group';
import { restrictedContainer, restrictedPod } from '../restricted';

/** Port of the Ray dashboard and job API (the KubeRay operator submits jobs and reads status there). */
export const RAY_DASHBOARD_PORT = 8265;
/** Port of the Ray GCS server on the head (the operator and workers connect to it). */
export const RAY_GCS_PORT = 6379;
/** Port of Ray Serve's HTTP proxy. */
export const RAY_SERVE_PORT = 8000;

/** A quantity as the generated types serialize it. */
const qty = (value: string): any => ({ value });

export interface RayResources {
  readonly cpu: number;
  readonly memoryGiB: number;
  /** @default 0 */
  readonly gpus?: number;
}

function resources(r: RayResources): any {
  const amounts: Record<string, unknown> = { cpu: qty(`${r.cpu}`), memory: qty(`${r.memoryGiB}Gi`) };
  if (r.gpus) amounts[GPU_RESOURCE] = qty(`${r.gpus}`);
  return { requests: amounts, limits: amounts };
}

/** Shared memory for Ray's object store (the container default of 64 MiB makes Ray spill to disk). */
function shm(sizeGiB: number): { volume: any; mount: any } {
  return {
    volume: { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty(`${sizeGiB}Gi`) } },
    mount: { name: 'dshm', mountPath: '/dev/shm' },
  };
}

export interface RayHeadOptions {
  readonly image: string;
  /**
   * Service account of the head pod. Leave unset with in-tree autoscaling: KubeRay then creates one
   * with the RBAC its autoscaler sidecar needs.
   */
  readonly serviceAccountName?: string;
  /** @default { cpu: 2, memoryGiB: 8 } */
  readonly resources?: RayResources;
  /** Extra container ports (e.g. Serve). */
  readonly extraPorts?: readonly { name: string; containerPort: number }[];
}

/** The head group: CPU nodes, `num-cpus: 0` (it coordinates; tasks go to workers). */
export function rayHeadGroup(o: RayHeadOptions): any {
  const { volume, mount } = shm(2);
  return {
    rayStartParams: { 'num-cpus': '0', 'dashboard-host': '0.0.0.0' },
    template: {
      spec: {
        serviceAccountName: o.serviceAccountName,
        securityContext: restrictedPod(),
        nodeSelector: { [NODE_LABELS.kind]: 'cpu' },
        volumes: [volume],
        containers: [
          {
            name: 'ray-head',
            image: o.image,
            securityContext: restrictedContainer(),
            ports: [
              { name: 'gcs', containerPort: RAY_GCS_PORT },
              { name: 'dashboard', containerPort: RAY_DASHBOARD_PORT },
              { name: 'client', containerPort: 10001 },
              ...(o.extraPorts ?? []).map((p) => ({ ...p })),
            ],
            resources: resources(o.resources ?? { cpu: 2, memoryGiB: 8 }),
            volumeMounts: [mount],
          },
        ],
      },
    },
  };
}

export interface RayWorkerOptions {
  readonly groupName: string;
  readonly image: string;
  readonly serviceAccountName: string;
  readonly replicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly resources: RayResources;
  /**
   * Node labels the workers select.
   * @default - GPU nodes (`platform/node-kind: gpu`) for GPU workers, CPU nodes otherwise
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Spread the workers across zones (`nodeTaintsPolicy: Honor`: a lost zone's tainted nodes do not count).
   * @default false
   */
  readonly spreadAcrossZones?: boolean;
  /** Pod labels (e.g. for a PodDisruptionBudget). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A worker group: GPU workers tolerate the GPU taint and request `nvidia.com/gpu`. */
export function rayWorkerGroup(o: RayWorkerOptions): any {
  const gpu = (o.resources.gpus ?? 0) > 0;
  const { volume, mount } = shm(Math.max(1, Math.floor(o.resources.memoryGiB / 4)));
  return {
    groupName: o.groupName,
    replicas: o.replicas,
    minReplicas: o.minReplicas,
    maxReplicas: o.maxReplicas,
    rayStartParams: {},
    template: {
      metadata: o.labels ? { labels: { ...o.labels } } : undefined,
      spec: {
        serviceAccountName: o.serviceAccountName,
        securityContext: restrictedPod(),
        nodeSelector: { ...(o.nodeSelector ?? { [NODE_LABELS.kind]: gpu ? 'gpu' : 'cpu' }) },
        tolerations: gpu ? [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }] : undefined,
        topologySpreadConstraints: o.spreadAcrossZones
          ? [
              {
                maxSkew: 1,
                topologyKey: 'topology.kubernetes.io/zone',
                whenUnsatisfiable: 'DoNotSchedule',
                nodeTaintsPolicy: 'Honor',
                labelSelector: { matchLabels: { 'ray.io/group': o.groupName, ...(o.labels ?? {}) } },
              },
            ]
          : undefined,
        volumes: [volume],
        containers: [
          {
            name: 'ray-worker',
            image: o.image,
            securityContext: restrictedContainer(),
            resources: resources(o.resources),
            volumeMounts: [mount],
          },
        ],
      },
    },
  };
}

/** Options of KubeRay's autoscaler sidecar: restricted like every other container. */
export function rayAutoscalerOptions(idleTimeoutSeconds: number): any {
  return {
    idleTimeoutSeconds,
    upscalingMode: 'Default',
    securityContext: restrictedContainer(),
    resources: resources({ cpu: 0.5, memoryGiB: 1 }),
  };
}
