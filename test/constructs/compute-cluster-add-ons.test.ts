import { Template } from 'aws-cdk-lib/assertions';
import { HELM_CHARTS, MlClusterAddOns } from '../../constructs';
import { newCluster } from './compute-fixture';

describe('MlClusterAddOns', () => {
  // GIVEN / WHEN: the add-ons every MlCluster gets
  const { stack } = newCluster();
  const template = Template.fromStack(stack);

  test.each(Object.entries(HELM_CHARTS))('Helm chart %s at its pinned version', (_name, pin) => {
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: pin.chart,
      Repository: pin.repository,
      Version: pin.version,
      Namespace: pin.namespace,
      CreateNamespace: true,
      Wait: true,
      Timeout: '600s',
    });
  });

  test('every chart version is exact (no ranges)', () => {
    for (const pin of Object.values(HELM_CHARTS)) expect(pin.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('the NVIDIA device plugin tolerates the GPU taint', () => {
    const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'nvidia-device-plugin' } });
    const values = JSON.parse((Object.values(charts)[0] as any).Properties.Values);
    expect(values.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test("controllers run on the system nodes (at each chart's own values key)", () => {
    const valuesOf = (chart: string): any =>
      JSON.parse(
        (Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: chart } }))[0] as any).Properties
          .Values,
      );
    const system = { 'platform/workload': 'system' };
    expect(valuesOf('kuberay-operator').nodeSelector).toEqual(system);
    expect(valuesOf('metrics-server').nodeSelector).toEqual(system);
    expect(valuesOf('kubeflow-trainer').manager.nodeSelector).toEqual(system);
  });

  test('no Cluster Autoscaler: Karpenter (MlCluster.karpenter) launches the workload nodes', () => {
    expect(Object.keys(HELM_CHARTS)).not.toContain('clusterAutoscaler');
    expect(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'cluster-autoscaler' } })).toEqual({});
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'kube-system', ServiceAccount: 'karpenter' });
  });

  test('charts wait for the nodes', () => {
    const resources = template.toJSON().Resources as Record<string, any>;
    const nodegroups = Object.keys(resources).filter((k) => resources[k].Type === 'AWS::EKS::Nodegroup');
    for (const chart of Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart')) as any[]) {
      expect(chart.DependsOn).toEqual(expect.arrayContaining(nodegroups));
    }
  });

  test('chart pins and values can be overridden', () => {
    // GIVEN
    const { stack: other, cluster } = newCluster();
    // WHEN
    new MlClusterAddOns(cluster, 'Extra', {
      cluster: cluster.cluster,
      charts: { metricsServer: { ...HELM_CHARTS.metricsServer, version: '3.13.2' } },
      values: { metricsServer: { replicas: 3 } },
    });
    // THEN
    const charts = Template.fromStack(other).findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Version: '3.13.2' } });
    expect(JSON.parse((Object.values(charts)[0] as any).Properties.Values).replicas).toBe(3);
  });
});
