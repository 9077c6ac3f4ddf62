import { cacheAslValidatorSchemas } from './asl-validator-cache';

// aws-cdk-lib's built-in template validation (a WASM pass over every template) costs seconds per
// synth; unit tests turn it off, the CI synth (`npm run synth`) keeps it on.
process.env.CDK_VALIDATION = 'false';

// asl-validator compiles its schema once per worker, not once per call (test/asl-validator-cache.ts).
cacheAslValidatorSchemas();
