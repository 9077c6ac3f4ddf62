import { retrainingIntervalProblems, teamAirflowProblems, trainingPipelineProblems } from '../../constructs/lifecycle/problems';
import { trainingPools } from '../compute/charts';
import type { Problems } from '../config/problems';
import { ENVIRONMENT_NAMES, type EnvironmentConfig } from '../config/types';
import { CLARIFY_IMAGE_ACCOUNTS, type EksTrainerConfig } from './config';

const ORDER = ENVIRONMENT_NAMES;

/** Rules of the `lifecycle` section: training declarations, approval, promotion, Airflow. */
export function checkLifecycle(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('lifecycle', c.lifecycle)) return;
  const l = c.lifecycle;
  // What other sections declare; a missing section is its own problem line, not one per reference.
  const served = c.serving ? new Set(c.serving.models.map((m) => m.name)) : undefined;
  const views = c.features ? new Set(c.features.views.map((v) => v.name)) : undefined;
  // Account-bound values are checked only against a valid account (its own rule reports a bad one).
  const account = /^\d{12}$/.test(c.account) ? c.account : undefined;

  p.check(
    CLARIFY_IMAGE_ACCOUNTS[c.region] !== undefined,
    'region',
    c.region,
    `has no known SageMaker Clarify image (the bias gate); known: ${Object.keys(CLARIFY_IMAGE_ACCOUNTS).join(', ')}`,
  );
  const seen = new Set<string>();
  l.models.forEach((m, i) => {
    const f = `lifecycle.models[${i}]`;
    if (served)
      p.check(served.has(m.model), `${f}.model`, m.model, `is not allowed; expected a serving.models name (${[...served].join(', ')})`);
    p.check(!seen.has(m.model), `${f}.model`, m.model, 'is declared twice; one training declaration per model');
    seen.add(m.model);
    if (views)
      p.check(
        views.has(m.trainingSetView),
        `${f}.trainingSetView`,
        m.trainingSetView,
        `is not allowed; expected a features.views name (${[...views].join(', ')})`,
      );
    const t = m.trainer;
    if (t.kind === 'sagemaker') {
      for (const line of trainingPipelineProblems({
        modelName: m.model,
        tier: m.tier,
        instanceType: t.instanceType,
        instanceCount: t.instanceCount,
        volumeSizeGb: t.volumeSizeGb,
        hyperparameters: t.hyperparameters,
        minAuc: m.thresholds.minAuc,
        minKs: m.thresholds.minKs,
        maxAucDropVsProduction: m.thresholds.maxAucDropVsProduction,
        labelColumn: m.labelColumn,
        biasAttribute: m.bias.attribute,
        disadvantagedValues: m.bias.disadvantagedValues,
        minAdverseImpactRatio: m.bias.minAdverseImpactRatio,
      })) {
        p.addLine(`${f}.${pathOf(line)}`);
      }
      p.integer(`${f}.trainer.maxRuntimeHours`, t.maxRuntimeHours, 1, 72);
      if (account)
        p.matches(
          `${f}.trainer.imageUri`,
          t.imageUri,
          new RegExp(`^${c.account}\\.dkr\\.ecr\\.${c.region.replace(/-/g, '\\-')}\\.amazonaws\\.com/[a-z0-9._/-]+:[A-Za-z0-9._-]+$`),
          `an ECR image of this environment's account and region, tagged (${c.account}.dkr.ecr.${c.region}.amazonaws.com/<repo>:<tag>)`,
        );
    } else if (t.kind === 'eksTrainJob') {
      checkEksTrainer(c, t, `${f}.trainer`, p);
      p.check(
        JSON.stringify(t.hyperparameters).length <= 256,
        `${f}.trainer.hyperparameters`,
        t.hyperparameters,
        'is not allowed; their JSON must fit 256 characters (a model package metadata value)',
      );
    } else {
      p.oneOf(`${f}.trainer.kind`, (t as { kind: string }).kind, ['sagemaker', 'eksTrainJob']);
    }
    for (const line of retrainingIntervalProblems(m.retrainMinIntervalHours))
      p.addLine(`${f}.retrainMinIntervalHours${line.slice(line.indexOf(':'))}`);
  });

  if (account)
    p.matches(
      'lifecycle.approverPrincipalArn',
      l.approverPrincipalArn,
      new RegExp(`^arn:aws[a-z-]*:iam::${c.account}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`),
      `an IAM role ARN of this environment's account (${c.account}): the model-risk reviewers`,
    );

  const next = l.promotion.next;
  if (next !== undefined) {
    p.check(
      ORDER.indexOf(next) === ORDER.indexOf(c.name) + 1,
      'lifecycle.promotion.next',
      next,
      `is not allowed; versions are promoted to the environment after ${c.name} (${ORDER[ORDER.indexOf(c.name) + 1] ?? 'none'})`,
    );
  }
  p.oneOf('lifecycle.promotion.importAs', l.promotion.importAs, ['Approved', 'PendingManualApproval'] as const);
  p.check(
    !(c.name === 'prod' && l.promotion.importAs === 'Approved'),
    'lifecycle.promotion.importAs',
    l.promotion.importAs,
    'is not allowed in prod; prod needs its own (second) human approval: PendingManualApproval',
  );

  const a = l.airflow;
  if (a.enabled) {
    for (const line of teamAirflowProblems(a.environmentClass, a.maxWorkers)) p.addLine(`lifecycle.airflow.${line}`);
  } else {
    p.check(c.name === 'dev', 'lifecycle.airflow.enabled', a.enabled, `is not allowed in ${c.name}; only dev may turn Airflow off`);
  }
}

