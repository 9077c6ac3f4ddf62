// The baseline of `npm run bench`: a CDK app with one empty stack, synthesized the same way.
import { App, Stack } from 'aws-cdk-lib';

const app = new App();
new Stack(app, 'Empty', { env: { account: '111111111111', region: 'eu-west-1' } });
app.synth();
