import { criticalPath, estimateCost, type StackInput, stackCreateMinutes, stackLimits } from '../../scripts/report/analyze';
import { budgetViolations, type EnvironmentFigures } from '../../scripts/report/budgets';

const stack = (id: string, resources: Record<string, unknown>, dependencies: string[] = []): StackInput => ({
  id,
  name: `MlPlatform-test-${id}`,
  template: { Resources: resources as never },
  dependencies,
});

const figures = (stacks: StackInput[], region = 'eu-west-1'): EnvironmentFigures => ({
  limits: stacks.map(stackLimits),
  cost: estimateCost(stacks, region),
  criticalPath: criticalPath(stacks),
});

describe('stack creation time', () => {
  test('is the longest chain of references, not the sum of resources', () => {
    // GIVEN a key, a cluster that references it, and an unrelated cache created in parallel
    const s = stack('Data', {
      Key: { Type: 'AWS::KMS::Key' },
      Cluster: { Type: 'AWS::MSK::Cluster', Properties: { EncryptionInfo: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } } },
      Cache: { Type: 'AWS::ElastiCache::ReplicationGroup', DependsOn: 'Key' },
    });
    // WHEN
    const d = stackCreateMinutes(s.template);
    // THEN key (0.5) then cluster (35); the cache (15) runs beside the cluster
    expect(d.minutes).toBe(35.5);
    expect(d.chain).toEqual(['Key', 'Cluster']);
    expect(d.slowest).toMatchObject({ logicalId: 'Cluster', minutes: 35 });
  });

  test('the critical path follows stack dependencies', () => {
    // GIVEN Network -> Streaming (MSK) and Network -> Compute (EKS), independent of each other
    const stacks = [
      stack('Network', { Nat: { Type: 'AWS::EC2::NatGateway' } }),
      stack('Streaming', { Cluster: { Type: 'AWS::MSK::Cluster' } }, ['Network']),
      stack('Compute', { Cluster: { Type: 'AWS::EKS::Cluster' } }, ['Network']),
    ];
    // WHEN
    const path = criticalPath(stacks);
    // THEN the path is the slowest branch only: 2 + 35
    expect(path.minutes).toBe(37);
    expect(path.stacks).toEqual(['MlPlatform-test-Network', 'MlPlatform-test-Streaming']);
    expect(path.slowestResource).toMatchObject({ type: 'AWS::MSK::Cluster', minutes: 35 });
  });
});

