import { ConfigError, env, loadConfig, type ConfigOf, type ConfigVar } from '@closecross/platform';
import { webhookNetworkKinds, type WebhookNetworkKind } from './channels/webhook-target.ts';

/** A comma-separated list of network kinds; empty: the public internet only. */
const networkList: ConfigVar<WebhookNetworkKind[]> = {
  description: `networks besides the public internet that webhooks may reach, comma-separated: ${webhookNetworkKinds.join(', ')}; empty (the default) refuses them all (169.254.169.254 is link-local)`,
  parse(raw) {
    const kinds = (raw ?? '')
      .split(',')
      .map((kind) => kind.trim())
      .filter((kind) => kind !== '');
    const unknown = kinds.filter((kind) => !(webhookNetworkKinds as readonly string[]).includes(kind));
    if (unknown.length > 0) throw new Error(`must list only ${webhookNetworkKinds.join(', ')}, got ${unknown.map((kind) => `"${kind}"`).join(', ')}`);
    return kinds as WebhookNetworkKind[];
  },
};

/** What the alerts module reads, in every task that mounts it (market-data on AWS, the local system). */
export const alertsConfigSpec = {
  ALERTS_TELEGRAM_BOT_TOKEN: env.optionalString(
    "the Telegram bot's token (123456:ABC…) for channels that set none of their own; on AWS injected by ECS from Secrets Manager",
  ),
  ALERTS_TELEGRAM_API_URL: env.url({
    description: "the Telegram Bot API's base URL (a local fake in tests)",
    default: 'https://api.telegram.org',
    protocols: ['https:', 'http:'],
  }),
  ALERTS_RETRY_BASE_MS: env.int({ description: 'delay before the first retry of a delivery; each later one doubles, with jitter', default: 2000, min: 1 }),
  ALERTS_RETRY_MAX_MS: env.int({ description: 'longest delay between two attempts of a delivery', default: 600_000, min: 1 }),
  ALERTS_MAX_ATTEMPTS: env.int({ description: 'attempts of a delivery before it is marked failed', default: 24, min: 1, max: 1000 }),
  ALERTS_SEND_TIMEOUT_MS: env.int({ description: 'timeout of one attempt (the HTTP call to Telegram or a webhook)', default: 10_000, min: 100 }),
  ALERTS_LEASE_SECONDS: env.int({
    description: 'how long a claimed delivery stays with its deliverer before another may retry it; longer than the send timeout',
    default: 60,
    min: 1,
  }),
  ALERTS_WEBHOOK_ALLOW_NETWORKS: networkList,
  ALERTS_POLL_MS: env.int({ description: 'how often each deliverer looks for due deliveries', default: 1000, min: 10 }),
};

export type AlertsConfig = ConfigOf<typeof alertsConfigSpec>;

export function loadAlertsConfig(environment: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const config = loadConfig(alertsConfigSpec, environment);
  // A lease that ends while its deliverer still waits on the channel would let a second one send too.
  if (config.ALERTS_LEASE_SECONDS * 1000 <= config.ALERTS_SEND_TIMEOUT_MS) {
    throw new ConfigError([
      `ALERTS_LEASE_SECONDS (${config.ALERTS_LEASE_SECONDS} s) must be longer than ALERTS_SEND_TIMEOUT_MS (${config.ALERTS_SEND_TIMEOUT_MS} ms)`,
    ]);
  }
  if (config.ALERTS_RETRY_MAX_MS < config.ALERTS_RETRY_BASE_MS) {
    throw new ConfigError([`ALERTS_RETRY_MAX_MS (${config.ALERTS_RETRY_MAX_MS}) must be at least ALERTS_RETRY_BASE_MS (${config.ALERTS_RETRY_BASE_MS})`]);
  }
  return config;
}
