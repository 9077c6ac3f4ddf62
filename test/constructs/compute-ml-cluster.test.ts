import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EKS_ADDON_VERSIONS, KUBERNETES_RELEASES, kubernetesRelease, MlCluster } from '../../constructs';
import { clusterProps, computeFixture, newCluster } from './compute-fixture';

describe('MlCluster defaults', () => {
  // GIVEN / WHEN: the defaults (private endpoint, Kubernetes 1.35)
  const { stack } = newCluster({ adminRoleArns: ['arn:aws:iam::123456789012:role/PlatformAdmin'] });
  const template = Template.fromStack(stack);

  test('Kubernetes 1.35, private endpoint only, private subnets, API authentication without the creator as admin', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'test-ml',
      Version: '1.35',
      ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: false, EndpointPrivateAccess: true }),
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
      BootstrapSelfManagedAddons: false,
    });
  });

  test('secrets are envelope-encrypted with the given key', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Provider: { KeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } }, Resources: ['secrets'] }],
    });
  });

  test('all control-plane log types go to a pre-created, retained log group', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: {
        ClusterLogging: {
          EnabledTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((Type) => ({ Type })),
        },
      },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/eks/test-ml/cluster', RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('admin roles get cluster-admin through access entries', () => {
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::123456789012:role/PlatformAdmin',
      AccessPolicies: [
        {
          AccessScope: { Type: 'cluster' },
          PolicyArn: Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'])],
          }),
        },
      ],
    });
  });

  test('namespace access: edit or view on the named namespaces only, one access entry per role', () => {
    // GIVEN / WHEN
    const { stack: s } = newCluster({
      adminRoleArns: ['arn:aws:iam::123456789012:role/PlatformAdmin'],
      namespaceAccess: [
        { roleArn: 'arn:aws:iam::123456789012:role/RiskDev', access: 'edit', namespaces: ['risk'] },
        { roleArn: 'arn:aws:iam::123456789012:role/Viewer', access: 'view', namespaces: ['risk', 'fraud'] },
      ],
    });
    // THEN
    const t = Template.fromStack(s);
    const policy = (name: string) => Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`:eks::aws:cluster-access-policy/${name}`])] });
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::123456789012:role/RiskDev',
      AccessPolicies: [{ AccessScope: { Type: 'namespace', Namespaces: ['risk'] }, PolicyArn: policy('AmazonEKSEditPolicy') }],
    });
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::123456789012:role/Viewer',
      AccessPolicies: [{ AccessScope: { Type: 'namespace', Namespaces: ['risk', 'fraud'] }, PolicyArn: policy('AmazonEKSViewPolicy') }],
    });
    const people = Object.values(t.findResources('AWS::EKS::AccessEntry')).filter(
      (e: any) => typeof e.Properties.PrincipalArn === 'string',
    );
    expect(people).toHaveLength(3); // (plus the kubectl provider's own entry)
  });

  test.each(Object.entries(EKS_ADDON_VERSIONS))('managed add-on %s at the pinned version %s', (name, version) => {
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: name, AddonVersion: version, ResolveConflicts: 'OVERWRITE' });
  });

  test('the VPC CNI enforces network policies', () => {
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'vpc-cni',
      ConfigurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }),
    });
  });

  test('the EBS CSI driver gets its role through EKS Pod Identity', () => {
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'aws-ebs-csi-driver',
      PodIdentityAssociations: [
        { ServiceAccount: 'ebs-csi-controller-sa', RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EbsCsiDriverRole'), 'Arn'] } },
      ],
    });
  });

  test('node groups wait for the CNI; CoreDNS waits for the nodes', () => {
    const resources = template.toJSON().Resources as Record<string, any>;
    const id = (prefix: string, type: string) => Object.keys(resources).find((k) => k.startsWith(prefix) && resources[k].Type === type)!;
    const cni = Object.keys(resources).find((k) => resources[k].Properties?.AddonName === 'vpc-cni')!;
    const coredns = Object.keys(resources).find((k) => resources[k].Properties?.AddonName === 'coredns')!;
    const system = id('ClusterNodeGroupsystem', 'AWS::EKS::Nodegroup');
    expect(resources[system].DependsOn).toContain(cni);
    expect(resources[coredns].DependsOn).toContain(system);
  });

  test('the kubectl provider runs in the VPC with the kubectl v34 layer', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'onEvent handler for EKS kubectl resource provider',
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Layers: Match.arrayWith([{ Ref: Match.stringLikeRegexp('KubectlLayer') }]),
    });
    template.hasResourceProperties('AWS::Lambda::LayerVersion', { Description: Match.stringLikeRegexp('kubectl') });
  });

  test('the kubectl provider log groups are retained and have a retention, like the control-plane logs', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups).length).toBeGreaterThan(1);
    for (const group of Object.values(groups) as any[]) {
      expect(group.DeletionPolicy).toBe('Retain');
      expect(group.Properties.RetentionInDays).toBe(365);
    }
  });
});

