import { COLUMN, COLUMN_ALLOWED, MODEL_NAME, MODEL_NAME_ALLOWED } from './private/checks';
import type { AirflowEnvironmentClass } from './team-airflow';

/**
 * Problems of the lifecycle constructs' props, for config rules: one line each,
 * `<field>: <value> is not allowed; <what is allowed>` (the field relative to the construct's
 * props; a rule prefixes its config path). The constructs throw on the same conditions.
 */

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
const range = (p: string[], field: string, value: number, min: number, max: number, integer = false) => {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) p.push(`${field}: ${show(value)} is not allowed; expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
};
const ML_INSTANCE = /^ml\.[a-z0-9-]+\.[a-z0-9]+$/;

/** The parts of a TrainingPipeline's props a configuration decides. */
export interface TrainingPipelineChoices {
  readonly modelName: string;
  readonly tier: number;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly volumeSizeGb: number;
  readonly hyperparameters: Readonly<Record<string, string>>;
  readonly minAuc: number;
  readonly minKs: number;
  readonly maxAucDropVsProduction: number;
  readonly labelColumn: string;
  readonly biasAttribute: string;
  readonly disadvantagedValues: readonly unknown[];
  readonly minAdverseImpactRatio: number;
}

/** Every problem of a training pipeline's choices (empty when TrainingPipeline accepts them). */
export function trainingPipelineProblems(c: TrainingPipelineChoices): string[] {
  const p: string[] = [];
  if (!MODEL_NAME.test(c.modelName)) p.push(`modelName: ${show(c.modelName)} is not allowed; expected ${MODEL_NAME_ALLOWED}`);
  if (![1, 2, 3].includes(c.tier)) p.push(`tier: ${show(c.tier)} is not allowed; expected 1, 2 or 3`);
  if (!ML_INSTANCE.test(c.instanceType))
    p.push(`instanceType: ${show(c.instanceType)} is not allowed; expected a SageMaker instance type 'ml.<family>.<size>'`);
  range(p, 'instanceCount', c.instanceCount, 1, 100, true);
  range(p, 'volumeSizeGb', c.volumeSizeGb, 1, 16384, true);
  const hp = JSON.stringify(c.hyperparameters);
  if (hp.length > 256)
    p.push(`hyperparameters: ${hp.length} characters of JSON is not allowed; expected at most 256 (a model package metadata value)`);
  range(p, 'minAuc', c.minAuc, 0.5, 1);
  range(p, 'minKs', c.minKs, 0, 1);
  range(p, 'maxAucDropVsProduction', c.maxAucDropVsProduction, 0, 0.5);
  if (!COLUMN.test(c.labelColumn)) p.push(`labelColumn: ${show(c.labelColumn)} is not allowed; expected ${COLUMN_ALLOWED}`);
  if (!COLUMN.test(c.biasAttribute)) p.push(`bias.attribute: ${show(c.biasAttribute)} is not allowed; expected ${COLUMN_ALLOWED}`);
  if (c.disadvantagedValues.length === 0) p.push('bias.disadvantagedValues: [] is not allowed; expected at least one value');
  range(p, 'bias.minAdverseImpactRatio', c.minAdverseImpactRatio, 0.5, 1);
  return p;
}

/** Shortest and longest minimum interval between two drift retrainings of one model (hours). */
export const RETRAINING_INTERVAL_HOURS = { min: 1, max: 720 } as const;

/** Problems of a retraining trigger's minimum interval (hours). */
export function retrainingIntervalProblems(hours: number): string[] {
  const p: string[] = [];
  range(p, 'minIntervalHours', hours, RETRAINING_INTERVAL_HOURS.min, RETRAINING_INTERVAL_HOURS.max, true);
  return p;
}

export const AIRFLOW_CLASSES: readonly AirflowEnvironmentClass[] = [
  'mw1.micro',
  'mw1.small',
  'mw1.medium',
  'mw1.large',
  'mw1.xlarge',
  'mw1.2xlarge',
];

/** Problems of an MWAA environment's size. */
export function teamAirflowProblems(environmentClass: string, maxWorkers: number): string[] {
  const p: string[] = [];
  if (!(AIRFLOW_CLASSES as readonly string[]).includes(environmentClass)) {
    p.push(`environmentClass: ${show(environmentClass)} is not allowed; expected one of ${AIRFLOW_CLASSES.join(', ')}`);
  }
  range(p, 'maxWorkers', maxWorkers, 1, 25, true);
  if (environmentClass === 'mw1.micro' && maxWorkers !== 1)
    p.push(`maxWorkers: ${show(maxWorkers)} is not allowed; expected 1 for environmentClass 'mw1.micro' (one worker)`);
  return p;
}
