import { CfnOutput, Stack, Tags, type App, type StackProps } from 'aws-cdk-lib';
import type { ServiceDeclaration } from '@closecross/platform';
import type { Construct } from 'constructs';
import { AdminBootstrap } from './admin-bootstrap.ts';
import { Alarms } from './alarms.ts';
import { DataStores } from './data-stores.ts';
import { declaredWorker } from './declarations.ts';
import { FargateServices } from './fargate-services.ts';
import { Network } from './network.ts';
import { settingsFromContext, type DeploymentSettings } from './settings.ts';
import { TelegramBotToken } from './telegram-bot-token.ts';
import { VarCompute } from './var-compute.ts';

/** The whole system in one stack: network, data stores, VaR compute, the declared services behind the ALB, alarms. */
export class CloseCrossStack extends Stack {
  readonly network: Network;
  readonly stores: DataStores;
  readonly varCompute: VarCompute;
  readonly adminBootstrap: AdminBootstrap;
  readonly telegramBotToken: TelegramBotToken;
  readonly services: FargateServices;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, settings: DeploymentSettings, declarations: readonly ServiceDeclaration[], props: StackProps = {}) {
    // The region comes from the settings and the account stays a deploy-time value, so synth
    // needs no credentials and looks nothing up.
    super(scope, id, { ...props, env: { region: settings.region } });
    Tags.of(this).add('project', 'closecross');
    Tags.of(this).add('environment', settings.name);

    this.network = new Network(this, 'Network', settings);
    const { vpc } = this.network;
    this.stores = new DataStores(this, 'Data', { settings, vpc });
    this.varCompute = new VarCompute(this, 'VarCompute', {
      settings,
      vpc,
      lambdaEntry: declaredWorker(declarations, 'lambda').worker,
      workerEntry: declaredWorker(declarations, 'ecs-task').worker,
    });
    this.adminBootstrap = new AdminBootstrap(this, 'AdminBootstrap', { settings });
    this.telegramBotToken = new TelegramBotToken(this, 'TelegramBotToken', { settings });
    this.services = new FargateServices(this, 'Services', {
      settings,
      declarations,
      vpc,
      stores: this.stores,
      varCompute: this.varCompute,
      adminBootstrap: this.adminBootstrap,
      telegramBotToken: this.telegramBotToken,
    });
    this.alarms = new Alarms(this, 'Alarms', {
      settings,
      services: [...this.services.services.values()],
      loadBalancer: this.services.loadBalancer,
      stream: this.stores.stream,
    });

    const scheme = settings.certificateArn ? 'https' : 'http';
    new CfnOutput(this, 'Url', { value: `${scheme}://${this.services.loadBalancer.loadBalancerDnsName}`, description: 'the API (docs at /docs)' });
    new CfnOutput(this, 'StreamName', { value: this.stores.stream.streamName, description: 'Kinesis stream for pnpm replay --stream' });
    new CfnOutput(this, 'ArtifactBucket', { value: this.stores.bucket.bucketName });
    new CfnOutput(this, 'DatabaseSecretArn', {
      value: this.stores.databaseSecret.secretArn,
      description: 'the RDS credentials (for pnpm load / db:migrate via DB_SECRET_ID)',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'TelegramBotTokenSecretArn', {
      value: this.telegramBotToken.secret.secretArn,
      description: 'put the Telegram bot token for alerts here',
    });
    new CfnOutput(this, 'AdminBootstrapSecretArn', {
      value: this.adminBootstrap.secret.secretArn,
      description: "the first admin's API key and password (api_key, password)",
    });
  }
}

/** What CloudFormation shows for the stack: every deployed service by name, read from the declarations so it never goes stale. */
export function stackDescription(environment: string, declarations: readonly ServiceDeclaration[]): string {
  return `Closecross ${environment}: the services ${declarations.map((declaration) => declaration.name).join(', ')} on ECS Fargate behind one load balancer, with PostgreSQL, a Kinesis stream, an artifact bucket and the VaR compute`;
}

/**
 * The stack of the environment the app's context picks (`-c env=<name>`), named
 * `closecross-<env>`, deploying the given services (the repository's: loadDeclarations()).
 */
export function closecrossStackFor(app: App, declarations: readonly ServiceDeclaration[]): { stack: CloseCrossStack; settings: DeploymentSettings } {
  const settings = settingsFromContext(app.node, declarations);
  const stack = new CloseCrossStack(app, `closecross-${settings.name}`, settings, declarations, {
    description: stackDescription(settings.name, declarations),
  });
  return { stack, settings };
}
