#!/usr/bin/env node
// `npx mlp` / the package's bin: runs the TypeScript CLI (bin/mlp.ts) through tsx, no build step.
require('tsx/cjs/api').require('./mlp.ts', __filename);