/** `minAuc: 0.3 is …` → `thresholds.minAuc: 0.3 is …` (construct fields → config paths). */
function pathOf(line: string): string {
  const field = line.slice(0, line.indexOf(':'));
  const rest = line.slice(line.indexOf(':'));
  const map: Record<string, string> = {
    modelName: 'model',
    tier: 'tier',
    instanceType: 'trainer.instanceType',
    instanceCount: 'trainer.instanceCount',
    volumeSizeGb: 'trainer.volumeSizeGb',
    hyperparameters: 'trainer.hyperparameters',
    minAuc: 'thresholds.minAuc',
    minKs: 'thresholds.minKs',
    maxAucDropVsProduction: 'thresholds.maxAucDropVsProduction',
    labelColumn: 'labelColumn',
  };
  return `${map[field] ?? field}${rest}`;
}

/** GPUs of the largest instance of each GPU family (its `.metal`/`48xlarge` size); exact types where sizes differ. */
const GPUS_PER_INSTANCE: Readonly<Record<string, number>> = {
  g4dn: 8,
  g5: 8,
  g6: 8,
  g6e: 8,
  gr6: 1,
  g7e: 8,
  p4d: 8,
  p4de: 8,
  p5: 8,
  p5e: 8,
  p5en: 8,
  p6: 8,
  'p5.4xlarge': 1,
  'p5.48xlarge': 8,
  'p4d.24xlarge': 8,
  'p4de.24xlarge': 8,
  'p5e.48xlarge': 8,
  'p5en.48xlarge': 8,
};

/** Most GPUs one node of a pool can have (its exact types, else its families' largest sizes); 0 when unknown. */
function gpusPerNodeOf(pool: { readonly instanceTypes?: readonly string[]; readonly instanceFamilies?: readonly string[] }): number {
  const counts = [
    ...(pool.instanceTypes ?? []).map((x) => GPUS_PER_INSTANCE[x] ?? GPUS_PER_INSTANCE[x.split('.')[0]!] ?? 0),
    ...(pool.instanceFamilies ?? []).map((x) => GPUS_PER_INSTANCE[x] ?? 0),
  ];
  return Math.max(0, ...counts);
}

/**
 * The EKS trainer: the team exists; the job's GPUs fit one node of the team's GPU training pools,
 * Kueue's admission in one pool (the team's own and borrowable GPUs there), the pool's limit and the
 * namespace quota (also CPU and memory); EFA only where the environment has it; the image is the
 * environment's ECR, tagged.
 */
