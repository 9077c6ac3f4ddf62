/**
 * `npm run diagram`: writes docs/architecture/<env>.md, each environment's stacks, main resources
 * and deploy dependencies as a Mermaid flowchart, from the synthesized app (scripts/diagram).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { architecturePages } from './diagram/architecture';

const dir = join(__dirname, '..', 'docs', 'architecture');
mkdirSync(dir, { recursive: true });
for (const [file, text] of Object.entries(architecturePages())) {
  writeFileSync(join(dir, file), text);
  console.log(`wrote docs/architecture/${file}`);
}
