// aws-cdk-lib's built-in template validation (a WASM pass over every template) costs seconds per
// synth; unit tests turn it off, the CI synth (`npm run synth`) keeps it on.
process.env.CDK_VALIDATION = 'false';
