import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('committed lifecycle configuration', () => {
  test('every environment trains every served model; credit-risk is tier 1; dev has no Airflow, staging and prod do', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const l = ENVIRONMENTS[env].lifecycle;
      expect(l.models.map((m) => m.model)).toEqual(ENVIRONMENTS[env].serving.models.map((m) => m.name));
      expect(l.models.find((m) => m.model === 'credit-risk')?.tier).toBe(1);
      expect(l.airflow.enabled).toBe(env !== 'dev');
    }
    expect(ENVIRONMENTS.dev.lifecycle.promotion.next).toBe('staging');
    expect(ENVIRONMENTS.staging.lifecycle.promotion).toEqual({ next: 'prod', importAs: 'Approved' });
    expect(ENVIRONMENTS.prod.lifecycle.promotion).toEqual({ importAs: 'PendingManualApproval' });
    expect(validate(ENVIRONMENTS)).toEqual([]);
  });

  test('fraud trains on SageMaker in dev and as a TrainJob of the fraud team in staging (2 × 2 GPUs) and prod (2 × 8 GPUs, EFA)', () => {
    const fraud = (env: Env) => ENVIRONMENTS[env].lifecycle.models.find((m) => m.model === 'fraud')!.trainer;
    expect(fraud('dev').kind).toBe('sagemaker');
    expect(fraud('staging')).toMatchObject({ kind: 'eksTrainJob', team: 'fraud', numNodes: 2, gpusPerNode: 2, efa: false });
    expect(fraud('prod')).toMatchObject({ kind: 'eksTrainJob', team: 'fraud', numNodes: 2, gpusPerNode: 8, efa: true });
  });
});

