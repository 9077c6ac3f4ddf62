/** Reads the stacks of each environment from a synthesized cloud assembly (cdk.out). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StackInput, Template } from './analyze';

interface Manifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type: string;
      readonly dependencies?: string[];
      readonly properties?: { readonly directoryName?: string; readonly templateFile?: string; readonly stackName?: string };
    }
  >;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Environment (stage) name → its stacks, from `<dir>/manifest.json` and the nested stage assemblies. */
export function readAssembly(dir: string): Record<string, StackInput[]> {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${dir}: no manifest.json; synthesize first (npx cdk synth --quiet -o ${dir})`);
  const root = readJson<Manifest>(manifestFile);
  const out: Record<string, StackInput[]> = {};
  for (const [id, artifact] of Object.entries(root.artifacts ?? {})) {
    if (artifact.type !== 'cdk:cloud-assembly' || !artifact.properties?.directoryName) continue;
    const env = id.replace(/^assembly-/, '');
    const stageDir = join(dir, artifact.properties.directoryName);
    const stage = readJson<Manifest>(join(stageDir, 'manifest.json'));
    const stackIds = new Set(
      Object.entries(stage.artifacts ?? {})
        .filter(([, a]) => a.type === 'aws:cloudformation:stack')
        .map(([k]) => k),
    );
    out[env] = Object.entries(stage.artifacts ?? {})
      .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
      .map(([stackId, a]) => {
        const file = join(stageDir, a.properties?.templateFile as string);
        return {
          id: stackId,
          name: a.properties?.stackName ?? stackId,
          template: readJson<Template>(file),
          bytes: statSync(file).size,
          dependencies: (a.dependencies ?? []).filter((d) => stackIds.has(d)),
        };
      });
  }
  return out;
}
