import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { cachedBundle } from '../../lib/features/bundles';

// The real esbuild, counted.
const builds = jest.fn(buildSync);
beforeEach(() => builds.mockClear());

/** A tiny project: an entry importing a helper, and its own cache directory. */
function project() {
  const root = mkdtempSync(path.join(tmpdir(), 'mlp-bundle-cache-'));
  writeFileSync(path.join(root, 'helper.ts'), 'export const greeting: string = "hello";\n');
  writeFileSync(path.join(root, 'main.ts'), 'import { greeting } from "./helper";\nconsole.log(greeting);\n');
  const options = { workingDir: root, entry: 'main.ts', fileName: 'out.cjs', cacheDir: path.join(root, '.cache'), bundler: builds };
  return { root, options };
}

describe('cachedBundle (the synth-time esbuild bundle, kept between synths)', () => {
  test('a second synth with unchanged sources reuses the bundle file instead of bundling again', () => {
    const { root, options } = project();
    try {
      const first = cachedBundle(options);
      const second = cachedBundle(options);
      expect(builds).toHaveBeenCalledTimes(1);
      expect(second).toBe(first);
      expect(readFileSync(second, 'utf8')).toContain('"hello"');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a change in any file the bundle was made from (not only the entry) gives a new bundle', () => {
    const { root, options } = project();
    try {
      const first = cachedBundle(options);
      writeFileSync(path.join(root, 'helper.ts'), 'export const greeting: string = "goodbye";\n');
      const second = cachedBundle(options);
      expect(builds).toHaveBeenCalledTimes(2);
      expect(second).not.toBe(first);
      expect(readFileSync(second, 'utf8')).toContain('"goodbye"');
      expect(readFileSync(second, 'utf8')).not.toContain('"hello"');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a damaged cache manifest is rebuilt, not trusted', () => {
    const { root, options } = project();
    try {
      cachedBundle(options);
      writeFileSync(path.join(options.cacheDir, 'manifest.json'), '{not json');
      expect(readFileSync(cachedBundle(options), 'utf8')).toContain('"hello"');
      expect(builds).toHaveBeenCalledTimes(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
