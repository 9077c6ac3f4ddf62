#!/usr/bin/env node
/**
 * The `mlp` CLI entry point (see docs/mlp.md). Thin: the CLI lives in mlp/. Only this file reads
 * the process environment and exits the process.
 */
import { main } from '../mlp/cli';

// The AWS SDK warns on every run that it will drop Node 20 in 2027; keep CLI output clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  debug: Boolean(process.env.MLP_DEBUG),
}).then((code) => {
  process.exitCode = code;
});
