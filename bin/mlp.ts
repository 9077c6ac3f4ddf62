#!/usr/bin/env node
/**
 * The `mlp` CLI entry point (see docs/mlp.md). Thin: the CLI lives in mlp/. Only this file reads
 * the process environment and exits the process.
 */
import { main } from '../mlp/cli';

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  debug: Boolean(process.env.MLP_DEBUG),
}).then((code) => {
  process.exitCode = code;
});
