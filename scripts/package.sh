#!/usr/bin/env bash
# `npm run package`: builds the construct library (constructs/ and k8s/charts, with the k8s/imports
# they use) to CommonJS + .d.ts with tsconfig.lib.json into packages/constructs/dist, and packs it:
# dist/npm/ml-platform-constructs-<version>.tgz is the file a team installs (docs: README
# "Use the construct library in a team's app"). Prints the tarball's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=packages/constructs
rm -rf "$pkg/dist"
npx tsc -p tsconfig.lib.json
# TrainingPipeline uploads its evaluation step from <package>/dist/jobs/lifecycle (the same relative
# place as jobs/lifecycle in this repository).
mkdir -p "$pkg/dist/jobs/lifecycle"
cp jobs/lifecycle/evaluate.py "$pkg/dist/jobs/lifecycle/"
mkdir -p dist/npm
file=$(cd "$pkg" && npm pack --silent --pack-destination ../../dist/npm)
echo "$PWD/dist/npm/$file"
