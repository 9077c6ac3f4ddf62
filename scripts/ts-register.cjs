/**
 * Runs the CDK app's TypeScript under plain Node for `cdk synth` (cdk.json): a `require` hook for
 * `.ts` files that transpiles each with esbuild (types stripped, no type-check: `tsc -b
 * tsconfig.app.json` runs first in cdk.json) and keeps the result in node_modules/.cache/mlp/ts,
 * keyed by the file's content, plus Node's own compile cache for everything loaded.
 *
 * Why not `tsx`: tsx also scans every JavaScript file it loads (aws-cdk-lib's hundreds of modules)
 * for ES module syntax; that was a quarter of the app's CPU. Scripts and tools still use tsx.
 * The transpiled files carry inline source maps, but Node applies them only with `CDK_DEBUG=true` or
 * `MLP_SOURCE_MAPS=1` (stack traces then point at the TypeScript lines): mapping every stack trace
 * aws-cdk-lib captures while it builds the constructs cost 0.5 s of a 3.5 s synth (15%) and 80 MB.
 * Errors a user can cause (config problems) are one-line messages without stack traces anyway.
 *
 *   node --require ./scripts/ts-register.cjs bin/ml-platform.ts
 */
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const esbuild = require('esbuild');

const cacheRoot = path.join(__dirname, '..', 'node_modules', '.cache', 'mlp');
if (typeof Module.enableCompileCache === 'function') Module.enableCompileCache(path.join(cacheRoot, 'node-compile'));
if (process.env.CDK_DEBUG === 'true' || process.env.MLP_SOURCE_MAPS === '1') process.setSourceMapsEnabled(true);

const cacheDir = path.join(cacheRoot, 'ts');
try {
  fs.mkdirSync(cacheDir, { recursive: true });
} catch {
  // transpiled without a cache
}
// The compiler options that change emitted JavaScript (target, class fields, decorators) come from
// tsconfig.json, as tsx and tsc read them.
const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'tsconfig.json'), 'utf8'));
const OPTIONS = { loader: 'ts', format: 'cjs', platform: 'node', target: 'node22', sourcemap: 'inline', tsconfigRaw: { compilerOptions } };
const optionsKey = `${esbuild.version} ${JSON.stringify(OPTIONS)}`;

function transpile(filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const digest = createHash('sha256').update(optionsKey).update('\0').update(source).digest('hex');
  // One cache file per source file: its first line names the digest it was made from.
  const cached = path.join(cacheDir, `${createHash('sha256').update(filename).digest('hex').slice(0, 32)}.js`);
  const header = `//${digest}\n`;
  try {
    const text = fs.readFileSync(cached, 'utf8');
    if (text.startsWith(header)) return text.slice(header.length);
  } catch {
    // not cached yet
  }
  const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
  // Written to a temporary name and renamed: two synths at once never read half a file. A cache
  // that cannot be written (read-only node_modules) only costs speed.
  try {
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, header + code);
    fs.renameSync(temporary, cached);
  } catch {
    // not cached
  }
  return code;
}

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  module._compile(transpile(filename), filename);
};
