/**
 * The pod of one node of a distributed PyTorch job (torchrun, one pod per node, all its GPUs),
 * as the platform's Kubeflow Trainer runtimes define it: Pod Security "restricted", `/dev/shm`
 * in memory sized for NCCL and the data loaders, and, for EFA runtimes, the EFA devices, the
 * libfabric/NCCL settings, the training nodes of one placement group and the shared training
 * file system.
 */
import { GPU_TAINT } from '../../constructs/compute/gpu';
import { NODE_LABELS } from '../../constructs/compute/ml-node-group';
import { restrictedContainer, restrictedPod } from './restricted';

/** The extended resource the EFA device plugin advertises (one per EFA interface). */
export const EFA_RESOURCE = 'vpc.amazonaws.com/efa';

/** EFA interfaces per instance type of the platform's EFA training families. */
export const EFA_INTERFACES: Readonly<Record<string, number>> = {
  'p4d.24xlarge': 4,
  'p4de.24xlarge': 4,
  'p5.48xlarge': 32,
  'p5e.48xlarge': 32,
  'p5en.48xlarge': 16,
};

/** Where the training file system is mounted in training pods. */
export const TRAINING_DATA_PATH = '/mnt/training';

/** Karpenter does not voluntarily disrupt (consolidate, expire) a node running a pod with this annotation. */
export const DO_NOT_DISRUPT = { 'karpenter.sh/do-not-disrupt': 'true' } as const;

export interface TorchNodePodOptions {
  /** Name of the trainer container (Kubeflow Trainer's Torch plugin configures the one named `node`). */
  readonly containerName: string;
  readonly image: string;
  /**
   * Size of the memory-backed `/dev/shm` in GiB (NCCL's intra-node buffers and the data loader
   * workers' shared tensors; it counts against the pod's memory).
   * @default 64
   */
  readonly shmGiB?: number;
  /**
   * Use EFA: request this many EFA interfaces per pod and set libfabric for NCCL (aws-ofi-nccl
   * must be in the image).
   * @default - no EFA (TCP sockets between nodes)
   */
  readonly efaInterfaces?: number;
  /**
   * Node labels the pods select.
   * @default { 'platform/node-kind': 'gpu', 'platform/workload': 'training' }
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * PersistentVolumeClaim of the training file system (in the job's namespace), mounted at
   * TRAINING_DATA_PATH.
   * @default - none
   */
  readonly trainingDataClaim?: string;
}

const qty = (value: string): any => ({ value });

/**
 * The pod template spec (`metadata` and `spec`) of a training node, as plain objects of the shape
 * the generated CRD types serialize (checked against the CRD schema in tests).
 */
export function torchNodePodTemplate(o: TorchNodePodOptions): { metadata: any; spec: any } {
  const shmGiB = o.shmGiB ?? 64;
  const efa = o.efaInterfaces ?? 0;
  const volumes: any[] = [
    { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty(`${shmGiB}Gi`) } },
    { name: 'tmp', emptyDir: {} },
  ];
  const mounts: any[] = [
    { name: 'dshm', mountPath: '/dev/shm' },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (o.trainingDataClaim) {
    volumes.push({ name: 'training-data', persistentVolumeClaim: { claimName: o.trainingDataClaim } });
    mounts.push({ name: 'training-data', mountPath: TRAINING_DATA_PATH });
  }
  const env = [
    { name: 'HOME', value: '/tmp' },
    { name: 'NCCL_DEBUG', value: 'WARN' },
    ...(efa > 0
      ? [
          { name: 'FI_PROVIDER', value: 'efa' },
          { name: 'FI_EFA_USE_DEVICE_RDMA', value: '1' },
          { name: 'FI_EFA_FORK_SAFE', value: '1' },
          { name: 'NCCL_NET_GDR_LEVEL', value: 'PHB' },
        ]
      : []),
  ];
  return {
    metadata: { annotations: { ...DO_NOT_DISRUPT } },
    spec: {
      securityContext: restrictedPod(),
      nodeSelector: { ...(o.nodeSelector ?? { [NODE_LABELS.kind]: 'gpu', [NODE_LABELS.workload]: 'training' }) },
      tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
      volumes,
      containers: [
        {
          name: o.containerName,
          image: o.image,
          securityContext: restrictedContainer(),
          env,
          volumeMounts: mounts,
          ...(efa > 0 ? { resources: { requests: { [EFA_RESOURCE]: qty(`${efa}`) }, limits: { [EFA_RESOURCE]: qty(`${efa}`) } } } : {}),
        },
      ],
    },
  };
}
