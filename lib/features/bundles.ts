import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';
import { writeJobBundle } from '../../jobs/features/batch/bundle';
import type { FeatureView } from '../../jobs/features/definition';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Entry point of the streaming consumer on EKS (bundled into one file). */
export const STREAM_ENTRY = path.join(REPO_ROOT, 'jobs', 'features', 'stream', 'main.ts');
/** File name of the bundle (`.cjs`: Node runs it as CommonJS, as its dependencies are). */
export const STREAM_BUNDLE_FILE = 'feature-stream.cjs';
/** Where bundles are kept between synths (node_modules/.cache, as build tools do; never committed). */
const BUNDLE_CACHE = path.join(REPO_ROOT, 'node_modules', '.cache', 'mlp', 'bundles');

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
 * The streaming consumer bundled with esbuild at synth: one self-contained CommonJS file for Node
 * 22, no minification, no source maps, paths relative to the repository (so the same sources give
 * the same bytes on every machine and the asset hash is stable). Kept between synths by
 * `cachedBundle` (bundling its ~1,000 inputs was a tenth of a synth).
 */
export function streamBundlePath(): string {
  streamBundle ??= cachedBundle({
    workingDir: REPO_ROOT,
    entry: path.relative(REPO_ROOT, STREAM_ENTRY),
    fileName: STREAM_BUNDLE_FILE,
    cacheDir: BUNDLE_CACHE,
  });
  return streamBundle;
}

export interface CachedBundleOptions {
  /** esbuild's working directory; `entry` and the recorded inputs are relative to it. */
  readonly workingDir: string;
  readonly entry: string;
  /** The bundle's file name. */
  readonly fileName: string;
  /** A directory of its own for this cache. */
  readonly cacheDir: string;
  /** The bundler (esbuild's `buildSync`; tests pass a counting wrapper). */
  readonly bundler?: typeof buildSync;
}

interface BundleManifest {
  /** esbuild's version and the build options. */
  readonly key: string;
  /** Every input esbuild read (its metafile), relative to the working directory, by content hash. */
  readonly inputs: Record<string, string>;
  /** The bundle, relative to the cache directory. */
  readonly bundle: string;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * Bundles `entry` with esbuild, or returns the bundle of an earlier build (this process or
 * another) when esbuild's version, the options and the content of every file that build read
 * (sources, dependencies, package.json files) are unchanged. A changed import changes the
 * importing file, so the recorded inputs always cover a new one. Entries are written to temporary
 * names and renamed, so concurrent synths (jest workers) never read a half-written bundle.
 */
export function cachedBundle(options: CachedBundleOptions): string {
  const build: BuildOptions = {
    absWorkingDir: options.workingDir,
    entryPoints: [options.entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    legalComments: 'none',
    sourcemap: false,
    minify: false,
    logLevel: 'error',
  };
  const key = sha256(`${esbuildVersion} ${JSON.stringify(build)} ${options.fileName}`);
  const manifestFile = path.join(options.cacheDir, 'manifest.json');
  const hit = cacheHit(options, manifestFile, key);
  if (hit) return hit;

  mkdirSync(options.cacheDir, { recursive: true });
  const staging = mkdtempSync(path.join(options.cacheDir, 'staging-'));
  const outfile = path.join(staging, options.fileName);
  const result = (options.bundler ?? buildSync)({ ...build, outfile, metafile: true, write: true });
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    inputs[input] = sha256(readFileSync(path.join(options.workingDir, input)));
  }
  // The metafile lists source files; package.json files steer resolution, and a lockfile change can
  // swap them without touching a listed file, so the nearest lockfile is an input too.
  addIfExists(inputs, options.workingDir, 'package-lock.json');
  const bundleDir = sha256(readFileSync(outfile)).slice(0, 32);
  const target = path.join(options.cacheDir, bundleDir);
  if (existsSync(target)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, target);
  const manifest: BundleManifest = { key, inputs, bundle: path.join(bundleDir, options.fileName) };
  const temporary = `${manifestFile}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(manifest)}\n`);
  renameSync(temporary, manifestFile);
  return path.join(target, options.fileName);
}

function cacheHit(options: CachedBundleOptions, manifestFile: string, key: string): string | undefined {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BundleManifest;
  } catch {
    return undefined;
  }
  if (manifest.key !== key) return undefined;
  const bundle = path.join(options.cacheDir, manifest.bundle);
  if (!existsSync(bundle)) return undefined;
  for (const [input, hash] of Object.entries(manifest.inputs)) {
    const file = path.join(options.workingDir, input);
    if (!existsSync(file) || sha256(readFileSync(file)) !== hash) return undefined;
  }
  return bundle;
}

function addIfExists(inputs: Record<string, string>, dir: string, file: string): void {
  const full = path.join(dir, file);
  if (existsSync(full)) inputs[file] = sha256(readFileSync(full));
}
