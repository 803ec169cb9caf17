import { App } from 'aws-cdk-lib';
import { CloseCrossStack } from '../lib/closecross-stack.ts';
import { settingsFromContext } from '../lib/settings.ts';

// `cdk synth -c env=prod`: the environment's settings come from cdk.json's context.
const app = new App();
const settings = settingsFromContext(app.node);
new CloseCrossStack(app, `closecross-${settings.name}`, settings, {
  description: `Closecross ${settings.name}: market data, models, risk and ingestion on ECS Fargate`,
});
app.synth();
