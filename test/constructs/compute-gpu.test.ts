import { GPU_FAMILIES_UNKNOWN_TO_EKS_L2, GPU_INSTANCE_FAMILIES, instanceFamily, isGpuInstanceType } from '../../constructs';

describe('GPU instance types', () => {
  test.each(['g4dn.xlarge', 'g5.2xlarge', 'g6.4xlarge', 'g6e.12xlarge', 'p4d.24xlarge', 'p5.48xlarge', 'p5e.48xlarge'])(
    '%s is a GPU type',
    (type) => {
      expect(isGpuInstanceType(type)).toBe(true);
    },
  );

  test.each([
    ['m7i.xlarge', 'a CPU type'],
    ['g5g.2xlarge', 'Arm (the x86 NVIDIA AMI does not run it)'],
    ['inf2.xlarge', 'Inferentia (not NVIDIA)'],
    ['trn1.32xlarge', 'Trainium (not NVIDIA)'],
    ['p5', 'not an instance type'],
  ])('%s is not: %s', (type) => {
    expect(isGpuInstanceType(type)).toBe(false);
  });

  test('family of an instance type', () => {
    expect(instanceFamily('g6e.12xlarge')).toBe('g6e');
    expect(instanceFamily('G6.xlarge')).toBeUndefined();
  });

  test('families unknown to aws-eks-v2 are GPU families we support', () => {
    for (const f of GPU_FAMILIES_UNKNOWN_TO_EKS_L2) expect(GPU_INSTANCE_FAMILIES).toContain(f);
  });
});
