import { Template } from 'aws-cdk-lib/assertions';
import { ClusterMetrics } from '../../constructs/observability';
import { newCluster } from './compute-fixture';

describe('ClusterMetrics', () => {
  test('Container Insights: the add-on at the pinned version, its agent bound by Pod Identity to a role of its own', () => {
    // GIVEN
    const { stack, cluster } = newCluster();
    // WHEN
    const m = new ClusterMetrics(stack, 'Metrics', {
      cluster: cluster.cluster,
      environment: 'prod',
      containerInsightsVersion: 'v4.10.3-eksbuild.1',
    });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'amazon-cloudwatch-observability',
      AddonVersion: 'v4.10.3-eksbuild.1',
      ResolveConflicts: 'OVERWRITE',
      PodIdentityAssociations: [{ ServiceAccount: 'cloudwatch-agent', RoleArn: stack.resolve(m.agentRole!.roleArn) }],
    });
    const role = t.findResources('AWS::IAM::Role', {
      Properties: { Description: 'CloudWatch agent of Container Insights (EKS Pod Identity): puts metrics and logs' },
    });
    const statement = (Object.values(role)[0] as any).Properties.AssumeRolePolicyDocument.Statement[0];
    expect(statement.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    expect(Object.keys(m.releases)).toEqual([]);
  });

  test('Prometheus exporters: the collector RBAC chart, then the DCGM exporter and kube-state-metrics at pinned versions', () => {
    // GIVEN
    const { stack, cluster } = newCluster();
    // WHEN
    const m = new ClusterMetrics(stack, 'Metrics', { cluster: cluster.cluster, environment: 'prod', prometheusExporters: true });
    // THEN
    const t = Template.fromStack(stack);
    const charts = (Object.values(t.findResources('Custom::AWSCDK-EKS-HelmChart')) as any[]).map((r) => r.Properties);
    const exporters = charts.filter((c) => ['dcgm-exporter', 'kube-state-metrics'].includes(c.Chart));
    expect(exporters.map((c) => [c.Chart, c.Version, c.Namespace])).toEqual([
      ['dcgm-exporter', '4.1.1', 'gpu-monitoring'],
      ['kube-state-metrics', '7.1.0', 'gpu-monitoring'],
    ]);
    expect(t.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'amazon-cloudwatch-observability' } })).toEqual({});
    expect(Object.keys(m.releases)).toEqual(['dcgm-exporter', 'kube-state-metrics']);
    const manifests = JSON.stringify(t.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    expect(manifests).toContain('aps-collector-user');
  });

  test('a version that is not an EKS add-on version is refused with what was got', () => {
    const { stack, cluster } = newCluster();
    expect(
      () => new ClusterMetrics(stack, 'Metrics', { cluster: cluster.cluster, environment: 'prod', containerInsightsVersion: '4.10' }),
    ).toThrow("ClusterMetrics: containerInsightsVersion must look like v4.1.0-eksbuild.1, got '4.10'");
  });
});