function checkEksTrainer(c: EnvironmentConfig, t: EksTrainerConfig, f: string, p: Problems): void {
  const nodesOk = p.integer(`${f}.numNodes`, t.numNodes, 1, 64);
  const gpusOk = p.integer(`${f}.gpusPerNode`, t.gpusPerNode, 1, 8);
  const cpuOk = p.number(`${f}.nodeSize.cpu`, t.nodeSize.cpu, 1, 192);
  const memOk = p.integer(`${f}.nodeSize.memoryGiB`, t.nodeSize.memoryGiB, 1, 2048);
  p.integer(`${f}.maxRuntimeHours`, t.maxRuntimeHours, 1, 10);
  p.oneOf(`${f}.efa`, t.efa, [true, false]);
  if (t.efa)
    p.check(
      c.cluster?.efaTraining !== undefined,
      `${f}.efa`,
      t.efa,
      'is not allowed; the environment has no cluster.efaTraining (the EFA runtime)',
    );
  if (/^\d{12}$/.test(c.account))
    p.matches(
      `${f}.imageUri`,
      t.imageUri,
      new RegExp(
        `^${c.account}\\.dkr\\.ecr\\.${c.region.replace(/-/g, '\\-')}\\.amazonaws\\.com/[a-z0-9._/-]+:[A-Za-z0-9._-]+(@sha256:[a-f0-9]{64})?$`,
      ),
      `an ECR image of this environment's account and region, tagged and optionally pinned by digest (${c.account}.dkr.ecr.${c.region}.amazonaws.com/<repo>:<tag>[@sha256:<digest>])`,
    );
  if (!c.cluster) return;
  const team = c.cluster.teams.find((x) => x.name === t.team);
  if (
    !p.check(
      team !== undefined,
      `${f}.team`,
      t.team,
      `is not allowed; expected a cluster.teams name (${c.cluster.teams.map((x) => x.name).join(', ')})`,
    )
  )
    return;
  if (!nodesOk || !gpusOk || !cpuOk || !memOk) return;
  const gpus = t.numNodes * t.gpusPerNode;
  const pools = c.cluster.karpenter ? trainingPools(c) : [];
  // Kueue admits the whole job into one flavor (pool): the team's own plus borrowable GPUs there.
  const fits = pools.filter(
    (pool) =>
      t.gpusPerNode <= gpusPerNodeOf(pool) &&
      gpus <= (team!.queue.gpus[pool.name] ?? 0) + (team!.queue.borrowGpus[pool.name] ?? 0) &&
      gpus <= (pool.limits.gpus ?? 0),
  );
  p.check(
    fits.length > 0,
    `${f}.gpusPerNode`,
    t.gpusPerNode,
    `is not allowed; ${t.numNodes} nodes × ${t.gpusPerNode} GPUs fit no GPU training pool of team '${t.team}' (per pool: GPUs per node, own + borrowable GPUs, pool limit: ${
      pools
        .map(
          (pool) =>
            `${pool.name} ${gpusPerNodeOf(pool)}, ${(team!.queue.gpus[pool.name] ?? 0) + (team!.queue.borrowGpus[pool.name] ?? 0)}, ${pool.limits.gpus ?? 0}`,
        )
        .join('; ') || 'none'
    })`,
  );
  const q = team!.quota;
  p.check(
    gpus <= q.gpus,
    `${f}.numNodes`,
    t.numNodes,
    `is not allowed; ${t.numNodes} × ${t.gpusPerNode} GPUs exceed team '${t.team}''s quota of ${q.gpus} GPUs`,
  );
  p.check(
    t.numNodes * t.nodeSize.cpu <= q.cpu,
    `${f}.nodeSize.cpu`,
    t.nodeSize.cpu,
    `is not allowed; ${t.numNodes} nodes × ${t.nodeSize.cpu} CPU exceed team '${t.team}''s quota of ${q.cpu} CPU`,
  );
  p.check(
    t.numNodes * t.nodeSize.memoryGiB <= q.memoryGiB,
    `${f}.nodeSize.memoryGiB`,
    t.nodeSize.memoryGiB,
    `is not allowed; ${t.numNodes} nodes × ${t.nodeSize.memoryGiB} GiB exceed team '${t.team}''s quota of ${q.memoryGiB} GiB`,
  );
}
