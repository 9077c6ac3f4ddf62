#!/usr/bin/env node
/**
 * The LOCAL profile app, deployed to the moto emulator by `npm run local:demo` only:
 *   npx cdk deploy --app "npx tsx bin/local.ts" --output <dir>
 * Not the platform app (cdk.json's app is bin/ml-platform.ts); `cdk synth` never includes it.
 */
import { App } from 'aws-cdk-lib';
import { LocalServingStack } from '../lib/local/local-stack';

const app = new App();
const account = '123456789012'; // moto's default account
const region = 'us-east-1';
const endpointName = app.node.tryGetContext('endpointName') ?? 'credit-scoring';
new LocalServingStack(app, 'MlPlatform-local-Serving', {
  env: { account, region },
  endpointName,
  image: `${account}.dkr.ecr.${region}.amazonaws.com/${endpointName}:0.9.0`,
});
app.synth();
