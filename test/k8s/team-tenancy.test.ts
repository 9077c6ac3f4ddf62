import { Testing } from 'cdk8s';
import { type Cidr, contains, parseCidr } from '../../constructs/core/patterns';
import { POD_IDENTITY_AGENT_CIDR, TeamTenancyChart, type TeamTenancyProps } from '../../k8s/charts/team-tenancy';
import { addPlatformCharts } from '../../lib/compute/charts';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../../lib/config';

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

  test('with awsApis: HTTPS to the VPC (interface endpoints) and to public ranges outside it, private ranges excepted', () => {
    // GIVEN / WHEN
    const [aws] = find(
      synth({ ...props, awsApis: { vpcCidr: '10.30.0.0/16', outside: ['0.0.0.0/0', '52.218.0.0/17'] } }),
      'NetworkPolicy',
      'allow-aws-apis',
    );
    // THEN
    const https = [{ port: 443, protocol: 'TCP' }];
    expect(aws.spec.egress).toEqual([
      { ports: https, to: [{ ipBlock: { cidr: '10.30.0.0/16' } }] },
      {
        ports: https,
        to: [
          { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } },
        ],
      },
      { ports: https, to: [{ ipBlock: { cidr: '52.218.0.0/17' } }] },
      { ports: [{ port: 80, protocol: 'TCP' }], to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }] },
    ]);
  });

  test('with awsApis and nothing outside: HTTPS only to the VPC (interface endpoints), the agent on 80', () => {
    // GIVEN / WHEN
    const [aws] = find(synth({ ...props, awsApis: { vpcCidr: '10.30.0.0/16', outside: [] } }), 'NetworkPolicy', 'allow-aws-apis');
    // THEN
    expect(aws.spec.egress).toEqual([
      { ports: [{ port: 443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.30.0.0/16' } }] },
      { ports: [{ port: 80, protocol: 'TCP' }], to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }] },
    ]);
  });

  test.each([
    [
      'a private outside range',
      { vpcCidr: '10.30.0.0/16', outside: ['10.20.0.0/16'] },
      /awsApis.outside\[0\] '10.20.0.0\/16' is a private \(RFC 1918\) range/,
    ],
    [
      'a malformed outside range',
      { vpcCidr: '10.30.0.0/16', outside: ['52.218.0.1/17'] },
      /awsApis.outside\[0\] '52.218.0.1\/17' is not a network-aligned IPv4 CIDR/,
    ],
    [
      'a malformed VPC CIDR',
      { vpcCidr: '10.30.0.0', outside: [] },
      /awsApis.vpcCidr must be a network-aligned IPv4 CIDR like 10.30.0.0\/16, got '10.30.0.0'/,
    ],
  ])('rejects %s', (_title, awsApis, message) => {
    expect(() => synth({ ...props, awsApis })).toThrow(message);
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

/** True if an ipBlock peer admits every address of a CIDR (its `except` ranges taken out). */
function admits(block: { cidr: string; except?: string[] }, target: Cidr): boolean {
  const cidr = parseCidr(block.cidr) as Cidr;
  if (!contains(cidr, target)) return false;
  return !(block.except ?? []).some((e) => {
    const ex = parseCidr(e) as Cidr;
    return ex.first < target.first + target.size && target.first < ex.first + ex.size;
  });
}

describe.each(ENVIRONMENT_NAMES)('%s team namespaces reach AWS APIs, not other networks', (env) => {
  test("allow-aws-apis admits the VPC on 443 and no other environment's VPC or private network", () => {
    // GIVEN: the committed environment's team charts
    const charts = addPlatformCharts(Testing.app(), ENVIRONMENTS[env]).tenancy;
    for (const chart of Object.values(charts)) {
      // WHEN
      const [aws] = find(chart.toJson(), 'NetworkPolicy', 'allow-aws-apis');
      const blocks = aws.spec.egress
        .filter((r: any) => r.ports.some((p: any) => p.port === 443))
        .flatMap((r: any) => r.to.map((t: any) => t.ipBlock));
      // THEN
      expect(blocks.some((b: any) => admits(b, parseCidr(ENVIRONMENTS[env].network.vpcCidr) as Cidr))).toBe(true);
      const elsewhere = [
        ...ENVIRONMENT_NAMES.filter((other) => other !== env).map((other) => ENVIRONMENTS[other].network.vpcCidr),
        '192.168.0.0/24',
        '172.16.0.0/24',
        '169.254.169.254/32',
      ];
      for (const target of elsewhere) {
        expect({ target, admitted: blocks.some((b: any) => admits(b, parseCidr(target) as Cidr)) }).toEqual({ target, admitted: false });
      }
    }
  });
});

/** The committed environment's allow-aws-apis egress rules of every team: [ports, ipBlocks] pairs. */
function awsApiEgress(
  env: (typeof ENVIRONMENT_NAMES)[number],
): Array<{ ports: number[]; blocks: Array<{ cidr: string; except?: string[] }> }> {
  return Object.values(addPlatformCharts(Testing.app(), ENVIRONMENTS[env]).tenancy).flatMap((chart) => {
    const [aws] = find(chart.toJson(), 'NetworkPolicy', 'allow-aws-apis');
    return aws.spec.egress.map((r: any) => ({ ports: r.ports.map((p: any) => p.port), blocks: r.to.map((t: any) => t.ipBlock) }));
  });
}

describe.each(['staging', 'prod'] as const)('%s (interface endpoints): team pods reach AWS APIs only inside the VPC', (env) => {
  test('allow-aws-apis: 443 only to the VPC CIDR, 80 only to the Pod Identity agent', () => {
    // GIVEN
    const vpc = ENVIRONMENTS[env].network.vpcCidr;
    // WHEN
    const rules = awsApiEgress(env);
    // THEN: one pair of rules per team, nothing else
    expect(rules).toHaveLength(2 * ENVIRONMENTS[env].cluster.teams.length);
    for (const rule of rules) {
      expect([
        { ports: [443], blocks: [{ cidr: vpc }] },
        { ports: [80], blocks: [{ cidr: POD_IDENTITY_AGENT_CIDR }] },
      ]).toContainEqual(rule);
    }
  });

  test('a public AWS address (an S3 range, the EC2 metadata service) is not admitted on 443', () => {
    // WHEN
    const https = awsApiEgress(env)
      .filter((r) => r.ports.includes(443))
      .flatMap((r) => r.blocks);
    // THEN
    for (const target of ['52.218.0.0/17', '3.5.0.0/19', '169.254.169.254/32', '0.0.0.0/0']) {
      expect({ target, admitted: https.some((b) => admits(b, parseCidr(target) as Cidr)) }).toEqual({ target, admitted: false });
    }
  });
});

test('dev (no interface endpoints) keeps HTTPS to every public address: its AWS calls leave through NAT', () => {
  // WHEN
  const https = awsApiEgress('dev')
    .filter((r) => r.ports.includes(443))
    .flatMap((r) => r.blocks);
  // THEN
  expect(ENVIRONMENTS.dev.network.interfaceEndpoints).toBe(false);
  expect(https.some((b) => admits(b, parseCidr('52.218.0.0/17') as Cidr))).toBe(true);
  expect(https).toContainEqual(expect.objectContaining({ cidr: '0.0.0.0/0' }));
});
