/**
 * asl-validator (used by the tests directly and by aws-local-stepfunctions, each its own version)
 * builds a new Ajv on every call and compiles its state-machine JSON schema into it: ~0.3 s of CPU
 * per definition, ~9 s over a test run. This compiles that schema once per worker for each
 * asl-validator copy and each set of formats it registers (the formats differ by its options
 * checkPaths/checkArn), and runs the compiled function for every later call, with the same result
 * and `errors`. Only validations of asl-validator's own schema URI take this path; every other Ajv
 * use runs unchanged.
 */
import Ajv from 'ajv';

const ASL_SCHEMA_URI = 'http://asl-validator.cloud/';
const MARK = Symbol.for('mlp.test.aslValidatorCache');

type Validate = ((data: unknown) => boolean) & { errors?: unknown };
type Instance = {
  opts: { schemas?: unknown[] };
  formats: Record<string, unknown>;
  errors?: unknown;
  getSchema(ref: string): Validate | undefined;
};

// Per asl-validator copy (its first schema object, loaded once per copy), per formats signature.
const compiled = new WeakMap<object, Map<string, Validate>>();

export function cacheAslValidatorSchemas(): void {
  const proto = (Ajv as unknown as { prototype: Record<string | symbol, unknown> }).prototype;
  if (proto[MARK]) return;
  const original = proto.validate as (this: Instance, ref: unknown, data: unknown) => unknown;
  proto.validate = function validate(this: Instance, ref: unknown, data: unknown): unknown {
    const copy = this.opts.schemas?.[0];
    if (typeof ref !== 'string' || !ref.startsWith(ASL_SCHEMA_URI) || typeof copy !== 'object' || copy === null) {
      return original.call(this, ref, data);
    }
    // The format functions asl-validator registers are pure; equal source means equal behaviour.
    const formats = Object.entries(this.formats)
      .map(([name, f]) => `${name}=${String(f)}`)
      .sort()
      .join('\n');
    let byFormats = compiled.get(copy);
    if (!byFormats) {
      byFormats = new Map();
      compiled.set(copy, byFormats);
    }
    const key = `${ref}\n${formats}`;
    let fn = byFormats.get(key);
    if (!fn) {
      fn = this.getSchema(ref);
      if (!fn) return original.call(this, ref, data);
      byFormats.set(key, fn);
    }
    const valid = fn(data);
    this.errors = fn.errors;
    return valid;
  };
  proto[MARK] = true;
}
