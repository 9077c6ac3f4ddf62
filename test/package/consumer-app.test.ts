/**
 * The construct library as a team installs it (issue 16 item 1): `npm run package` builds
 * `@ml-platform/constructs` (CommonJS + .d.ts) and packs it; a fresh app from the CDK CLI's own
 * `cdk init app --language typescript` template installs the tarball and, unchanged, type-checks
 * (`tsc`), synthesizes (`cdk synth`, offline) and tests (`jest`) a stack that uses the library
 * (model endpoint on an existing bucket and key, Spark application, feature group, team identity,
 * all on the platform's SSM handles) and the model-serving chart; plain `node` requires the
 * library. Offline: the app's node_modules links the packages this repository already installed
 * (the peers aws-cdk-lib, constructs, cdk8s, cdk8s-plus-34 and the app's own dev tools), and the
 * tarball is unpacked beside them, as npm would place it.
 */
import { type ExecFileSyncOptions, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const PACKAGE_DIR = join(ROOT, 'packages', 'constructs');
const FIXTURE = join(__dirname, 'team-app');
const NAME = '@ml-platform/constructs';

/** Offline: no AWS credentials, proxies to a closed port (as scripts/check.sh synthesizes). */
const offlineEnv: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_EC2_METADATA_DISABLED: 'true',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  CI: 'true',
};
for (const k of Object.keys(offlineEnv)) if (k.startsWith('JEST_') || k === 'NODE_OPTIONS') delete offlineEnv[k];

