#!/usr/bin/env node
// `npx mlp` / the package's bin: runs the TypeScript CLI (bin/mlp.ts) with no build step, through the
// esbuild require hook cdk synth uses (scripts/ts-register.cjs: transpiled files and Node's compile
// cache kept in node_modules/.cache/mlp; a third of tsx's start-up time).
require('../scripts/ts-register.cjs');
require('./mlp.ts');
