import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
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
    // The autoscaler's values embed the cluster name (a token): the document is an Fn::Join.
    const autoscaler = Object.values(
      template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'cluster-autoscaler' } }),
    )[0] as any;
    expect(JSON.stringify(autoscaler.Properties.Values)).toContain('\\"nodeSelector\\":{\\"platform/workload\\":\\"system\\"}');
    expect(valuesOf('kubeflow-trainer').manager.nodeSelector).toEqual(system);
  });

  test('the Cluster Autoscaler discovers this cluster and gets its role through EKS Pod Identity', () => {
    const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'cluster-autoscaler' } });
    expect(JSON.stringify((Object.values(charts)[0] as any).Properties.Values)).toContain('autoDiscovery');
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'kube-system',
      ServiceAccount: 'cluster-autoscaler',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterAutoscalerRole'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ],
      },
      Description: Match.stringLikeRegexp('Cluster Autoscaler'),
    });
  });

  test('the Cluster Autoscaler may resize only node groups tagged for this cluster', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'ResizeThisClustersNodeGroups',
            Effect: 'Allow',
            Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/test-ml': 'owned' } },
          },
          Match.objectLike({
            Sid: 'ReadNodeGroupTemplates',
            Action: 'eks:DescribeNodegroup',
            Resource: 'arn:aws:eks:eu-west-1:123456789012:nodegroup/test-ml/*',
          }),
        ]),
      },
    });
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
      clusterName: 'test-ml',
      charts: { metricsServer: { ...HELM_CHARTS.metricsServer, version: '3.13.2' } },
      values: { metricsServer: { replicas: 3 } },
    });
    // THEN
    const charts = Template.fromStack(other).findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Version: '3.13.2' } });
    expect(JSON.parse((Object.values(charts)[0] as any).Properties.Values).replicas).toBe(3);
  });

  test('rejects a cluster name that is a token', () => {
    const { cluster } = newCluster();
    const imported = cluster.cluster as eks.Cluster;
    expect(() => new MlClusterAddOns(cluster, 'Bad', { cluster: imported })).toThrow(/clusterName must be a literal/);
  });
});
