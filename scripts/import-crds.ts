/**
 * Regenerates k8s/imports from the CRD schemas of ../shared/crds (or the folder given as the first
 * argument): typed cdk8s constructs (`cdk8s import`) and, for offline manifest validation in tests,
 * the storage version's openAPIV3Schema of each kind with descriptions stripped
 * (k8s/imports/schemas/<group>_<kind>_<version>.json). The generated files are committed; the CRD
 * files are not, so neither tests nor synth depend on ../shared.
 *
 *   npx tsx scripts/import-crds.ts [crd-folder [group ...]]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '..');
const SOURCE = resolve(process.argv[2] ?? join(ROOT, '..', 'shared', 'crds'));
const OUT = join(ROOT, 'k8s', 'imports');

/** One generated module per API group; the CRD files (under SOURCE) it is made from. */
const GROUPS: Record<string, readonly string[]> = {
  'ray.io': ['ray.io_rayclusters.yaml', 'ray.io_rayjobs.yaml', 'ray.io_rayservices.yaml'],
  'trainer.kubeflow.org': ['trainer.kubeflow.org_trainjobs.yaml', 'trainer.kubeflow.org_clustertrainingruntimes.yaml'],
  'karpenter.sh': ['karpenter.sh_nodepools.yaml'],
  'karpenter.k8s.aws': ['karpenter.k8s.aws_ec2nodeclasses.yaml'],
  'kueue.x-k8s.io': [
    'kueue.x-k8s.io_clusterqueues.yaml',
    'kueue.x-k8s.io_localqueues.yaml',
    'kueue.x-k8s.io_resourceflavors.yaml',
    'kueue.x-k8s.io_cohorts.yaml',
    'kueue.x-k8s.io_workloadpriorityclasses.yaml',
  ],
  // KEDA is not in ../shared/crds: take config/crd/bases/keda.sh_*.yaml of kedacore/keda at the
  // release tag pinned in HELM_CHARTS into the same folder before running this script.
  'keda.sh': ['keda.sh_scaledobjects.yaml', 'keda.sh_triggerauthentications.yaml'],
};

/** Only these groups, when named after the folder (`… crds karpenter.sh kueue.x-k8s.io`); default all. */
const ONLY = process.argv.slice(3);

/** Removes documentation from a schema (it is most of the bytes and plays no part in validation). */
function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      // Documentation is a string; a property *named* description (an object schema) stays.
      if (key === 'description' && typeof value === 'string') continue;
      out[key] = strip(value);
    }
    return out;
  }
  return node;
}

mkdirSync(join(OUT, 'schemas'), { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'crds-'));
try {
  for (const [group, files] of Object.entries(GROUPS)) {
    if (ONLY.length > 0 && !ONLY.includes(group)) continue;
    const crds = files
      .flatMap((f) => parseAllDocuments(readFileSync(join(SOURCE, f), 'utf8')).map((d) => d.toJS()))
      .filter((crd) => crd?.kind === 'CustomResourceDefinition');
    // Only the storage version of each kind (older served versions would double the generated code).
    const storageOnly = crds.map((crd) => ({ ...crd, spec: { ...crd.spec, versions: crd.spec.versions.filter((v: any) => v.storage) } }));
    // One multi-document file per group, so that `cdk8s import` writes one module for it.
    const combined = join(work, `${group}.yaml`);
    writeFileSync(combined, storageOnly.map((crd) => JSON.stringify(crd)).join('\n---\n'));
    execFileSync('npx', ['cdk8s', 'import', combined, '--output', OUT, '--language', 'typescript'], { cwd: ROOT, stdio: 'inherit' });

    for (const crd of storageOnly) {
      const version = crd.spec.versions[0];
      const name = `${crd.spec.group}_${crd.spec.names.kind}_${version.name}`;
      writeFileSync(join(OUT, 'schemas', `${name}.json`), `${JSON.stringify(strip(version.schema.openAPIV3Schema))}\n`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
