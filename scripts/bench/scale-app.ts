/**
 * One size of `npm run bench:scale`: synthesizes prod with N teams, N models (each with its
 * endpoint), N model servers (one per team) and N feature groups into a directory, as
 * `cdk synth` does (cdk-nag packs on, built-in template validation off, asset staging off).
 *
 *   npx tsx scripts/bench/scale-app.ts <N> <outdir> [--fixed-models]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildPlatformApp } from '../../lib/app';
import { ENVIRONMENTS, type EnvironmentConfig } from '../../lib/config';

/**
 * prod with `n` of each per-team, per-model and per-group thing, cloned from its first entry
 * (`models: false` keeps prod's own models and endpoints).
 */
export function scaledProd(n: number, options: { models?: boolean } = {}): EnvironmentConfig {
  const c = structuredClone(ENVIRONMENTS.prod) as any;
  const pad = (i: number) => `${i}`.padStart(3, '0');
  const team = c.cluster.teams[0];
  c.cluster.teams = Array.from({ length: n }, (_, i) => ({
    ...structuredClone(team),
    name: `team-${pad(i)}`,
    lake: { readPrefixes: [`curated/team-${pad(i)}/`], writePrefixes: [`features/teams/team-${pad(i)}/`] },
  }));
  if (options.models ?? true) {
    const model = c.serving.models[0];
    c.serving.models = Array.from({ length: n }, (_, i) => ({ ...structuredClone(model), name: `model-${pad(i)}` }));
    const endpoint = c.serving.endpoints[0];
    c.serving.endpoints = Array.from({ length: n }, (_, i) => ({
      ...structuredClone(endpoint),
      name: `model-${pad(i)}`,
      model: `model-${pad(i)}`,
    }));
  }
  // Namespace access entries name teams: point them at the first scaled team.
  c.cluster.access.namespaces = c.cluster.access.namespaces.map((a: any) => ({ ...a, namespaces: ['team-000'] }));
  const server = c.serving.modelServers[0];
  c.serving.modelServers = Array.from({ length: n }, (_, i) => ({
    ...structuredClone(server),
    name: `server-${pad(i)}`,
    team: `team-${pad(i)}`,
    modelPath: `model-${pad(i)}/1.0.0/`,
  }));
  const group = c.featureStore.featureGroups[0];
  c.featureStore.featureGroups = Array.from({ length: n }, (_, i) => ({ ...structuredClone(group), name: `${group.name}_${pad(i)}` }));
  return c;
}

if (require.main === module) {
  const [nArg, outdir, flag] = process.argv.slice(2);
  const n = Number(nArg);
  if (!Number.isInteger(n) || n < 1 || !outdir) {
    process.stderr.write('usage: tsx scripts/bench/scale-app.ts <N: a whole number from 1> <outdir>\n');
    process.exit(2);
  }
  const context = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
  const app = new App({
    outdir,
    context: { ...context, 'aws:cdk:disable-asset-staging': true },
    builtinCloudFormationValidation: false,
  });
  const prod = scaledProd(n, { models: flag !== '--fixed-models' });
  buildPlatformApp(app, { environments: { ...ENVIRONMENTS, prod }, only: ['prod'] });
  app.synth();
}
