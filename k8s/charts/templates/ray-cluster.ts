import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GPU_RESOURCE, GPU_TOLERATION } from '../../../constructs/compute/gpu';
import { nodeSelector } from '../../../constructs/compute/ml-node-group';
import {
  RayClusterSpecHeadGroupSpecTemplateSpecContainersResourcesLimits as HeadQty,
  RayCluster,
  RayClusterSpecWorkerGroupSpecsTemplateSpecContainersResourcesLimits as WorkerQty,
} from '../../imports/ray.io';
import { platformLabels } from '../labels';
import { restrictedContainer, restrictedPod } from '../restricted';
import { teamServiceAccountName } from '../team-tenancy';

export interface RayClusterTemplateProps extends ChartProps {
  /** The team (its namespace). */
  readonly team: string;
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /**
   * Name of the RayCluster.
   * @default `${team}-ray`
   */
  readonly name?: string;
  /**
   * Ray version (must match the image).
   * @default '2.49.2'
   */
  readonly rayVersion?: string;
  /**
   * Image of head and workers.
   * @default `rayproject/ray:${rayVersion}-py311-gpu`
   */
  readonly image?: string;
  /**
   * GPU workers: fewest, most and at start.
   * @default { min: 0, max: 2, replicas: 1 }
   */
  readonly workers?: { readonly min: number; readonly max: number; readonly replicas: number };
  /**
   * GPUs per worker pod.
   * @default 1
   */
  readonly gpusPerWorker?: number;
  /**
   * CPU cores and memory (GiB) per worker pod.
   * @default { cpu: 4, memoryGiB: 16 }
   */
  readonly workerSize?: { readonly cpu: number; readonly memoryGiB: number };
}

/**
 * A RayCluster teams copy: a CPU head (no Ray tasks scheduled on it) and a GPU worker group that
 * tolerates the GPU taint, requests `nvidia.com/gpu` and runs on GPU nodes; pods run as the team's
 * service account (so they get the team's lake access through EKS Pod Identity), non-root and
 * without privilege escalation.
 *
 * @example
 * new RayClusterTemplateChart(app, 'ray', { team: 'risk', environment: 'dev', workers: { min: 0, max: 4, replicas: 2 } });
 */
export class RayClusterTemplateChart extends Chart {
  readonly rayCluster: RayCluster;

  constructor(scope: Construct, id: string, props: RayClusterTemplateProps) {
    super(scope, id, {
      ...props,
      labels: { ...platformLabels({ environment: props.environment, component: 'ray', team: props.team }), ...props.labels },
    });
    const rayVersion = props.rayVersion ?? '2.49.2';
    const image = props.image ?? `rayproject/ray:${rayVersion}-py311-gpu`;
    const workers = props.workers ?? { min: 0, max: 2, replicas: 1 };
    const gpus = props.gpusPerWorker ?? 1;
    const size = props.workerSize ?? { cpu: 4, memoryGiB: 16 };
    if (!(workers.min <= workers.replicas && workers.replicas <= workers.max)) {
      throw new Error(
        `RayClusterTemplateChart: workers must satisfy min <= replicas <= max, got ${workers.min} <= ${workers.replicas} <= ${workers.max}`,
      );
    }
    if (!Number.isInteger(gpus) || gpus < 1)
      throw new Error(`RayClusterTemplateChart: gpusPerWorker must be a whole number >= 1, got ${gpus}`);
    // Pod Security "restricted" (team namespaces enforce it): the rayproject images run as uid 1000.
    const securityContext = restrictedContainer();
    const podSecurityContext = restrictedPod();
    const serviceAccountName = teamServiceAccountName(props.team);

    this.rayCluster = new RayCluster(this, 'Resource', {
      metadata: { name: props.name ?? `${props.team}-ray`, namespace: props.team },
      spec: {
        rayVersion,
        headGroupSpec: {
          // num-cpus 0: the head coordinates; tasks go to the workers.
          rayStartParams: { 'num-cpus': '0', 'dashboard-host': '0.0.0.0' },
          template: {
            spec: {
              serviceAccountName,
              securityContext: podSecurityContext,
              nodeSelector: nodeSelector('cpu'),
              containers: [
                {
                  name: 'ray-head',
                  image,
                  securityContext,
                  ports: [
                    { name: 'gcs', containerPort: 6379 },
                    { name: 'dashboard', containerPort: 8265 },
                    { name: 'client', containerPort: 10001 },
                  ],
                  resources: {
                    requests: { cpu: HeadQty.fromString('2'), memory: HeadQty.fromString('8Gi') },
                    limits: { cpu: HeadQty.fromString('2'), memory: HeadQty.fromString('8Gi') },
                  },
                },
              ],
            },
          },
        },
        workerGroupSpecs: [
          {
            groupName: 'gpu',
            minReplicas: workers.min,
            maxReplicas: workers.max,
            replicas: workers.replicas,
            rayStartParams: {},
            template: {
              spec: {
                serviceAccountName,
                securityContext: podSecurityContext,
                nodeSelector: nodeSelector('gpu'),
                tolerations: [{ ...GPU_TOLERATION }],
                containers: [
                  {
                    name: 'ray-worker',
                    image,
                    securityContext,
                    resources: {
                      requests: {
                        cpu: WorkerQty.fromString(`${size.cpu}`),
                        memory: WorkerQty.fromString(`${size.memoryGiB}Gi`),
                        [GPU_RESOURCE]: WorkerQty.fromString(`${gpus}`),
                      },
                      limits: {
                        cpu: WorkerQty.fromString(`${size.cpu}`),
                        memory: WorkerQty.fromString(`${size.memoryGiB}Gi`),
                        [GPU_RESOURCE]: WorkerQty.fromString(`${gpus}`),
                      },
                    },
                  },
                ],
              },
            },
          },
        ],
      },
    });
  }
}