describe('cost', () => {
  test('prices node groups at their minimum (idle) and maximum, spot at a share', () => {
    // GIVEN an on-demand CPU group (2..4) and a spot GPU group (0..2)
    const s = stack('Compute', {
      Cpu: { Type: 'AWS::EKS::Nodegroup', Properties: { InstanceTypes: ['m7i.xlarge'], ScalingConfig: { MinSize: 2, MaxSize: 4 } } },
      Gpu: {
        Type: 'AWS::EKS::Nodegroup',
        Properties: { InstanceTypes: ['g6.2xlarge'], CapacityType: 'SPOT', ScalingConfig: { MinSize: 0, MaxSize: 2 } },
      },
    });
    // WHEN
    const cost = estimateCost([s], 'us-east-1');
    // THEN 2 x 0.2016 x 730 idle; the GPU group adds only at maximum (2 x 0.9776 x 0.4 x 730)
    expect(cost.idleMonthlyUsd).toBeCloseTo(2 * 0.2016 * 730, 1);
    expect(cost.maxMonthlyUsd).toBeCloseTo(4 * 0.2016 * 730 + 2 * 0.9776 * 0.4 * 730, 1);
    expect(cost.unpriced).toEqual([]);
  });

  test('names what it cannot price instead of silently counting it', () => {
    // GIVEN an instance type missing from the price table
    const s = stack('Compute', {
      G: { Type: 'AWS::EKS::Nodegroup', Properties: { InstanceTypes: ['x9.huge'], ScalingConfig: { MinSize: 1, MaxSize: 1 } } },
    });
    // THEN
    expect(estimateCost([s], 'eu-west-1').unpriced).toEqual(['ec2:x9.huge']);
  });

  test('the serverless MLflow app costs nothing; a tracking server costs its hours', () => {
    // GIVEN the app (dev) and a Small tracking server (staging, prod)
    const app = stack('Serving', { Mlflow: { Type: 'AWS::SageMaker::MlflowApp', Properties: { Name: 'dev-mlflow' } } });
    const server = stack('Serving', {
      Mlflow: { Type: 'AWS::SageMaker::MlflowTrackingServer', Properties: { TrackingServerSize: 'Small' } },
    });
    // WHEN / THEN
    const appCost = estimateCost([app], 'eu-west-1');
    expect(appCost.idleMonthlyUsd).toBe(0);
    expect(appCost.unpriced).toEqual([]);
    expect(estimateCost([server], 'eu-west-1').idleMonthlyUsd).toBeCloseTo(0.67 * 730, 1);
  });

  test('an endpoint spec in SSM is priced as the endpoint its first rollout creates (initial .. max instances)', () => {
    // GIVEN a model stack's spec parameter (role ARN and subnets are intrinsics)
    const value = {
      'Fn::Join': [
        '',
        [
          '{"version":1,"executionRoleArn":"',
          { 'Fn::GetAtt': ['Role', 'Arn'] },
          '","instances":{"instanceType":"ml.c5.2xlarge","initialInstanceCount":3},"autoScaling":{"minInstances":3,"maxInstances":12}}',
        ],
      ],
    };
    const s = stack('Model-credit-risk', {
      Spec: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/mlp/prod/endpoints/credit-risk/spec', Value: value } },
      Other: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: '/something/else', Value: '{"instances":{"instanceType":"ml.c5.2xlarge"}}' },
      },
    });
    // WHEN
    const cost = estimateCost([s], 'eu-west-1');
    // THEN 3 instances idle, 12 at maximum; other parameters are not endpoints
    expect(cost.idleMonthlyUsd).toBeCloseTo(3 * 0.459 * 730, 1);
    expect(cost.maxMonthlyUsd).toBeCloseTo(12 * 0.459 * 730, 1);
  });
});

describe('budgets', () => {
  test('a stack past 60% of the resource limit breaks the budget', () => {
    // GIVEN a stack of 301 resources (60.2% of 500)
    const many = Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`Param${i}`, { Type: 'AWS::SSM::Parameter' }]));
    // WHEN
    const violations = budgetViolations({ staging: figures([stack('Serving', many)]) });
    // THEN
    expect(violations).toEqual([
      expect.stringMatching(/^staging: stack MlPlatform-test-Serving uses 60.2% of the resources limit \(301\)/),
    ]);
  });

  test("dev's idle cost above $500 breaks the budget, other environments' does not", () => {
    // GIVEN an always-on MLflow server (about $489) and a NAT gateway (about $35)
    const s = stack('Serving', {
      Mlflow: { Type: 'AWS::SageMaker::MlflowTrackingServer', Properties: { TrackingServerSize: 'Small' } },
      Nat: { Type: 'AWS::EC2::NatGateway' },
    });
    // WHEN / THEN
    expect(budgetViolations({ dev: figures([s]) })).toEqual([
      expect.stringMatching(/^dev: idle estimate \$524\.\d\d a month exceeds the \$500 budget/),
    ]);
    expect(budgetViolations({ staging: figures([s]) })).toEqual([]);
  });

  test("prod's critical path beyond 1.3x its slowest resource breaks the budget", () => {
    // GIVEN EKS waiting for MSK: 35 + 12 minutes, 1.34x the 35-minute cluster
    const serial = [
      stack('Streaming', { Msk: { Type: 'AWS::MSK::Cluster' } }),
      stack('Compute', { Eks: { Type: 'AWS::EKS::Cluster' } }, ['Streaming']),
    ];
    const parallel = [stack('Streaming', { Msk: { Type: 'AWS::MSK::Cluster' } }), stack('Compute', { Eks: { Type: 'AWS::EKS::Cluster' } })];
    // WHEN / THEN the serial layout breaks it, the parallel layout holds
    expect(budgetViolations({ prod: figures(serial) })).toEqual([
      expect.stringMatching(/^prod: cold-deploy critical path 47 min .* is 1\.34× the slowest resource/),
    ]);
    expect(budgetViolations({ prod: figures(parallel) })).toEqual([]);
  });
});
