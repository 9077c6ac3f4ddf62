import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FeatureView } from '../definition';
import { schemaPath } from '../events';
import { featureSql } from './sql';

/** Spark job files shipped with every bundle (jobs/features/spark/). */
export const SPARK_JOB_DIR = path.resolve(__dirname, '..', 'spark');
export const SPARK_FILES = ['backfill.py', 'training_set.py', 'feature_job.py', 'feature_events.py'] as const;

/**
 * Writes what the EMR Serverless jobs of a view need into `dir` (an asset directory at synth time):
 * `<view>.sql` (the generated batch SQL), `<view>.view.json` (the definition), the topic's
 * `<topic>.schema.json`, and the PySpark files. Returns the written file names.
 */
export function writeJobBundle(view: FeatureView, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [`${view.name}.sql`, `${view.name}.view.json`];
  writeFileSync(path.join(dir, files[0]), featureSql(view));
  writeFileSync(path.join(dir, files[1]), JSON.stringify(view, null, 2) + '\n');
  if (view.source.kind === 'stream') {
    const schema = path.basename(schemaPath(view));
    copyFileSync(schemaPath(view), path.join(dir, schema));
    files.push(schema);
  }
  for (const f of SPARK_FILES) copyFileSync(path.join(SPARK_JOB_DIR, f), path.join(dir, f));
  return [...files, ...SPARK_FILES];
}
