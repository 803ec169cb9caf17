import { CfnOutput, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { DeploymentSecret } from '@closecross/platform';
import { Construct } from 'constructs';
import type { DeploymentSettings } from './settings.ts';

/** The secret's JSON keys, one per declared secret it holds. */
export const alpacaSecretKeys = { 'alpaca-key-id': 'key_id', 'alpaca-secret-key': 'secret_key' } as const satisfies Record<DeploymentSecret, string>;

/**
 * The Alpaca API key pair of the trading service, `{ "key_id", "secret_key" }` in Secrets Manager.
 * The stack cannot know it: both start empty, which the trading service reads as "no Alpaca
 * broker", until the operator puts the pair in (docs/services/trading.md). Retained, so a stack update or
 * deletion never loses the pair the operator put there.
 */
export class AlpacaSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { settings: DeploymentSettings }) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: `${props.settings.name}/closecross/alpaca`,
      description: 'Closecross trading: the Alpaca API key pair (key_id, secret_key); empty until the operator puts it in',
      // Empty placeholders, not secrets: the real pair never enters the template.
      secretObjectValue: { key_id: SecretValue.unsafePlainText(''), secret_key: SecretValue.unsafePlainText('') },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'Arn', { value: this.secret.secretArn, description: 'put the Alpaca key pair here: {"key_id":"…","secret_key":"…"}' });
  }

  /** One key of the pair; injecting it grants only that task's execution role read. */
  taskSecret(value: DeploymentSecret): ecs.Secret {
    return ecs.Secret.fromSecretsManager(this.secret, alpacaSecretKeys[value]);
  }
}