function run(cwd: string, file: string, args: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(file, args, { cwd, env: offlineEnv, encoding: 'utf8', stdio: 'pipe', ...options }) as string;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}\n${err.message}`);
  }
}

/** `^X.Y.Z` holds `version`. */
function caretHolds(range: string, version: string): boolean {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!m) throw new Error(`peer range '${range}' is not ^X.Y.Z`);
  const [maj, min, pat] = version.split('.').map(Number);
  const [rMaj, rMin, rPat] = m.slice(1).map(Number);
  return maj === rMaj && (min > rMin || (min === rMin && pat >= rPat));
}

/** What the tarball holds: its size and its files (paths inside the package). */
interface PackResult {
  size: number;
  entryCount: number;
  files: { path: string }[];
}

describe('the packaged construct library in a fresh `cdk init` app', () => {
  let tarball: string;
  let pack: PackResult;
  let app: string;
  const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));

  beforeAll(() => {
    // GIVEN the one command of the README (`npm run package`, here its script without npm's start-up)
    const out = run(ROOT, 'bash', [join(ROOT, 'scripts', 'package.sh')]);
    tarball = out.trim().split('\n').pop()!;
    // (read from the tarball itself: a second `npm pack --dry-run` would pack it again)
    const files = run(ROOT, 'tar', ['-tzf', tarball])
      .split('\n')
      .filter((l) => l && !l.endsWith('/'))
      .map((l) => ({ path: l.replace(/^package\//, '') }));
    pack = { size: statSync(tarball).size, entryCount: files.length, files };
    // AND an app from the CLI's template, with the tarball installed beside the repository's packages
    app = join(mkdtempSync(join(tmpdir(), 'mlp-consumer-')), 'team-app');
    mkdirSync(app);
    run(app, process.execPath, [
      join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
      'init',
      'app',
      '--language',
      'typescript',
      '--generate-only',
    ]);
    const modules = join(app, 'node_modules');
    mkdirSync(modules);
    // The optional peers stay out, as in a team's app that did not install them.
    const absent = new Set(['.package-lock.json', 'cdk-nag', '@aws-cdk/lambda-layer-kubectl-v35']);
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      const from = join(ROOT, 'node_modules', entry);
      if (entry.startsWith('@')) {
        mkdirSync(join(modules, entry));
        for (const sub of readdirSync(from)) if (!absent.has(`${entry}/${sub}`)) symlinkSync(join(from, sub), join(modules, entry, sub));
      } else if (!absent.has(entry)) {
        symlinkSync(from, join(modules, entry));
      }
    }
    const installed = join(modules, ...NAME.split('/'));
    mkdirSync(installed, { recursive: true });
    run(app, 'tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    // AND the team's stack, test and stricter compiler settings (the template's files are otherwise unchanged)
    cpSync(join(FIXTURE, 'lib', 'team-app-stack.ts.tmpl'), join(app, 'lib', 'team-app-stack.ts'));
    cpSync(join(FIXTURE, 'test', 'team-app.test.ts.tmpl'), join(app, 'test', 'team-app.test.ts'));
    cpSync(join(FIXTURE, 'tsconfig.strict.json.tmpl'), join(app, 'tsconfig.strict.json'));
  }, 300_000);

  afterAll(() => {
    if (app) rmSync(resolve(app, '..'), { recursive: true, force: true });
  });

  test('the package holds the build and nothing else: no sources, tests, CLI or compliance tooling', () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths).toContain('dist/constructs/index.js');
    expect(paths).toContain('dist/constructs/index.d.ts');
    expect(paths).toContain('dist/k8s/charts/index.js');
    expect(paths).toContain('dist/jobs/lifecycle/evaluate.py');
    expect(paths.filter((p) => !/^(package\.json|README\.md|dist\/.*\.(js|d\.ts|py))$/.test(p))).toEqual([]);
    expect(paths.filter((p) => /(^|\/)(test|lib|mlp|bin|scripts)\//.test(p) && !p.startsWith('dist/k8s/'))).toEqual([]);
    // Size budget (measured 2026-12-07: ~0.75 MB packed, ~9.4 MB unpacked, mostly the KubeRay CRD types).
    expect(pack.size).toBeLessThan(1_500_000);
    expect(pack.entryCount).toBeLessThan(400);
    expect(manifest.bin).toBeUndefined();
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['cdk-monitoring-constructs']);
    expect(manifest.exports['.'].types).toBe('./dist/constructs/index.d.ts');
    expect(manifest.exports['./k8s'].types).toBe('./dist/k8s/charts/index.d.ts');
  });

  test('the build loads only its peers, its one dependency and Node built-ins (no lib/, no SDK, no cdk-nag types)', () => {
    const allowed = new Set(['aws-cdk-lib', 'constructs', 'cdk8s', 'cdk8s-plus-34', 'cdk-monitoring-constructs']);
    const found = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(js|d\.ts)$/.test(entry.name)) {
          const text = readFileSync(path, 'utf8');
          for (const m of text.matchAll(/(?:require\(|from |import\()["']([^"']+)["']/g)) {
            if (m[1].startsWith('.')) {
              // Relative imports stay inside the package (constructs/ never reaches lib/).
              expect(resolve(dir, m[1]).startsWith(join(PACKAGE_DIR, 'dist'))).toBe(true);
            } else if (!m[1].startsWith('node:')) {
              found.add(m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0]);
            }
          }
        }
      }
    };
    walk(join(PACKAGE_DIR, 'dist'));
    expect([...found].filter((p) => !allowed.has(p))).toEqual([]);
    expect(found.has('aws-cdk-lib')).toBe(true);
  });

  test("peers: aws-cdk-lib, constructs, cdk8s, cdk8s-plus-34 with ranges the repository's versions satisfy; cdk-nag optional", () => {
    for (const peer of ['aws-cdk-lib', 'constructs', 'cdk8s', 'cdk8s-plus-34', 'cdk-nag', '@aws-cdk/lambda-layer-kubectl-v35']) {
      const version = JSON.parse(readFileSync(join(ROOT, 'node_modules', peer, 'package.json'), 'utf8')).version;
      expect([peer, caretHolds(manifest.peerDependencies[peer], version)]).toEqual([peer, true]);
    }
    expect(caretHolds(manifest.peerDependencies['aws-cdk-lib'], '2.275.0')).toBe(true);
    expect(manifest.peerDependenciesMeta['cdk-nag']).toEqual({ optional: true });
    const ownDeps = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies;
    expect(manifest.peerDependencies['aws-cdk-lib']).not.toBe(ownDeps['aws-cdk-lib']);
  });

  test("the library's .d.ts pass a team's stricter flags (strict, skipLibCheck false, exactOptionalPropertyTypes, …)", () => {
    let out = '';
    try {
      // (one checker: on 2 cores the same diagnostics for ~20% less CPU than tsc's default of 4)
      out = run(app, join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.strict.json', '--checkers', '1']);
    } catch (e) {
      out = (e as Error).message;
    }
    // aws-cdk-lib's and cdk8s-plus' own declarations fail skipLibCheck: false under these flags;
    // what counts is that none of the errors is in the library or in the team's code using it.
    const ours = out.split('\n').filter((l) => /^(node_modules\/@ml-platform\/|lib\/|bin\/|test\/)/.test(l) && /error TS/.test(l));
    expect(ours).toEqual([]);
  });

  test("the app's unchanged `tsc` and `cdk synth` pass offline, and the stack reads the platform's SSM handles", () => {
    // GIVEN the template's app command, which type-checks with the app's own tsconfig before it runs
    // (so `cdk synth` passing is the app's unchanged `tsc` passing too)
    expect(JSON.parse(readFileSync(join(app, 'cdk.json'), 'utf8')).app).toMatch(/^npx tsc && /);
    run(app, join(app, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet']);
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'TeamAppStack.template.json'), 'utf8'));
    const types = Object.values(template.Parameters as Record<string, { Type: string }>).map((p) => p.Type);
    expect(types).toContain('AWS::SSM::Parameter::Value<String>');
    expect(Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type)).toEqual(
      expect.arrayContaining([
        'AWS::SageMaker::Endpoint',
        'AWS::EMRServerless::Application',
        'AWS::Glue::Table',
        'AWS::EKS::PodIdentityAssociation',
      ]),
    );
  });

  test("the app's unchanged `jest` passes (a stack test and the model-serving chart)", () => {
    const out = run(app, join(app, 'node_modules', '.bin', 'jest'), ['--ci'], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBeDefined();
  });

  test('plain `node` requires both entry points (without the optional peers), with the one aws-cdk-lib of the app', () => {
    const script = [
      `const lib = require('${NAME}'); const k8s = require('${NAME}/k8s');`,
      "if (typeof lib.Platform.fromEnvironment !== 'function' || typeof k8s.ModelServingChart !== 'function') process.exit(2);",
      "try { require('cdk-nag'); process.exit(3); } catch (e) { if (e.code !== 'MODULE_NOT_FOUND') throw e; }",
      `const fromLib = require.resolve('aws-cdk-lib', { paths: [require.resolve('${NAME}')] });`,
      "console.log(JSON.stringify([require('fs').realpathSync(fromLib), require('fs').realpathSync(require.resolve('aws-cdk-lib'))]));",
    ].join('\n');
    const [fromLib, fromApp] = JSON.parse(run(app, process.execPath, ['-e', script]).trim());
    expect(fromLib).toBe(fromApp);
    expect(fromApp).toBe(realpathSync(join(ROOT, 'node_modules', 'aws-cdk-lib', 'index.js')));
  });
});
