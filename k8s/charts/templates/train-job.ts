import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GPU_RESOURCE } from '../../../constructs/compute/gpu';
import { TrainJobSpecTrainerResourcesPerNodeLimits as Qty, TrainJob } from '../../imports/trainer.kubeflow.org';
import { platformLabels } from '../labels';
import { teamServiceAccountName } from '../team-tenancy';
import { TORCH_DISTRIBUTED_RUNTIME, TRAINER_NODE } from '../training-runtimes';

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
}

/**
 * A distributed PyTorch TrainJob teams copy: N nodes of the platform's `platform-torch-distributed`
 * ClusterTrainingRuntime, each with GPUs, running as the team's service account (patched into the
 * runtime's pod template through `runtimePatches`).
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
    const resources = {
      cpu: Qty.fromString(`${size.cpu}`),
      memory: Qty.fromString(`${size.memoryGiB}Gi`),
      [GPU_RESOURCE]: Qty.fromNumber(gpus),
    };

    this.trainJob = new TrainJob(this, 'Resource', {
      metadata: { name: props.name ?? `${props.team}-torch-train`, namespace: props.team },
      spec: {
        runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: TORCH_DISTRIBUTED_RUNTIME },
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
