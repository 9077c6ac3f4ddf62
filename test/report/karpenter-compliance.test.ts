import { estimateCost, type StackInput } from '../../scripts/report/analyze';
import { summarize } from '../../scripts/report/compliance';

/** A kubectl-provider resource carrying NodePools, as aws-eks-v2 writes it (a Fn::Join around tokens). */
const nodePools = (...pools: Array<Record<string, unknown>>) => {
  const text = JSON.stringify([
    { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'x' }, spec: { role: 'ROLE' } },
    ...pools,
  ]);
  const [before, after] = text.split('ROLE');
  return {
    Type: 'Custom::AWSCDK-EKS-KubernetesResource',
    Properties: { Manifest: { 'Fn::Join': ['', [before, { 'Fn::GetAtt': ['Role', 'Arn'] }, after]] } },
  };
};

const pool = (name: string, requirements: Array<Record<string, unknown>>, limits: Record<string, unknown>) => ({
  apiVersion: 'karpenter.sh/v1',
  kind: 'NodePool',
  metadata: { name },
  spec: { limits, template: { spec: { requirements } } },
});

const stack = (resources: Record<string, unknown>): StackInput => ({
  id: 'Compute',
  name: 'MlPlatform-test-Compute',
  template: { Resources: resources as never },
  dependencies: [],
});

describe('cost of Karpenter NodePools', () => {
  test('nothing at idle; at maximum, the nodes that fit the first limit reached, priced on-demand', () => {
    // GIVEN a p5 pool limited to 768 CPU, 8 TiB and 32 GPUs (4 nodes of 192 vCPU / 2 TiB / 8 GPUs),
    // which may use reserved or on-demand capacity
    const s = stack({
      Pools: nodePools(
        pool(
          'gpu-training',
          [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['reserved', 'on-demand'] },
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['p5.48xlarge'] },
          ],
          { cpu: 768, memory: '8192Gi', 'nvidia.com/gpu': 32 },
        ),
      ),
    });
    // WHEN
    const cost = estimateCost([s], 'us-east-1');
    // THEN 4 x 55.04 x 730 at maximum, 0 at idle, one line naming the pool
    expect(cost.idleMonthlyUsd).toBe(0);
    expect(cost.maxMonthlyUsd).toBeCloseTo(4 * 55.04 * 730, 1);
    expect(cost.lines.map((l) => l.item)).toEqual(['Karpenter pool gpu-training at its limits (4 x p5.48xlarge)']);
  });

  test('a family pool takes its costliest fill among priced sizes; spot-only pools at the Spot share', () => {
    // GIVEN a spot-only g6 pool capped at 4 GPUs, 64 CPU and 256 GiB: g6.4xlarge (16 vCPU, 64 GiB, 1 GPU) fits 4
    const s = stack({
      Pools: nodePools(
        pool(
          'gpu',
          [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
            { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g6'] },
          ],
          { cpu: 64, memory: '256Gi', 'nvidia.com/gpu': 4 },
        ),
      ),
    });
    // WHEN
    const cost = estimateCost([s], 'us-east-1');
    // THEN 4 x g6.4xlarge (more than 4 x g6.2xlarge) x the Spot share
    expect(cost.lines[0]?.item).toBe('Karpenter pool gpu at its limits (4 x g6.4xlarge, spot)');
    expect(cost.maxMonthlyUsd).toBeCloseTo(4 * 1.3232 * 0.4 * 730, 1);
  });

  test('a pool none of whose types has a price is named, not counted as free', () => {
    const s = stack({
      Pools: nodePools(
        pool('odd', [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['x9'] }], { cpu: 64, memory: '256Gi' }),
      ),
    });
    expect(estimateCost([s], 'us-east-1').unpriced).toEqual(['ec2: any type of Karpenter pool odd (x9.*)']);
  });
});

describe('compliance summary', () => {
  test('counts acknowledgements per pack and rule (finding-level ids under their rule), with the most given reason', () => {
    // GIVEN acknowledgements as constructs record them, and one finding left
    const summary = summarize(
      [
        { id: 'Annotation::AwsSolutions-IAM5[Resource::*]', reason: 'scoped by tag' },
        { id: 'Annotation::AwsSolutions-IAM5[Action::ec2:*]', reason: 'scoped by tag' },
        { id: 'AwsSolutions-IAM4', reason: 'managed worker policy' },
        { id: 'Annotation::PCI.DSS.321-S3BucketReplicationEnabled', reason: 'single region' },
        { id: 'CloudFormation-Validate::F3002', reason: 'not a cdk-nag pack' },
      ],
      [{ rule: 'NIST.800.53.R5-LambdaDLQ' }],
    );
    // THEN
    expect(summary).toEqual([
      {
        pack: 'AwsSolutions',
        findings: 0,
        findingRules: [],
        acknowledgements: 3,
        rules: [
          { rule: 'AwsSolutions-IAM5', count: 2, reason: 'scoped by tag' },
          { rule: 'AwsSolutions-IAM4', count: 1, reason: 'managed worker policy' },
        ],
      },
      {
        pack: 'PCI DSS 3.2.1',
        findings: 0,
        findingRules: [],
        acknowledgements: 1,
        rules: [{ rule: 'PCI.DSS.321-S3BucketReplicationEnabled', count: 1, reason: 'single region' }],
      },
      { pack: 'NIST 800-53 r5', findings: 1, findingRules: ['NIST.800.53.R5-LambdaDLQ'], acknowledgements: 0, rules: [] },
    ]);
  });
});
