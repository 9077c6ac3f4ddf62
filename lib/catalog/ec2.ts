/**
 * EC2 instance types the platform's node groups may use: vCPUs, memory and NVIDIA GPUs per size.
 *
 * Source: Amazon EC2 instance type specifications (docs.aws.amazon.com/ec2/latest/instancetypes/),
 * general purpose (m7i, m7g, m6i), compute optimized (c7i), memory optimized (r7i) and accelerated
 * computing (g5, g6, g6e, p4d, p5, p5e, p5en) pages; checked 2026-11-29. A family not listed here
 * is reported as unknown: add it with its source rather than loosening the check.
 */
export interface Ec2InstanceSpec {
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** NVIDIA GPUs (0 for CPU types). */
  readonly gpus: number;
  /** EFA interfaces the type supports (0 when it has none). */
  readonly efaInterfaces: number;
}

type Sizes = Readonly<Record<string, readonly [vcpus: number, memoryGiB: number, gpus?: number, efa?: number]>>;

const standard = (memoryPerVcpu: number, sizes: readonly string[]): Sizes => {
  const vcpus: Record<string, number> = {
    medium: 1,
    large: 2,
    xlarge: 4,
    '2xlarge': 8,
    '4xlarge': 16,
    '8xlarge': 32,
    '12xlarge': 48,
    '16xlarge': 64,
    '24xlarge': 96,
    '48xlarge': 192,
  };
  return Object.fromEntries(sizes.map((s) => [s, [vcpus[s], vcpus[s] * memoryPerVcpu] as const]));
};

const INTEL_SIZES = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'];
const GRAVITON_SIZES = ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];

/** g5 (A10G 24 GB), g6 (L4 24 GB): one GPU up to 16xlarge, four at 12x/24xlarge, eight at 48xlarge. */
const singleGpuLadder = (memoryPerVcpu: number, efaFrom8x: boolean): Sizes => ({
  xlarge: [4, 4 * memoryPerVcpu, 1, 0],
  '2xlarge': [8, 8 * memoryPerVcpu, 1, 0],
  '4xlarge': [16, 16 * memoryPerVcpu, 1, 0],
  '8xlarge': [32, 32 * memoryPerVcpu, 1, efaFrom8x ? 1 : 0],
  '12xlarge': [48, 48 * memoryPerVcpu, 4, efaFrom8x ? 1 : 0],
  '16xlarge': [64, 64 * memoryPerVcpu, 1, efaFrom8x ? 1 : 0],
  '24xlarge': [96, 96 * memoryPerVcpu, 4, efaFrom8x ? 1 : 0],
  '48xlarge': [192, 192 * memoryPerVcpu, 8, efaFrom8x ? 1 : 0],
});

const FAMILIES: Readonly<Record<string, Sizes>> = {
  m7i: standard(4, INTEL_SIZES),
  m6i: standard(4, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']),
  c7i: standard(2, INTEL_SIZES),
  r7i: standard(8, INTEL_SIZES),
  m7g: standard(4, GRAVITON_SIZES),
  g5: singleGpuLadder(4, true),
  g6: singleGpuLadder(4, true),
  g6e: {
    xlarge: [4, 32, 1, 0],
    '2xlarge': [8, 64, 1, 0],
    '4xlarge': [16, 128, 1, 0],
    '8xlarge': [32, 256, 1, 1],
    '12xlarge': [48, 384, 4, 1],
    '16xlarge': [64, 512, 1, 1],
    '24xlarge': [96, 768, 4, 2],
    '48xlarge': [192, 1536, 8, 4],
  },
  p4d: { '24xlarge': [96, 1152, 8, 4] },
  p5: { '4xlarge': [16, 256, 1, 0], '48xlarge': [192, 2048, 8, 32] },
  p5e: { '48xlarge': [192, 2048, 8, 32] },
  p5en: { '48xlarge': [192, 2048, 8, 16] },
};

/** The spec of an instance type, or undefined when the family or size does not exist (in this table). */
export function ec2InstanceSpec(instanceType: string): Ec2InstanceSpec | undefined {
  const [family, size] = instanceType.split('.');
  const row = FAMILIES[family ?? '']?.[size ?? ''];
  if (!row) return undefined;
  const [vcpus, memoryGiB, gpus = 0, efaInterfaces = 0] = row;
  return { vcpus, memoryGiB, gpus, efaInterfaces };
}

/** Why an instance type is unknown, in words: the family's sizes, or the families known. */
export function ec2UnknownReason(instanceType: string): string {
  const [family] = instanceType.split('.');
  const sizes = FAMILIES[family ?? ''];
  return sizes
    ? `is not an EC2 instance type; ${family} comes in ${Object.keys(sizes).join(', ')}`
    : `is not an EC2 instance type the platform knows; families: ${Object.keys(FAMILIES).join(', ')}`;
}

/** The instance types of a family the table knows (`g6` -> `g6.xlarge`, …), empty for an unknown family. */
export function ec2InstanceTypesOf(family: string): string[] {
  return Object.keys(FAMILIES[family] ?? {}).map((size) => `${family}.${size}`);
}
