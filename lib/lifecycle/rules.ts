import { retrainingIntervalProblems, teamAirflowProblems, trainingPipelineProblems } from '../../constructs/lifecycle/problems';
import type { Problems } from '../config/problems';
import { ENVIRONMENT_NAMES, type EnvironmentConfig } from '../config/types';
import { CLARIFY_IMAGE_ACCOUNTS } from './config';

const ORDER = ENVIRONMENT_NAMES;

/** Rules of the `lifecycle` section: training declarations, approval, promotion, Airflow. */
export function checkLifecycle(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('lifecycle', c.lifecycle)) return;
  const l = c.lifecycle;
  // What other sections declare; a missing section is its own problem line, not one per reference.
  const served = c.serving ? new Set(c.serving.models.map((m) => m.name)) : undefined;
  const views = c.features ? new Set(c.features.views.map((v) => v.name)) : undefined;
  const teams = c.cluster ? new Set(c.cluster.teams.map((t) => t.name)) : undefined;
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
      if (teams)
        p.check(teams.has(t.team), `${f}.trainer.team`, t.team, `is not allowed; expected a cluster.teams name (${[...teams].join(', ')})`);
      p.add(
        `${f}.trainer.kind`,
        t.kind,
        "is not supported yet; expected 'sagemaker' (the TrainJob trainer behind the pipeline's Train state is docs/lifecycle.md's extension point)",
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
