import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ServiceDeclaration } from '@closecross/platform';
import { Construct } from 'constructs';
import type { DeploymentSettings } from './settings.ts';

/** The variable the alerts module reads its default bot token from (packages/alerts, alertsConfigSpec). */
export const telegramTokenVariable = 'ALERTS_TELEGRAM_BOT_TOKEN';

/**
 * The Telegram bot token for alerts, in Secrets Manager. The stack cannot know it: it starts as a
 * generated placeholder (no colon, so the alerts module reads it as "no token yet") until the
 * operator puts BotFather's token in (docs/alerts.md). ECS injects it into every task whose
 * settings read it: the tasks that mount the alerts module and deliver.
 */
export class TelegramBotToken extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { settings: DeploymentSettings }) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: `${props.settings.name}/closecross/telegram-bot-token`,
      description: 'Closecross alerts: the Telegram bot token (put the one BotFather gave you)',
      generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The token for a task whose settings read it; nothing for the others. */
  taskSecretsFor(declaration: ServiceDeclaration): Record<string, ecs.Secret> {
    return telegramTokenVariable in declaration.settings ? { [telegramTokenVariable]: ecs.Secret.fromSecretsManager(this.secret) } : {};
  }
}
