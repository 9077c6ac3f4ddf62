import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'jobs', 'lifecycle', 'evaluate.py');

/** A processing-job file layout, and a `model_scoring` stand-in: a model is the name of the score column. */
function workspace(holdout: string, champion?: string) {
  const base = mkdtempSync(join(tmpdir(), 'l13-evaluate-'));
  const dir = (p: string) => {
    mkdirSync(join(base, p), { recursive: true });
    return join(base, p);
  };
  writeFileSync(join(dir('input/holdout/part'), 'data.csv'), holdout);
  // The candidate arrives as SageMaker writes it: model.tar.gz.
  const staging = dir('staging');
  writeFileSync(join(staging, 'column'), 'x');
  execFileSync('tar', ['czf', join(dir('input/candidate'), 'model.tar.gz'), '-C', staging, 'column']);
  if (champion) writeFileSync(join(dir('input/champion'), 'column'), champion);
  writeFileSync(
    join(dir('lib'), 'model_scoring.py'),
    'import os\ndef score(model_dir, rows):\n    col = open(os.path.join(model_dir, "column")).read().strip()\n    return [float(r[col]) for r in rows]\n',
  );
  return base;
}

function evaluate(base: string, env: Record<string, string> = {}) {
  return spawnSync('python3', [SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      PYTHONPATH: join(base, 'lib'),
      PROCESSING_BASE: base,
      MODEL_NAME: 'credit-risk',
      LABEL_COLUMN: 'defaulted',
      ATTRIBUTE_COLUMN: 'age_band',
      DECISION_THRESHOLD: '0.5',
      ...env,
    },
  });
}

const HOLDOUT = 'age_band,defaulted,x,y\n18-25,1,0.9,0.95\n26-40,1,0.4,0.8\n18-25,0,0.6,0.2\n26-40,0,0.1,0.1\n';

describe('jobs/lifecycle/evaluate.py', () => {
  let base = '';
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  test('computes holdout AUC and KS, and writes the bias dataset with predicted labels', () => {
    // GIVEN scores whose AUC is 3/4 (one discordant pair of four) and KS is 1/2
    base = workspace(HOLDOUT);
    // WHEN
    const run = evaluate(base);
    // THEN
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const metrics = JSON.parse(readFileSync(join(base, 'output/evaluation/evaluation.json'), 'utf8'));
    expect(metrics).toEqual({
      auc: 0.75,
      ks: 0.5,
      rows: 4,
      summary: 'holdout AUC 0.75, KS 0.5, no production version to compare',
      mlflowRunId: '',
    });
    expect(readFileSync(join(base, 'output/evaluation/predictions.csv'), 'utf8').split(/\r?\n/)).toEqual([
      'age_band,defaulted,predicted_label',
      '18-25,1,1',
      '26-40,1,0',
      '18-25,0,1',
      '26-40,0,0',
      '',
    ]);
  });

  test('compares with the production model when there is one', () => {
    // GIVEN a champion that ranks perfectly (AUC 1)
    base = workspace(HOLDOUT, 'y');
    // WHEN
    const run = evaluate(base, { CHAMPION_PRESENT: 'true', CHAMPION_MODEL_PACKAGE_ARN: 'arn:p/6' });
    // THEN
    expect(run.status).toBe(0);
    const metrics = JSON.parse(readFileSync(join(base, 'output/evaluation/evaluation.json'), 'utf8'));
    expect(metrics).toMatchObject({ auc: 0.75, productionAuc: 1, aucDeltaVsProduction: -0.25, productionModelPackageArn: 'arn:p/6' });
  });

  test('a bad label value stops the job with one clear line', () => {
    base = workspace('age_band,defaulted,x\n18-25,2,0.9\n');
    const run = evaluate(base);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe("evaluate: holdout row 1: defaulted must be 0 or 1, got '2'\n");
  });

  test('a holdout with one class stops the job', () => {
    base = workspace('age_band,defaulted,x\n18-25,1,0.9\n26-40,1,0.2\n');
    const run = evaluate(base);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('evaluate: holdout needs both classes, got 2 positive and 0 negative rows\n');
  });
});
