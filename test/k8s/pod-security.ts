/**
 * An offline check of Pod Security Standards "restricted" (Kubernetes 1.34), the controls the
 * admission plugin enforces on a namespace labelled `pod-security.kubernetes.io/enforce: restricted`
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/): the baseline controls
 * (no host namespaces, privileged containers, hostPath volumes, host ports, added capabilities
 * beyond the baseline set, unsafe sysctls, /proc mount, AppArmor/SELinux/seccomp relaxations) and
 * the restricted ones (volume types, no privilege escalation, non-root, seccomp RuntimeDefault or
 * Localhost, capabilities drop ALL and add at most NET_BIND_SERVICE).
 *
 * No library does this offline in Node, so this is a small implementation of the published table.
 * It finds every pod spec in a manifest (any object with a `containers` array: Pods, workload
 * templates, RayCluster groups, Trainer runtimes) and returns one line per violation.
 */

const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** Finds every pod spec (with its JSON path) in a manifest. */
export function podSpecs(node: unknown, path = ''): Array<{ path: string; spec: any }> {
  if (Array.isArray(node)) return node.flatMap((n, i) => podSpecs(n, `${path}[${i}]`));
  if (!node || typeof node !== 'object') return [];
  const obj = node as Record<string, unknown>;
  if (Array.isArray(obj.containers)) return [{ path: path || '/', spec: obj }];
  return Object.entries(obj).flatMap(([k, v]) => podSpecs(v, `${path}/${k}`));
}

/** Violations of Pod Security "restricted" in one pod spec. */
export function restrictedViolations(spec: any, where = 'pod'): string[] {
  const v: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f]) v.push(`${where}: ${f} is true`);
  if (pod.windowsOptions?.hostProcess) v.push(`${where}: hostProcess`);
  for (const vol of spec.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (type === 'hostPath') v.push(`${where}: volume '${vol.name}' is a hostPath`);
    else if (!type || !RESTRICTED_VOLUME_TYPES.has(type))
      v.push(`${where}: volume '${vol.name}' has type '${type}', not allowed by restricted`);
  }
  for (const s of pod.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v.push(`${where}: sysctl '${s.name}' is not in the safe set`);
  const seccompOk = (p: any) => p?.type === 'RuntimeDefault' || p?.type === 'Localhost';
  const seccompBad = (p: any) => p !== undefined && !seccompOk(p);
  if (seccompBad(pod.seccompProfile)) v.push(`${where}: pod seccompProfile ${pod.seccompProfile.type}`);
  if (pod.runAsUser === 0) v.push(`${where}: pod runAsUser 0`);
  if (pod.seLinuxOptions && !SELINUX_TYPES.has(pod.seLinuxOptions.type ?? '')) v.push(`${where}: pod seLinuxOptions.type`);
  if (pod.appArmorProfile?.type === 'Unconfined') v.push(`${where}: pod appArmorProfile Unconfined`);
  for (const c of containers) {
    const at = `${where}: container '${c.name}'`;
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${at} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${at} must set allowPrivilegeEscalation: false`);
    if (!(sc.runAsNonRoot === true || (sc.runAsNonRoot === undefined && pod.runAsNonRoot === true)))
      v.push(`${at} must run as non-root (runAsNonRoot: true)`);
    if (sc.runAsUser === 0) v.push(`${at} runAsUser 0`);
    if (!(seccompOk(sc.seccompProfile) || (sc.seccompProfile === undefined && seccompOk(pod.seccompProfile)))) {
      v.push(`${at} needs seccompProfile RuntimeDefault or Localhost (on the container or the pod)`);
    }
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${at} must drop ALL capabilities`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${at} adds capability ${cap}`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${at} uses hostPort ${p.hostPort}`);
    if (sc.procMount && sc.procMount !== 'Default') v.push(`${at} procMount ${sc.procMount}`);
    if (sc.seLinuxOptions && !SELINUX_TYPES.has(sc.seLinuxOptions.type ?? '')) v.push(`${at} seLinuxOptions.type`);
    if (sc.appArmorProfile?.type === 'Unconfined') v.push(`${at} appArmorProfile Unconfined`);
  }
  return v;
}

/** Violations of "restricted" in every pod spec of a manifest (empty: it would be admitted). */
export function podSecurityProblems(manifest: any): string[] {
  const name = `${manifest.kind}/${manifest.metadata?.name}`;
  return podSpecs(manifest).flatMap(({ path, spec }) => restrictedViolations(spec, `${name}${path}`));
}
