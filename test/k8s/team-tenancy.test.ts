import { Testing } from 'cdk8s';
import { POD_IDENTITY_AGENT_CIDR, TeamTenancyChart, type TeamTenancyProps } from '../../k8s/charts/team-tenancy';

const props: TeamTenancyProps = { team: 'risk', environment: 'dev', quota: { cpu: 16, memoryGiB: 64, gpus: 2 } };

function synth(p: TeamTenancyProps = props): any[] {
  return new TeamTenancyChart(Testing.app(), 'risk', p).toJson();
}
const find = (objs: any[], kind: string, name?: string) => objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name));

describe('TeamTenancyChart', () => {
  test('namespace with team and environment labels', () => {
    // WHEN
    const [ns] = find(synth(), 'Namespace');
    // THEN
    expect(ns.metadata).toMatchObject({
      name: 'risk',
      labels: { 'platform/team': 'risk', 'platform/env': 'dev', 'pod-security.kubernetes.io/enforce': 'restricted' },
    });
  });

  test('resource quota covers CPU, memory and GPUs', () => {
    const [quota] = find(synth(), 'ResourceQuota');
    expect(quota.metadata.namespace).toBe('risk');
    expect(quota.spec.hard).toEqual({
      'requests.cpu': '16',
      'limits.cpu': '16',
      'requests.memory': '64Gi',
      'limits.memory': '64Gi',
      'requests.nvidia.com/gpu': '2',
      pods: '200',
    });
  });

  test('limit range gives containers defaults so the quota admits them', () => {
    const [limits] = find(synth(), 'LimitRange');
    expect(limits.spec.limits[0]).toMatchObject({
      type: 'Container',
      default: { cpu: '1', memory: '2Gi' },
      defaultRequest: { cpu: '250m', memory: '512Mi' },
    });
  });

  test('default deny for ingress and egress of every pod', () => {
    const [deny] = find(synth(), 'NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Egress', 'Ingress'] });
  });

  test('same-namespace traffic and DNS to kube-dns are allowed', () => {
    const objs = synth();
    const [same] = find(objs, 'NetworkPolicy', 'allow-same-namespace');
    const ownNamespace = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'risk' } }, podSelector: {} };
    expect(same.spec.ingress[0].from).toEqual([ownNamespace]);
    expect(same.spec.egress[0].to).toEqual([ownNamespace]);
    const [dns] = find(objs, 'NetworkPolicy', 'allow-dns');
    expect(dns.spec.egress[0]).toEqual({
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
    });
  });

  test('AWS APIs (HTTPS) and the pod identity agent are reachable by default, and can be turned off', () => {
    const [aws] = find(synth(), 'NetworkPolicy', 'allow-aws-apis');
    expect(aws.spec.egress).toEqual([
      { ports: [{ port: 443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] },
      { ports: [{ port: 80, protocol: 'TCP' }], to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }] },
    ]);
    expect(find(synth({ ...props, allowAwsApis: false }), 'NetworkPolicy', 'allow-aws-apis')).toEqual([]);
  });

  test('service account for the workloads, token not mounted', () => {
    const [sa] = find(synth(), 'ServiceAccount');
    expect(sa).toMatchObject({ metadata: { name: 'risk-workloads', namespace: 'risk' }, automountServiceAccountToken: false });
  });

  test.each([
    ['an invalid team name', { ...props, team: 'Risk_Team' }, /team must be a DNS-1123 label.*got 'Risk_Team'/],
    ['a negative GPU quota', { ...props, quota: { cpu: 4, memoryGiB: 8, gpus: -1 } }, /quota.gpus must be/],
    ['a fractional GPU quota', { ...props, quota: { cpu: 4, memoryGiB: 8, gpus: 0.5 } }, /quota.gpus must be/],
    ['a quota below one default container', { ...props, quota: { cpu: 4, memoryGiB: 1, gpus: 0 } }, /must admit one default container/],
  ])('rejects %s', (_name, bad, message) => {
    expect(() => synth(bad as TeamTenancyProps)).toThrow(message);
  });
});
