import { App } from 'aws-cdk-lib';
import { closecrossStackFor } from '../lib/closecross-stack.ts';

// `cdk synth -c env=prod`: the environment's settings come from cdk.json's context.
const app = new App();
closecrossStackFor(app);
app.synth();