describe('lifecycle rules', () => {
  const m0 = (c: any) => c.lifecycle.models[0];
  const m1 = (c: any) => c.lifecycle.models[1];
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    ['missing section', 'dev', (c) => delete c.lifecycle, 'dev.lifecycle: undefined is not allowed; the section is required'],
    [
      'unknown model',
      'prod',
      (c) => (m0(c).model = 'churn'),
      "prod.lifecycle.models[0].model: 'churn' is not allowed; expected a serving.models name (credit-risk, fraud)",
    ],
    [
      'model declared twice',
      'prod',
      (c) => (c.lifecycle.models[1].model = 'credit-risk'),
      "prod.lifecycle.models[1].model: 'credit-risk' is declared twice; one training declaration per model",
    ],
    [
      'unknown feature view',
      'staging',
      (c) => (m0(c).trainingSetView = 'loans'),
      "staging.lifecycle.models[0].trainingSetView: 'loans' is not allowed; expected a features.views name (applicant_txn_aggregates)",
    ],
    [
      'AUC threshold out of range',
      'prod',
      (c) => (m0(c).thresholds.minAuc = 0.3),
      'prod.lifecycle.models[0].thresholds.minAuc: 0.3 is not allowed; expected a number from 0.5 to 1',
    ],
    [
      'KS threshold out of range',
      'prod',
      (c) => (m0(c).thresholds.minKs = 1.5),
      'prod.lifecycle.models[0].thresholds.minKs: 1.5 is not allowed; expected a number from 0 to 1',
    ],
    [
      'adverse impact threshold out of range',
      'prod',
      (c) => (m0(c).bias.minAdverseImpactRatio = 0.4),
      'prod.lifecycle.models[0].bias.minAdverseImpactRatio: 0.4 is not allowed; expected a number from 0.5 to 1',
    ],
    [
      'no disadvantaged value',
      'prod',
      (c) => (m0(c).bias.disadvantagedValues = []),
      'prod.lifecycle.models[0].bias.disadvantagedValues: [] is not allowed; expected at least one value',
    ],
    [
      'bias attribute not a column',
      'prod',
      (c) => (m0(c).bias.attribute = 'age band'),
      "prod.lifecycle.models[0].bias.attribute: 'age band' is not allowed; expected a column name of letters, digits and underscores, starting with a letter or underscore",
    ],
    ['tier', 'prod', (c) => (m0(c).tier = 4), 'prod.lifecycle.models[0].tier: 4 is not allowed; expected 1, 2 or 3'],
    [
      'instance type',
      'dev',
      (c) => (m0(c).trainer.instanceType = 'm5.xlarge'),
      "dev.lifecycle.models[0].trainer.instanceType: 'm5.xlarge' is not allowed; expected a SageMaker instance type 'ml.<family>.<size>'",
    ],
    [
      'image of another account',
      'prod',
      (c) => (m0(c).trainer.imageUri = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/dev/credit-risk-train:1.0.0'),
      "prod.lifecycle.models[0].trainer.imageUri: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/dev/credit-risk-train:1.0.0' is not allowed; expected an ECR image of this environment's account and region, tagged (333333333333.dkr.ecr.eu-west-1.amazonaws.com/<repo>:<tag>)",
    ],
    [
      'EKS trainer of an unknown team',
      'prod',
      (c) => (m1(c).trainer.team = 'payments'),
      "prod.lifecycle.models[1].trainer.team: 'payments' is not allowed; expected a cluster.teams name (credit-risk, fraud)",
    ],
    [
      "EKS trainer beyond the team's Kueue GPUs (staging: 4 own + 2 borrowable on gpu-training)",
      'staging',
      (c) => (m1(c).trainer.gpusPerNode = 4),
      "staging.lifecycle.models[1].trainer.gpusPerNode: 4 is not allowed; 2 nodes × 4 GPUs fit no GPU training pool of team 'fraud' (per pool: GPUs per node, own + borrowable GPUs, pool limit: gpu-training 8, 6, 16)",
    ],
    [
      'EKS trainer beyond the GPUs of one node',
      'prod',
      (c) => Object.assign(m1(c).trainer, { numNodes: 1, gpusPerNode: 8, efa: false }, { gpusPerNode: 9 }),
      'prod.lifecycle.models[1].trainer.gpusPerNode: 9 is not allowed; expected a whole number from 1 to 8',
    ],
    [
      'EKS trainer beyond the namespace memory quota',
      'staging',
      (c) => (m1(c).trainer.nodeSize = { cpu: 16, memoryGiB: 160 }),
      "staging.lifecycle.models[1].trainer.nodeSize.memoryGiB: 160 is not allowed; 2 nodes × 160 GiB exceed team 'fraud''s quota of 256 GiB",
    ],
    [
      'EKS trainer on EFA where the environment has none',
      'staging',
      (c) => (m1(c).trainer.efa = true),
      'staging.lifecycle.models[1].trainer.efa: true is not allowed; the environment has no cluster.efaTraining (the EFA runtime)',
    ],
    [
      'EKS trainer image of another registry',
      'prod',
      (c) => (m1(c).trainer.imageUri = 'docker.io/pytorch/pytorch:2.8.0'),
      "prod.lifecycle.models[1].trainer.imageUri: 'docker.io/pytorch/pytorch:2.8.0' is not allowed; expected an ECR image of this environment's account and region, tagged and optionally pinned by digest (333333333333.dkr.ecr.eu-west-1.amazonaws.com/<repo>:<tag>[@sha256:<digest>])",
    ],
    [
      'retrain interval',
      'prod',
      (c) => (m0(c).retrainMinIntervalHours = 0),
      'prod.lifecycle.models[0].retrainMinIntervalHours: 0 is not allowed; expected a whole number from 1 to 720',
    ],
    [
      'approver of another account',
      'prod',
      (c) => (c.lifecycle.approverPrincipalArn = 'arn:aws:iam::111111111111:role/reviewers'),
      "prod.lifecycle.approverPrincipalArn: 'arn:aws:iam::111111111111:role/reviewers' is not allowed; expected an IAM role ARN of this environment's account (333333333333): the model-risk reviewers",
    ],
    [
      'promotion skips an environment',
      'dev',
      (c) => (c.lifecycle.promotion.next = 'prod'),
      "dev.lifecycle.promotion.next: 'prod' is not allowed; versions are promoted to the environment after dev (staging)",
    ],
    [
      'prod imports without a second approval',
      'prod',
      (c) => (c.lifecycle.promotion.importAs = 'Approved'),
      "prod.lifecycle.promotion.importAs: 'Approved' is not allowed in prod; prod needs its own (second) human approval: PendingManualApproval",
    ],
    [
      'Airflow off outside dev',
      'staging',
      (c) => (c.lifecycle.airflow = { enabled: false }),
      'staging.lifecycle.airflow.enabled: false is not allowed in staging; only dev may turn Airflow off',
    ],
    [
      'Airflow class',
      'prod',
      (c) => (c.lifecycle.airflow.environmentClass = 'mw2.small'),
      "prod.lifecycle.airflow.environmentClass: 'mw2.small' is not allowed; expected one of mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge, mw1.2xlarge",
    ],
    [
      'Airflow micro with more than one worker',
      'prod',
      (c) => (c.lifecycle.airflow = { enabled: true, environmentClass: 'mw1.micro', maxWorkers: 2 }),
      "prod.lifecycle.airflow.maxWorkers: 2 is not allowed; expected 1 for environmentClass 'mw1.micro' (one worker)",
    ],
  ];

  test.each(cases)('%s', (_name, env, change, expected) => {
    expect(problemsOf(env, change)).toContain(expected);
  });

  test('a region without a known Clarify image', () => {
    expect(problemsOf('dev', (c) => (c.region = 'ap-south-2'))).toContain(
      "dev.region: 'ap-south-2' has no known SageMaker Clarify image (the bias gate); known: eu-west-1, eu-central-1, us-east-1, us-west-2",
    );
  });
});
