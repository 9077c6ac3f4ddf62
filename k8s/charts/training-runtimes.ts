import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GPU_TOLERATION } from '../../constructs/compute/gpu';
import { nodeSelector } from '../../constructs/compute/ml-node-group';
import { ClusterTrainingRuntime } from '../imports/trainer.kubeflow.org';
import { platformLabels } from './labels';

/** Name of the platform's distributed PyTorch runtime (TrainJobs reference it). */
export const TORCH_DISTRIBUTED_RUNTIME = 'platform-torch-distributed';

/** The replicated job (and container) name Kubeflow Trainer's Torch plugin configures. */
export const TRAINER_NODE = 'node';

export interface TrainingRuntimesProps extends ChartProps {
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /**
   * Default trainer image (a TrainJob may set its own).
   * @default 'pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime'
   */
  readonly image?: string;
}

/**
 * Cluster-wide Kubeflow Trainer runtimes: `platform-torch-distributed`, a torchrun-based
 * multi-node PyTorch runtime whose pods tolerate the GPU taint and land on GPU nodes. TrainJobs
 * set the node count, image, command and GPUs per node.
 *
 * @example
 * new TrainingRuntimesChart(app, 'runtimes', { environment: 'dev' });
 */
export class TrainingRuntimesChart extends Chart {
  readonly torch: ClusterTrainingRuntime;

  constructor(scope: Construct, id: string, props: TrainingRuntimesProps) {
    super(scope, id, {
      ...props,
      labels: { ...platformLabels({ environment: props.environment, component: 'training-runtime' }), ...props.labels },
    });
    this.torch = new ClusterTrainingRuntime(this, 'TorchDistributed', {
      metadata: { name: TORCH_DISTRIBUTED_RUNTIME, labels: { 'trainer.kubeflow.org/framework': 'torch' } },
      spec: {
        mlPolicy: { numNodes: 1, torch: {} },
        template: {
          spec: {
            replicatedJobs: [
              {
                name: TRAINER_NODE,
                template: {
                  metadata: { labels: { 'trainer.kubeflow.org/trainjob-ancestor-step': 'trainer' } },
                  spec: {
                    template: {
                      spec: {
                        nodeSelector: nodeSelector('gpu'),
                        tolerations: [{ ...GPU_TOLERATION }],
                        containers: [
                          {
                            name: TRAINER_NODE,
                            image: props.image ?? 'pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime',
                            securityContext: { allowPrivilegeEscalation: false },
                          },
                        ],
                      },
                    },
                  },
                },
              },
            ],
          },
        },
      },
    });
  }
}
