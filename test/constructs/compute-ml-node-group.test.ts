import { Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MlNodeGroup, type MlNodeGroupProps } from '../../constructs';
import { newCluster } from './compute-fixture';

describe('MlNodeGroup in an MlCluster', () => {
  // GIVEN / WHEN: the fixture's system (CPU) and gpu-g6 (GPU, Spot) groups
  const { stack, key } = newCluster();
  const template = Template.fromStack(stack);
  const groups = template.findResources('AWS::EKS::Nodegroup');
  const byName = (name: string) => Object.values(groups).find((g: any) => g.Properties.Labels['platform/node-group'] === name) as any;

  test('GPU group: NVIDIA AMI, GPU taint, GPU labels, Spot, scales from zero', () => {
    expect(byName('gpu-g6').Properties).toMatchObject({
      AmiType: 'AL2023_x86_64_NVIDIA',
      InstanceTypes: ['g6.2xlarge'],
      CapacityType: 'SPOT',
      ScalingConfig: { MinSize: 0, DesiredSize: 0, MaxSize: 4 },
      Taints: [{ Key: 'nvidia.com/gpu', Value: 'true', Effect: 'NO_SCHEDULE' }],
      Labels: { 'platform/node-kind': 'gpu', 'platform/workload': 'training', 'nvidia.com/gpu.present': 'true' },
    });
  });

  test('CPU system group: standard AL2023 AMI, on demand, no taint', () => {
    expect(byName('system').Properties).toMatchObject({
      AmiType: 'AL2023_x86_64_STANDARD',
      CapacityType: 'ON_DEMAND',
      ScalingConfig: { MinSize: 2, DesiredSize: 2, MaxSize: 4 },
      Labels: { 'platform/node-kind': 'cpu', 'platform/workload': 'system' },
    });
    expect(byName('system').Properties.Taints).toBeUndefined();
  });

  test('node groups are in the private subnets and use a launch template', () => {
    for (const g of Object.values(groups) as any[]) {
      expect(g.Properties.Subnets).toEqual(expect.arrayContaining([{ Ref: expect.stringMatching(/^VpcPrivateSubnet/) }]));
      expect(g.Properties.LaunchTemplate).toEqual({
        Id: { Ref: expect.any(String) },
        Version: { 'Fn::GetAtt': [expect.any(String), 'LatestVersionNumber'] },
      });
    }
  });

  test('launch templates require IMDSv2 with hop limit 1 and encrypt gp3 root volumes (200 GiB GPU, 50 GiB CPU)', () => {
    for (const size of [200, 50]) {
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: Match.objectLike({
          MetadataOptions: { HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, HttpTokens: 'required' },
          BlockDeviceMappings: [
            { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: size, VolumeType: 'gp3', DeleteOnTermination: true } },
          ],
        }),
      });
    }
    expect(key).toBeDefined();
  });
});

describe('MlNodeGroup options', () => {
  test('root volumes encrypted with the given key, of the given size', () => {
    // GIVEN
    const { stack, cluster, key } = newCluster();
    // WHEN
    cluster.addNodeGroup('infer', {
      gpu: true,
      workload: 'inference',
      instanceTypes: ['g5.xlarge'],
      minSize: 1,
      maxSize: 2,
      diskSize: Size.gibibytes(300),
      volumeEncryptionKey: key,
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: Match.objectLike({
              Encrypted: true,
              VolumeSize: 300,
              KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
            }),
          },
        ],
      }),
    });
  });

  test('p5 groups get the NVIDIA AMI although aws-eks-v2 does not know p5 as a GPU type', () => {
    const { stack, cluster } = newCluster();
    cluster.addNodeGroup('gpu-p5', { gpu: true, instanceTypes: ['p5.48xlarge'], minSize: 0, maxSize: 2 });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Nodegroup', {
      InstanceTypes: ['p5.48xlarge'],
      AmiType: 'AL2023_x86_64_NVIDIA',
    });
  });
});

describe('MlNodeGroup validation', () => {
  const base: Omit<MlNodeGroupProps, 'cluster'> = { name: 'gpu', gpu: true, instanceTypes: ['g6.xlarge'], minSize: 0, maxSize: 2 };
  test.each<[string, Partial<MlNodeGroupProps>, RegExp]>([
    [
      'a CPU type in a GPU group',
      { instanceTypes: ['m7i.xlarge'] },
      /instance type 'm7i.xlarge' is not a GPU instance type; GPU groups use the families g4dn, g5, g6/,
    ],
    [
      'a GPU type in a CPU group',
      { gpu: false, workload: 'inference', instanceTypes: ['g5.xlarge'] },
      /'g5.xlarge' is a GPU instance type; set gpu: true/,
    ],
    ['a malformed instance type', { instanceTypes: ['large'] }, /instance type 'large' is not an EC2 instance type/],
    ['no instance types', { instanceTypes: [] }, /instanceTypes must list at least one instance type, got none/],
    ['min above desired', { minSize: 3, desiredSize: 2, maxSize: 4 }, /minSize <= desiredSize <= maxSize, got 3 <= 2 <= 4/],
    ['desired above max', { minSize: 0, desiredSize: 5, maxSize: 4 }, /got 0 <= 5 <= 4/],
    ['a fractional size', { maxSize: 2.5 }, /maxSize must be a whole number from 0 to 1000, got 2.5/],
    ['max of zero', { maxSize: 0 }, /maxSize must be at least 1, got 0/],
    [
      'Spot training without the opt-in',
      { capacityType: 'SPOT' },
      /capacityType 'SPOT' for a training group needs allowSpotTraining: true/,
    ],
    ['a GPU system group', { workload: 'system' }, /workload 'system' runs cluster add-ons on CPU nodes/],
    [
      'a Spot system group',
      { gpu: false, instanceTypes: ['m7i.large'], capacityType: 'SPOT' },
      /'SPOT' is not allowed for the system group/,
    ],
    [
      'p5 mixed with p4d',
      { instanceTypes: ['p5.48xlarge', 'p4d.24xlarge'] },
      /p5.48xlarge .* cannot share a group with other GPU families/,
    ],
    ['a tiny disk', { diskSize: Size.gibibytes(10) }, /diskSize must be a whole number of GiB from 20 to 16384, got 10/],
    ['an invalid name', { name: 'GPU_1' }, /name must be a lower-case DNS label .* got 'GPU_1'/],
  ])('rejects %s', (_name, change, message) => {
    const { cluster } = newCluster();
    expect(() => new MlNodeGroup(cluster, 'Bad', { ...base, ...change, cluster: cluster.cluster })).toThrow(message);
  });

  test('Spot training is accepted with the explicit opt-in', () => {
    const { cluster } = newCluster();
    expect(
      () => new MlNodeGroup(cluster, 'Ok', { ...base, capacityType: 'SPOT', allowSpotTraining: true, cluster: cluster.cluster }),
    ).not.toThrow();
  });
});
