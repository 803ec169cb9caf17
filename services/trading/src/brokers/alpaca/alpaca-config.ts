/**
 * The Alpaca settings, read from the environment. On AWS, ECS injects the key and the secret
 * from the Alpaca secret in Secrets Manager; locally they are usually absent, and then there is
 * no Alpaca broker (the paper broker trades alone).
 */
import { ConfigError, env, type ConfigOf } from '@closecross/platform';
import { ALPACA_PAPER_URL } from './alpaca-http.ts';
import type { AlpacaBrokerSettings } from './alpaca-broker.ts';

export const alpacaConfigSpec = {
  ALPACA_BASE_URL: env.url({
    default: ALPACA_PAPER_URL,
    protocols: ['https:', 'http:'],
    description: 'Alpaca trading API; the paper endpoint unless set (https://api.alpaca.markets trades real money)',
  }),
  ALPACA_KEY_ID: env.optionalString('Alpaca API key id (from Secrets Manager on AWS); no Alpaca broker without it'),
  ALPACA_SECRET_KEY: env.optionalString('Alpaca API secret key (from Secrets Manager on AWS); required with ALPACA_KEY_ID'),
  ALPACA_TIMEOUT_MS: env.int({ default: 5_000, min: 100, max: 60_000, description: 'timeout of each call to Alpaca' }),
  ALPACA_RETRIES: env.int({ default: 2, min: 0, max: 10, description: 'retries of a call to Alpaca that timed out or got 429 / 5xx' }),
};
export type AlpacaConfig = ConfigOf<typeof alpacaConfigSpec>;

/** The adapter's settings, or undefined when no key is configured; a key without its secret (or the reverse) stops the start. */
export function alpacaSettingsFrom(config: AlpacaConfig): AlpacaBrokerSettings | undefined {
  const { ALPACA_KEY_ID: keyId, ALPACA_SECRET_KEY: secretKey } = config;
  if (keyId === undefined && secretKey === undefined) return undefined;
  if (keyId === undefined || secretKey === undefined) {
    throw new ConfigError([
      `${keyId === undefined ? 'ALPACA_KEY_ID' : 'ALPACA_SECRET_KEY'} is required when ${keyId === undefined ? 'ALPACA_SECRET_KEY' : 'ALPACA_KEY_ID'} is set (the Alpaca key comes as a pair)`,
    ]);
  }
  return { baseUrl: config.ALPACA_BASE_URL, keyId, secretKey, timeoutMs: config.ALPACA_TIMEOUT_MS, retries: config.ALPACA_RETRIES };
}
