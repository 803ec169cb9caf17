import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { DeploymentSettings } from './settings.ts';

/** Length of the generated token: letters and digits only, so it goes into a Bearer header as is. */
export const varWorkerTokenLength = 48;

/**
 * The one bearer token the VaR workers accept (they have no database to hold API keys), generated
 * by Secrets Manager at deploy and never in the template. ECS injects it as `SERVICE_TOKEN` into
 * the worker tasks, which check it, and into the service that starts them, which sends it; only
 * those tasks' execution roles are granted to read it. Not retained: nothing outlives it, and a
 * new deploy generates another.
 */
export class VarWorkerToken extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { settings: DeploymentSettings }) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: `${props.settings.name}/closecross/var-worker-token`,
      description: 'Closecross VaR workers: the bearer token they accept and the risk service sends',
      generateSecretString: { passwordLength: varWorkerTokenLength, excludePunctuation: true, includeSpace: false },
    });
  }

  /** The variable both sides read it from (platformConfigSpec's SERVICE_TOKEN); injecting it grants the task's execution role read. */
  taskSecrets(): Record<string, ecs.Secret> {
    return { SERVICE_TOKEN: ecs.Secret.fromSecretsManager(this.secret) };
  }
}
