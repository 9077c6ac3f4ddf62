#!/usr/bin/env node
/**
 * The LOCAL profile app, deployed to the moto emulator by `npm run local:demo` and the owner test only:
 *   npx cdk deploy --app "npx tsx bin/local.ts" --output <dir> [-c samplingPercentage=50]
 * Not the platform app (cdk.json's app is bin/ml-platform.ts); `cdk synth` never includes it.
 */
import { App, DefaultStackSynthesizer } from 'aws-cdk-lib';
import { LocalServingStack } from '../lib/local/local-stack';

const app = new App();
const account = '123456789012'; // moto's default account
const region = 'us-east-1';
const endpointName = app.node.tryGetContext('endpointName') ?? 'credit-scoring';
const sampling = app.node.tryGetContext('samplingPercentage');
new LocalServingStack(app, 'MlPlatform-local-Serving', {
  env: { account, region },
  // No BootstrapVersion parameter: moto's UpdateStack cannot reuse a previous SSM-typed parameter
  // value (KeyError 'BootstrapVersion'), and the local profile must deploy twice (owner test).
  synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  endpointName,
  samplingPercentage: sampling === undefined ? undefined : Number(sampling),
});
app.synth();
