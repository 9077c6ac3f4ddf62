import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { NODE_LABELS, nodeSelector } from '../../constructs/compute/ml-node-group';
import { ClusterTrainingRuntime } from '../imports/trainer.kubeflow.org';
import { platformLabels } from './labels';
import { torchNodePodTemplate } from './torch-node';

/** Name of the platform's distributed PyTorch runtime (TrainJobs reference it). */
export const TORCH_DISTRIBUTED_RUNTIME = 'platform-torch-distributed';

/** The replicated job (and container) name Kubeflow Trainer's Torch plugin configures. */
export const TRAINER_NODE = 'node';

/** Name of the EFA runtime (multi-node jobs on the EFA training pool, with the training file system). */
export const TORCH_EFA_RUNTIME = 'platform-torch-efa';

/** The EFA runtime's settings. */
export interface EfaRuntimeOptions {
  /** EFA interfaces each node pod requests (p5.48xlarge: 32). */
  readonly interfacesPerNode: number;
  /** The NodePool of EFA training nodes (`platform/node-group`). */
  readonly nodePool: string;
  /**
   * PersistentVolumeClaim of the training file system in the job's namespace.
   * @default - none
   */
  readonly trainingDataClaim?: string;
}

export interface TrainingRuntimesProps extends ChartProps {
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /**
   * Trainer image (a TrainJob may set its own): pinned by digest or from the platform's ECR; for
   * EFA it must carry aws-ofi-nccl and libfabric.
   */
  readonly image: string;
  /**
   * Size of `/dev/shm` (memory-backed) per node pod, GiB.
   * @default 64 (EFA runtime: 256)
   */
  readonly shmGiB?: number;
  /**
   * Add the EFA runtime.
   * @default - only the plain runtime
   */
  readonly efa?: EfaRuntimeOptions;
}

/**
 * Cluster-wide Kubeflow Trainer runtimes (torchrun, one pod per node with all its GPUs), both
 * passing Pod Security "restricted" (non-root uid 1000, no privilege escalation, all capabilities
 * dropped, RuntimeDefault seccomp) with a memory-backed `/dev/shm` for NCCL and data loaders, and
 * annotated so that Karpenter never consolidates a node under a running job:
 * - `platform-torch-distributed`: GPU training nodes, NCCL over TCP;
 * - `platform-torch-efa` (with `efa`): the EFA pool's nodes (one AZ, one placement group), EFA
 *   interfaces requested, libfabric set for NCCL, the training file system mounted at /mnt/training.
 * TrainJobs set the node count, command and GPUs per node.
 *
 * @example
 * new TrainingRuntimesChart(app, 'runtimes', { environment: 'dev', image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlp/pytorch-training:2.8.0' });
 */
export class TrainingRuntimesChart extends Chart {
  readonly torch: ClusterTrainingRuntime;
  readonly efa?: ClusterTrainingRuntime;

  constructor(scope: Construct, id: string, props: TrainingRuntimesProps) {
    super(scope, id, {
      ...props,
      labels: { ...platformLabels({ environment: props.environment, component: 'training-runtime' }), ...props.labels },
    });
    const runtime = (constructId: string, name: string, pod: { metadata: any; spec: any }) =>
      new ClusterTrainingRuntime(this, constructId, {
        metadata: { name, labels: { 'trainer.kubeflow.org/framework': 'torch' } },
        spec: {
          mlPolicy: { numNodes: 1, torch: {} },
          template: {
            spec: {
              replicatedJobs: [
                {
                  name: TRAINER_NODE,
                  template: {
                    metadata: { labels: { 'trainer.kubeflow.org/trainjob-ancestor-step': 'trainer' } },
                    spec: { template: pod },
                  },
                },
              ],
            },
          },
        },
      });
    this.torch = runtime(
      'TorchDistributed',
      TORCH_DISTRIBUTED_RUNTIME,
      torchNodePodTemplate({ containerName: TRAINER_NODE, image: props.image, shmGiB: props.shmGiB ?? 64 }),
    );
    if (props.efa) {
      this.efa = runtime(
        'TorchEfa',
        TORCH_EFA_RUNTIME,
        torchNodePodTemplate({
          containerName: TRAINER_NODE,
          image: props.image,
          shmGiB: props.shmGiB ?? 256,
          efaInterfaces: props.efa.interfacesPerNode,
          nodeSelector: { ...nodeSelector('gpu', 'training'), [NODE_LABELS.group]: props.efa.nodePool },
          trainingDataClaim: props.efa.trainingDataClaim,
        }),
      );
    }
  }
}
