/**
 * EC2 instance families with NVIDIA GPUs that the EKS AL2023 x86_64 NVIDIA AMI supports. Arm
 * (g5g) and non-NVIDIA accelerators (inf, trn, dl) are deliberately absent.
 */
export const GPU_INSTANCE_FAMILIES: readonly string[] = ['g4dn', 'g5', 'g6', 'g6e', 'gr6', 'g7e', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'p6'];

/** The Kubernetes extended resource, taint key and label the NVIDIA device plugin uses. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** Taint of every GPU node: only pods that tolerate it (GPU workloads) land there. */
export const GPU_TAINT = { key: GPU_RESOURCE, value: 'true', effect: 'NoSchedule' } as const;

/** The toleration of the GPU taint, as Kubernetes pod specs write it (GPU workloads carry it). */
export const GPU_TOLERATION = { key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect } as const;

const INSTANCE_TYPE = /^([a-z][a-z0-9-]*)\.([a-z0-9]+)$/;

/** The family of an instance type (`g6e.12xlarge` -> `g6e`), or undefined if it is not one. */
export function instanceFamily(instanceType: string): string | undefined {
  return INSTANCE_TYPE.exec(instanceType)?.[1];
}

/** True if the instance type is well-formed and of a supported NVIDIA GPU family. */
export function isGpuInstanceType(instanceType: string): boolean {
  const family = instanceFamily(instanceType);
  return family !== undefined && GPU_INSTANCE_FAMILIES.includes(family);
}

/**
 * GPU families that aws-eks-v2 (2.276) does not classify as GPU when it checks that a node group's
 * instance types share one architecture: they cannot be mixed with the other GPU families in one
 * group (the L2 rejects the mix with "instanceTypes of different architectures is not allowed").
 */
export const GPU_FAMILIES_UNKNOWN_TO_EKS_L2: readonly string[] = ['p5', 'p5e', 'p5en', 'p6', 'g7e', 'gr6'];