describe('MlCluster options', () => {
  test('public and private endpoint restricted to the given CIDRs', () => {
    // GIVEN / WHEN
    const { stack } = newCluster({ publicAccessCidrs: ['52.94.76.0/24'] });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({
        EndpointPublicAccess: true,
        EndpointPrivateAccess: true,
        PublicAccessCidrs: ['52.94.76.0/24'],
      }),
    });
  });

  test('log group key and removal policy are honoured, for the kubectl provider log groups too', () => {
    // GIVEN
    const { stack, vpc, key } = computeFixture();
    const logKey = new kms.Key(stack, 'LogKey');
    // WHEN
    new MlCluster(stack, 'Cluster', clusterProps(vpc, key, { logEncryptionKey: logKey, removalPolicy: RemovalPolicy.DESTROY }));
    // THEN
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/eks/test-ml/cluster', KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogKey'), 'Arn'] } },
      DeletionPolicy: 'Delete',
    });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup')) as any[]) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogKey/), 'Arn'] });
    }
  });

  test('allowNodeVolumeEncryption lets EC2 Auto Scaling use the key for EBS only through grants for AWS resources, without naming its service-linked role as a principal', () => {
    // GIVEN
    const { stack, key } = computeFixture();
    // WHEN
    MlCluster.allowNodeVolumeEncryption(key);
    // THEN: the role is matched by condition (KMS rejects a Principal that does not exist yet)
    const slr = 'arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';
    const onlyAutoScaling = { ArnEquals: { 'aws:PrincipalArn': slr }, StringEquals: { 'kms:CallerAccount': '123456789012' } };
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowAutoScalingToUseTheKeyForNodeVolumes',
            Principal: { AWS: '*' },
            Condition: onlyAutoScaling,
          }),
          Match.objectLike({
            Sid: 'AllowAutoScalingToGrantTheKeyToEbs',
            Action: 'kms:CreateGrant',
            Principal: { AWS: '*' },
            Condition: { ...onlyAutoScaling, Bool: { 'kms:GrantIsForAWSResource': true } },
          }),
        ]),
      },
    });
  });
});

describe('MlCluster follows one Kubernetes version', () => {
  test.each(Object.keys(KUBERNETES_RELEASES))(
    '%s: the cluster, its kubectl layer and every managed add-on follow kubernetesVersion',
    (version) => {
      // GIVEN: only the version is set
      // WHEN
      const { stack } = newCluster({ kubernetesVersion: version });
      // THEN: the cluster runs it, the layer's kubectl is that minor, the add-ons are that row's
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::EKS::Cluster', { Version: version });
      const layers = Object.values(template.findResources('AWS::Lambda::LayerVersion')).map((l: any) => l.Properties.Description);
      expect(layers).toContainEqual(expect.stringMatching(new RegExp(`kubectl/kubectl ${version.replace('.', '\\.')}\\.\\d+`)));
      const addons = Object.fromEntries(
        Object.values(template.findResources('AWS::EKS::Addon')).map((a: any) => [a.Properties.AddonName, a.Properties.AddonVersion]),
      );
      expect(addons).toEqual(KUBERNETES_RELEASES[version].addons);
      expect(addons['kube-proxy']).toMatch(new RegExp(`^v${version.replace('.', '\\.')}\\.`));
    },
  );

  test('an unsupported version is one clear error naming the value and the supported ones', () => {
    // GIVEN / WHEN / THEN
    expect(() => kubernetesRelease('1.36')).toThrow(/^kubernetesVersion '1.36' is not supported; expected one of 1\.35 /);
  });
});

describe('MlCluster validation', () => {
  test.each([
    ['an unsupported Kubernetes version', { kubernetesVersion: '1.29' }, /kubernetesVersion '1.29' is not supported; expected one of 1.35/],
    ['an invalid cluster name', { clusterName: 'my cluster' }, /clusterName must be .* got 'my cluster'/],
    ['an open public endpoint', { publicAccessCidrs: ['0.0.0.0/0'] }, /publicAccessCidrs entry '0.0.0.0\/0' is too wide/],
    ['a malformed CIDR', { publicAccessCidrs: ['52.94.76.0'] }, /publicAccessCidrs entry '52.94.76.0' is not an IPv4 CIDR/],
    [
      'a documentation range (TEST-NET-3)',
      { publicAccessCidrs: ['203.0.113.0/24'] },
      /publicAccessCidrs entry '203.0.113.0\/24' is a documentation range \(TEST-NET, 203.0.113.0\/24, RFC 5737\)/,
    ],
    [
      'namespace access without namespaces',
      { namespaceAccess: [{ roleArn: 'arn:aws:iam::123456789012:role/Dev', access: 'edit', namespaces: [] }] },
      /namespaceAccess for 'arn:aws:iam::123456789012:role\/Dev' names no namespace/,
    ],
    // The same limit and words as the compute config rule (one implementation: publicAccessCidrProblems).
    [
      'a public range wider than /16',
      { publicAccessCidrs: ['52.0.0.0/12'] },
      /'52.0.0.0\/12' is too wide; public endpoint CIDRs must be \/16 or narrower/,
    ],
    ['a private range', { publicAccessCidrs: ['10.1.0.0/16'] }, /'10.1.0.0\/16' is a private \(RFC 1918\) range/],
    [
      'an admin that is not a role ARN',
      { adminRoleArns: ['arn:aws:iam::123456789012:user/alice'] },
      /adminRoleArns entry .* is not an IAM role ARN/,
    ],
    [
      'no CPU group',
      { nodeGroups: { gpu: { gpu: true, instanceTypes: ['g6.xlarge'], minSize: 0, maxSize: 1 } } },
      /nodeGroups must include a CPU group for the cluster add-ons, got gpu/,
    ],
  ])('rejects %s', (_name, overrides, message) => {
    const { stack, vpc, key } = computeFixture();
    expect(() => new MlCluster(stack, 'Cluster', clusterProps(vpc, key, overrides as any))).toThrow(message);
  });

  test('rejects a node group defined twice', () => {
    const { cluster } = newCluster();
    expect(() => cluster.addNodeGroup('system', { gpu: false, instanceTypes: ['m7i.large'], minSize: 1, maxSize: 2 })).toThrow(
      /node group 'system' is defined twice/,
    );
  });
});
