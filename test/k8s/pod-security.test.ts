import { podSecurityProblems, podSpecs, restrictedViolations } from './pod-security';

/** A pod spec that passes "restricted"; each test breaks one control. */
const good = (): any => ({
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory' } }],
  containers: [{ name: 'c', image: 'i', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
});

describe('Pod Security restricted checker', () => {
  test('accepts a compliant pod spec', () => {
    expect(restrictedViolations(good())).toEqual([]);
  });

  test.each([
    ['root', (s: any) => (s.securityContext.runAsNonRoot = false), /non-root/],
    ['privilege escalation', (s: any) => delete s.containers[0].securityContext.allowPrivilegeEscalation, /allowPrivilegeEscalation/],
    ['capabilities kept', (s: any) => (s.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] }), /drop ALL/],
    ['added capability', (s: any) => (s.containers[0].securityContext.capabilities.add = ['IPC_LOCK']), /adds capability IPC_LOCK/],
    ['no seccomp', (s: any) => delete s.securityContext.seccompProfile, /seccompProfile/],
    ['unconfined seccomp', (s: any) => (s.securityContext.seccompProfile = { type: 'Unconfined' }), /seccompProfile Unconfined/],
    ['hostPath', (s: any) => s.volumes.push({ name: 'h', hostPath: { path: '/' } }), /hostPath/],
    ['hostNetwork', (s: any) => (s.hostNetwork = true), /hostNetwork/],
    ['privileged', (s: any) => (s.containers[0].securityContext.privileged = true), /privileged/],
    ['hostPort', (s: any) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]), /hostPort/],
    ['init container', (s: any) => (s.initContainers = [{ name: 'init', image: 'i' }]), /container 'init'/],
  ])('rejects %s', (_name, breakIt, message) => {
    // GIVEN
    const spec = good();
    // WHEN
    breakIt(spec);
    // THEN
    expect(restrictedViolations(spec).join('\n')).toMatch(message);
  });

  test('finds pod specs nested in custom resources', () => {
    const ray = {
      kind: 'RayCluster',
      metadata: { name: 'r' },
      spec: { headGroupSpec: { template: { spec: good() } }, workerGroupSpecs: [{ template: { spec: { containers: [{ name: 'w' }] } } }] },
    };
    expect(podSpecs(ray).map((p) => p.path)).toEqual(['/spec/headGroupSpec/template/spec', '/spec/workerGroupSpecs[0]/template/spec']);
    expect(podSecurityProblems(ray).join('\n')).toMatch(/RayCluster\/r\/spec\/workerGroupSpecs\[0\]\/template\/spec: container 'w'/);
  });
});
