/**
 * Security contexts that pass Pod Security "restricted" (Kubernetes 1.34): non-root with a
 * non-zero user, no privilege escalation, every capability dropped, the runtime's default seccomp
 * profile. Workload charts spread these into their pod and container specs.
 */

/** The user and group platform workload containers run as (images built by the platform use it). */
export const WORKLOAD_UID = 1000;

/** Pod-level security context: non-root user and group, RuntimeDefault seccomp, volumes group-owned. */
export const RESTRICTED_POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: WORKLOAD_UID,
  runAsGroup: WORKLOAD_UID,
  fsGroup: WORKLOAD_UID,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** Container-level security context (also set on each container, so a pod-level override cannot loosen it). */
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** Deep-mutable copies (the generated CRD types take mutable arrays). */
export function restrictedPod(): {
  runAsNonRoot: boolean;
  runAsUser: number;
  runAsGroup: number;
  fsGroup: number;
  seccompProfile: { type: string };
} {
  return { ...RESTRICTED_POD_SECURITY_CONTEXT, seccompProfile: { ...RESTRICTED_POD_SECURITY_CONTEXT.seccompProfile } };
}

export function restrictedContainer(): {
  runAsNonRoot: boolean;
  allowPrivilegeEscalation: boolean;
  capabilities: { drop: string[] };
  seccompProfile: { type: string };
} {
  return {
    ...RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    capabilities: { drop: [...RESTRICTED_CONTAINER_SECURITY_CONTEXT.capabilities.drop] },
    seccompProfile: { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT.seccompProfile },
  };
}
