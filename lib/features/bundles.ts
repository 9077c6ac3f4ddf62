import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { writeJobBundle } from '../../jobs/features/batch/bundle';
import type { FeatureView } from '../../jobs/features/definition';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Entry point of the streaming consumer on EKS (bundled into one file). */
export const STREAM_ENTRY = path.join(REPO_ROOT, 'jobs', 'features', 'stream', 'main.ts');
/** File name of the bundle (`.cjs`: Node runs it as CommonJS, as its dependencies are). */
export const STREAM_BUNDLE_FILE = 'feature-stream.cjs';

const jobBundles = new Map<string, string>();
let streamBundle: string | undefined;

/**
 * The EMR job bundle of a view, generated at synth by `writeJobBundle` (the same code as
 * `npm run features -- bundle`) into a fresh temporary directory, once per process. Nothing
 * generated is committed; the asset hashes are content hashes, so two synths give one template.
 */
export function jobBundleDir(view: FeatureView): string {
  const cached = jobBundles.get(view.name);
  if (cached) return cached;
  const dir = mkdtempSync(path.join(tmpdir(), `mlp-feature-jobs-${view.name}-`));
  writeJobBundle(view, dir);
  jobBundles.set(view.name, dir);
  return dir;
}

/**
 * The streaming consumer bundled with esbuild at synth (once per process): one self-contained
 * CommonJS file for Node 22, no minification, no source maps, paths relative to the repository (so the
 * same sources give the same bytes on every machine and the asset hash is stable).
 */
export function streamBundlePath(): string {
  if (streamBundle) return streamBundle;
  const dir = mkdtempSync(path.join(tmpdir(), 'mlp-feature-stream-'));
  const outfile = path.join(dir, STREAM_BUNDLE_FILE);
  buildSync({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.relative(REPO_ROOT, STREAM_ENTRY)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    legalComments: 'none',
    sourcemap: false,
    minify: false,
    logLevel: 'error',
  });
  streamBundle = outfile;
  return outfile;
}
