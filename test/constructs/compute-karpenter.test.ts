import { Match, Template } from 'aws-cdk-lib/assertions';
import { KARPENTER_CHARTS, KARPENTER_INTERRUPTION_EVENTS, Karpenter } from '../../constructs/compute/karpenter';
import { MlCluster } from '../../constructs/compute/ml-cluster';
import { clusterProps, computeFixture, newCluster } from './compute-fixture';

/** MlCluster's own Karpenter, with the compute key for its volumes. */
function karpenter() {
  const { stack, vpc, key } = computeFixture();
  const cluster = new MlCluster(stack, 'Cluster', clusterProps(vpc, key, { karpenter: { volumeEncryptionKey: key } }));
  return { stack, k: cluster.karpenter, template: Template.fromStack(stack) };
}

describe('Karpenter', () => {
  // GIVEN / WHEN
  const { template } = karpenter();
  const policy = (): any[] => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowScopedEC2InstanceAccessActions' })]) } },
    });
    return (Object.values(policies)[0] as any).Properties.PolicyDocument.Statement;
  };

  test('CRD chart then controller chart, pinned, with the interruption queue and cluster name', () => {
    for (const pin of Object.values(KARPENTER_CHARTS)) {
      template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
        Chart: pin.chart,
        Repository: pin.repository,
        Version: pin.version,
      });
      expect(pin.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'karpenter' } });
    const [id, chart] = Object.entries(charts)[0] as [string, any];
    expect(chart.Properties.SkipCrds).toBe(true);
    const values = JSON.stringify(chart.Properties.Values);
    expect(values).toMatch(/"clusterName\\":\\"test-ml\\"/);
    expect(values).toMatch(/interruptionQueue/);
    expect(values).toMatch(/"platform\/workload\\":\\"system\\"/);
    const crdId = Object.keys(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'karpenter-crd' } }))[0];
    expect(template.toJSON().Resources[id].DependsOn).toEqual(expect.arrayContaining([crdId]));
  });

  test('the controller runs under Pod Identity as kube-system/karpenter', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'kube-system', ServiceAccount: 'karpenter' });
  });

  test('nodes: a role with worker, CNI and ECR pull policies, a fixed-name instance profile, an EC2_LINUX access entry', () => {
    template.hasResourceProperties('AWS::IAM::InstanceProfile', { InstanceProfileName: 'test-ml-karpenter-nodes' });
    template.hasResourceProperties('AWS::EKS::AccessEntry', { Type: 'EC2_LINUX' });
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] } },
    });
    const arns = JSON.stringify(Object.values(roles).map((r: any) => r.Properties.ManagedPolicyArns));
    for (const p of ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly']) expect(arns).toContain(p);
  });

  test('interruption handling: an SSE, TLS-only queue fed by four EventBridge rules', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 300 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    const rules = template.findResources('AWS::Events::Rule');
    expect(
      Object.values(rules)
        .map((r: any) => r.Properties.EventPattern['detail-type'][0])
        .sort(),
    ).toEqual(
      Object.values(KARPENTER_INTERRUPTION_EVENTS)
        .map((e) => e.detailType![0])
        .sort(),
    );
  });

  test('the controller policy is scoped to this cluster: tag conditions on launches, tagging and termination', () => {
    const statements = policy();
    const sid = (s: string) => statements.find((x) => x.Sid === s);
    expect(sid('AllowScopedEC2InstanceActionsWithTags').Condition.StringEquals).toMatchObject({
      'aws:RequestTag/kubernetes.io/cluster/test-ml': 'owned',
      'aws:RequestTag/eks:eks-cluster-name': 'test-ml',
    });
    expect(sid('AllowScopedDeletion').Condition.StringEquals).toEqual({ 'aws:ResourceTag/kubernetes.io/cluster/test-ml': 'owned' });
    expect(sid('AllowRegionalReadActions').Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } });
    expect(sid('AllowPassingInstanceRole').Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    expect(sid('AllowEncryptedNodeVolumes').Condition).toEqual({ StringEquals: { 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com' } });
    // No IAM write beyond PassRole: the instance profile is created here, not by Karpenter.
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith('iam:')).sort()).toEqual(['iam:GetInstanceProfile', 'iam:PassRole']);
    // Every unscoped resource is a Describe/Get/pricing call.
    for (const s of statements.filter((x) => x.Resource === '*')) {
      for (const a of [s.Action].flat()) expect(a).toMatch(/^(ec2:Describe|pricing:GetProducts)/);
    }
  });

  test('rejects a cluster name that is not a literal EKS name', () => {
    // GIVEN
    const { stack, cluster } = newCluster();
    // THEN
    expect(() => new Karpenter(stack, 'Other', { cluster: cluster.cluster, clusterName: 'bad name' })).toThrow(
      /clusterName must be a literal EKS cluster name.*got 'bad name'/,
    );
  });
});
