import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GPU_RESOURCE } from '../../../constructs/compute/gpu';
import { TrainJobSpecTrainerResourcesPerNodeLimits as Qty, TrainJob } from '../../imports/trainer.kubeflow.org';
import { KUEUE_PRIORITY_LABEL, KUEUE_QUEUE_LABEL, TEAM_LOCAL_QUEUE, type WORKLOAD_PRIORITIES } from '../kueue-queues';
import { platformLabels } from '../labels';
import { teamServiceAccountName } from '../team-tenancy';
import { EFA_RESOURCE } from '../torch-node';
import { TORCH_DISTRIBUTED_RUNTIME, TORCH_EFA_RUNTIME, TRAINER_NODE } from '../training-runtimes';

export interface TorchTrainJobTemplateProps extends ChartProps {
  /** The team (its namespace). */
  readonly team: string;
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /**
   * Name of the TrainJob.
   * @default `${team}-torch-train`
   */
  readonly name?: string;
  /**
   * Training image.
   * @default - the runtime's image
   */
  readonly image?: string;
  /**
   * Command of each node (torchrun is started by the runtime's Torch policy).
   * @default ['python', '/workspace/train.py']
   */
  readonly command?: readonly string[];
  /**
   * Nodes (pods) of the job.
   * @default 2
   */
  readonly numNodes?: number;
  /**
   * GPUs per node.
   * @default 1
   */
  readonly gpusPerNode?: number;
  /**
   * CPU cores and memory (GiB) per node.
   * @default { cpu: 8, memoryGiB: 32 }
   */
  readonly nodeSize?: { readonly cpu: number; readonly memoryGiB: number };
  /**
   * Run on the EFA runtime with this many EFA interfaces per node (p5.48xlarge: 32).
   * @default - the plain runtime, NCCL over TCP
   */
  readonly efaInterfacesPerNode?: number;
  /**
   * The team's Kueue LocalQueue: the job's pods are admitted together (all nodes' GPUs reserved
   * at once) within the team's quota, or the job waits suspended. `false`: not queued.
   * @default TEAM_LOCAL_QUEUE
   */
  readonly queue?: string | false;
  /**
   * Kueue priority class.
   * @default 'experiment'
   */
  readonly priorityClass?: keyof typeof WORKLOAD_PRIORITIES;
}

/**
 * A distributed PyTorch TrainJob teams copy: N nodes of the platform's `platform-torch-distributed`
 * (or, with EFA, `platform-torch-efa`) ClusterTrainingRuntime, each with GPUs, running as the team's
 * service account (patched into the runtime's pod template through `runtimePatches`), queued
 * through the team's Kueue LocalQueue so that all its nodes start together or not at all.
 *
 * @example
 * new TorchTrainJobTemplateChart(app, 'train', { team: 'risk', environment: 'dev', numNodes: 4, gpusPerNode: 1 });
 */
export class TorchTrainJobTemplateChart extends Chart {
  readonly trainJob: TrainJob;

  constructor(scope: Construct, id: string, props: TorchTrainJobTemplateProps) {
    super(scope, id, {
      ...props,
      labels: { ...platformLabels({ environment: props.environment, component: 'training', team: props.team }), ...props.labels },
    });
    const numNodes = props.numNodes ?? 2;
    const gpus = props.gpusPerNode ?? 1;
    const size = props.nodeSize ?? { cpu: 8, memoryGiB: 32 };
    if (!Number.isInteger(numNodes) || numNodes < 1)
      throw new Error(`TorchTrainJobTemplateChart: numNodes must be a whole number >= 1, got ${numNodes}`);
    if (!Number.isInteger(gpus) || gpus < 1)
      throw new Error(`TorchTrainJobTemplateChart: gpusPerNode must be a whole number >= 1, got ${gpus}`);
    const efa = props.efaInterfacesPerNode;
    if (efa !== undefined && (!Number.isInteger(efa) || efa < 1))
      throw new Error(`TorchTrainJobTemplateChart: efaInterfacesPerNode must be a whole number >= 1, got ${efa}`);
    // resourcesPerNode replaces the runtime's container resources: the EFA request goes here too.
    const resources = {
      cpu: Qty.fromString(`${size.cpu}`),
      memory: Qty.fromString(`${size.memoryGiB}Gi`),
      [GPU_RESOURCE]: Qty.fromNumber(gpus),
      ...(efa ? { [EFA_RESOURCE]: Qty.fromNumber(efa) } : {}),
    };
    const queue = props.queue ?? TEAM_LOCAL_QUEUE;

    this.trainJob = new TrainJob(this, 'Resource', {
      metadata: {
        name: props.name ?? `${props.team}-torch-train`,
        namespace: props.team,
        labels: queue === false ? undefined : { [KUEUE_QUEUE_LABEL]: queue, [KUEUE_PRIORITY_LABEL]: props.priorityClass ?? 'experiment' },
      },
      spec: {
        runtimeRef: {
          apiGroup: 'trainer.kubeflow.org',
          kind: 'ClusterTrainingRuntime',
          name: efa ? TORCH_EFA_RUNTIME : TORCH_DISTRIBUTED_RUNTIME,
        },
        trainer: {
          image: props.image,
          command: [...(props.command ?? ['python', '/workspace/train.py'])],
          numNodes,
          resourcesPerNode: { requests: resources, limits: resources },
        },
        runtimePatches: [
          {
            manager: 'ml-platform',
            trainingRuntimeSpec: {
              template: {
                spec: {
                  replicatedJobs: [
                    {
                      name: TRAINER_NODE,
                      template: { spec: { template: { spec: { serviceAccountName: teamServiceAccountName(props.team) } } } },
                    },
                  ],
                },
              },
            },
          },
        ],
      },
    });
  }
}
