import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES } from '../../lib/config';
import { architecturePages, synthesizePlatform } from '../../scripts/diagram/architecture';

/** docs/architecture/<env>.md is what `npm run diagram` writes from the app as it is now. */
describe('architecture pictures', () => {
  const assembly = synthesizePlatform();
  const pages = architecturePages(assembly);

  test.each(ENVIRONMENT_NAMES)('docs/architecture/%s.md is current (else run `npm run diagram`)', (env) => {
    const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'architecture', `${env}.md`), 'utf8');
    expect(committed).toBe(pages[`${env}.md`]);
  });

  test.each(ENVIRONMENT_NAMES)('%s: one node per stack, and every drawn edge is a real deploy dependency', (env) => {
    const stacks = assembly.getNestedAssembly(`assembly-${env}`).stacks;
    const page = pages[`${env}.md`];
    const nodes = [...page.matchAll(/^ {2}(\w+)\["<b>([^<]+)<\/b>/gm)].map((m) => m[2]);
    expect(nodes.sort()).toEqual(stacks.map((s) => s.stackName.replace(`MlPlatform-${env}-`, '')).sort());
    const id = (part: string) => part.replace(/[^A-Za-z0-9]/g, '_');
    const byId = new Map(stacks.map((s) => [id(s.stackName.replace(`MlPlatform-${env}-`, '')), s]));
    const edges = [...page.matchAll(/^ {2}(\w+) --> (\w+)$/gm)];
    expect(edges.length).toBeGreaterThan(0);
    for (const [, from, to] of edges) {
      const waiting = byId.get(to)!;
      expect([to, waiting.dependencies.map((d) => d.id)]).toEqual([to, expect.arrayContaining([byId.get(from)!.id])]);
    }
    // The slow stacks do not wait for each other (docs/DESIGN: a cold deploy takes about as long as the slowest).
    expect(page).not.toMatch(/^ {2}(Streaming|Compute|FeatureStore|Serving) --> (Streaming|Compute|FeatureStore|Serving)$/m);
  });
});
