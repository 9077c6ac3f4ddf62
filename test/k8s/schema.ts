/**
 * Offline schema validation of Kubernetes manifests:
 * - built-in kinds with kubernetes-models (the Kubernetes OpenAPI schemas, compiled);
 * - custom resources with the openAPIV3Schema of their CRD, committed in k8s/imports/schemas by
 *   scripts/import-crds.ts. Like the API server's pruning, an object schema with `properties`
 *   admits no other field (unless x-kubernetes-preserve-unknown-fields): a typo fails here instead
 *   of being silently dropped at apply time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

const SCHEMAS = join(__dirname, '..', '..', 'k8s', 'imports', 'schemas');

/** Closes every object schema that lists its properties, as structural-schema pruning does. */
function closeObjects(node: any): any {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, closeObjects(v)]))
        : closeObjects(value);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields'])
    out.additionalProperties = false;
  return out;
}

// code.optimize off: ajv's optimisation passes over the generated code were most of the compile time
// of these large schemas (the Ray CRDs inline whole pod templates): 3.1 s -> 1.2 s for all of them,
// the same validation, for a validator that runs a few times per worker.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { optimize: false } });
/** Schema files by kind, e.g. `ray.io/v1/RayCluster`; each compiled on first use (compiling all took seconds per worker). */
const crdFiles = new Map<string, string>();
for (const file of readdirSync(SCHEMAS)) {
  // <group>_<Kind>_<version>.json
  const [group, kind, version] = file.replace(/\.json$/, '').split('_');
  crdFiles.set(`${group}/${version}/${kind}`, file);
}
const crdValidators = new Map<string, ValidateFunction>();
function crdValidator(key: string): ValidateFunction | undefined {
  const file = crdFiles.get(key);
  if (!file) return undefined;
  let validator = crdValidators.get(key);
  if (!validator) {
    const schema = closeObjects(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')));
    // metadata is validated by the API server, not the CRD schema; keep it open here.
    schema.properties.metadata = { type: 'object' };
    validator = ajv.compile(schema);
    crdValidators.set(key, validator);
  }
  return validator;
}

/** The built-in kinds' models, imported once per jest worker by test/k8s/built-in-models.mjs. */
function builtInModel(apiVersion: string, kind: string): any {
  const models: Map<string, unknown> | undefined = (globalThis as any)[Symbol.for('mlp.test.kubernetesModels')];
  if (!models) throw new Error('kubernetes-models are not loaded: jest.config.js runs test/k8s/built-in-models.mjs in setupFiles');
  return models.get(`${apiVersion}/${kind}`);
}

/** The kinds the CRD validators know, e.g. `ray.io/v1/RayCluster`. */
export const CUSTOM_KINDS: readonly string[] = [...crdFiles.keys()];

/**
 * Validates one manifest; returns the problems (empty when valid). Throws for a kind that neither
 * kubernetes-models nor the committed CRD schemas know, so nothing goes unvalidated.
 */
export function schemaProblems(manifest: { apiVersion: string; kind: string; [key: string]: unknown }): string[] {
  const validator = crdValidator(`${manifest.apiVersion}/${manifest.kind}`);
  if (validator) {
    return validator(manifest)
      ? []
      : (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
  const Model = builtInModel(manifest.apiVersion, manifest.kind);
  if (!Model)
    throw new Error(
      `no schema for ${manifest.apiVersion} ${manifest.kind} (a built-in kind is validated once it is listed in test/k8s/built-in-models.mjs)`,
    );
  try {
    new Model(manifest).validate();
    return [];
  } catch (err) {
    return [String((err as Error).message)];
  }
}

/**
 * A manifest as it will be once deployed: the EC2NodeClass subnet and security-group ids that the
 * Compute stack fills in with CloudFormation references (rendered `<ref>` in tests) get the shape
 * of real ids, so the CRD's id patterns are checked on everything else.
 */
export function asDeployed(manifest: any): any {
  if (manifest?.kind !== 'EC2NodeClass') return manifest;
  const id = (prefix: string) => (t: any) => (t.id === '<ref>' ? { ...t, id: `${prefix}-0123abcd` } : t);
  return {
    ...manifest,
    spec: {
      ...manifest.spec,
      subnetSelectorTerms: manifest.spec.subnetSelectorTerms.map(id('subnet')),
      securityGroupSelectorTerms: manifest.spec.securityGroupSelectorTerms.map(id('sg')),
    },
  };
}
