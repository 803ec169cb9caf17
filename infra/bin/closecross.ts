import { App } from 'aws-cdk-lib';
import { closecrossStackFor } from '../lib/closecross-stack.ts';
import { loadDeclarations } from '../lib/declarations.ts';

// `cdk synth -c env=prod`: the environment's settings come from cdk.json's context, the services
// from their declarations (services/*/service.ts).
const app = new App();
closecrossStackFor(app, await loadDeclarations());
app.synth();
