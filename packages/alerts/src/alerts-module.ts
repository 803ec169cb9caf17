import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { AlertDeliverer } from './alert-deliverer.ts';
import { loadAlertsConfig, type AlertsConfig } from './alerts-config.ts';
import { alertsRoutes } from './routes/alerts-routes.ts';
import { telegramRoutes } from './routes/telegram-routes.ts';

export interface AlertsModuleOptions extends ServiceContext {
  /** Absent: read from the environment (alertsConfigSpec) when the module is mounted. */
  config?: AlertsConfig;
  /** False: routes only, this task sends nothing (tests that drive deliverers themselves). */
  deliver?: boolean;
  /** How long POST /alerts/test waits for its outcome. */
  testWaitMs?: number;
}

const alertsPlugin: FastifyPluginAsync<AlertsModuleOptions> = async (app, options) => {
  const config = options.config ?? loadAlertsConfig(process.env);
  const deliverer = options.deliver === false ? undefined : new AlertDeliverer({ pool: options.pool, log: app.log, config });
  await app.register(
    alertsRoutes({
      pool: options.pool,
      channelRules: { allowNetworks: config.ALERTS_WEBHOOK_ALLOW_NETWORKS, defaultTelegramToken: config.ALERTS_TELEGRAM_BOT_TOKEN },
      wakeDeliverer: () => deliverer?.wake(),
      testWaitMs: options.testWaitMs ?? 5000,
    }),
  );
  await app.register(telegramRoutes({ pool: options.pool, botToken: config.ALERTS_TELEGRAM_BOT_TOKEN, telegramApiUrl: config.ALERTS_TELEGRAM_API_URL }));
  if (deliverer) {
    app.addHook('onReady', async () => deliverer.start());
    // Before the pool closes: the round in hand settles what it claimed.
    app.addHook('onClose', async () => deliverer.stop());
  }
};

/**
 * Alerts (`/alerts*`), mounted once per process. Every process that mounts it also runs a
 * deliverer; any number of them share the outbox safely.
 */
export const alertsModule: ServiceModule<AlertsModuleOptions> = { name: 'alerts', plugin: alertsPlugin };
export const alertsModuleWith = (options: Omit<AlertsModuleOptions, 'pool'>): ServiceModule<AlertsModuleOptions> => ({ ...alertsModule, options });
