import { UnavailableError } from '@closecross/platform';
import type { Broker } from './broker.ts';
import { createAlpacaBroker, type AlpacaBrokerSettings } from './alpaca/index.ts';
import { PaperBroker, type PaperBrokerDeps } from './paper/paper-broker.ts';

export type BrokerName = 'paper' | 'alpaca';

export interface BrokerDeps extends PaperBrokerDeps {
  /** Absent when no Alpaca key is configured: an account on alpaca then cannot trade. */
  alpaca: AlpacaBrokerSettings | undefined;
}

/**
 * The broker an account trades through (`trading_account.broker`, defaulting to TRADING_BROKER
 * when the account is created). One instance per name and process.
 */
export function brokerFor(name: BrokerName, deps: BrokerDeps): Broker {
  if (name === 'paper') return new PaperBroker(deps);
  if (!deps.alpaca) throw new UnavailableError('the account trades through Alpaca, but no Alpaca key is configured (ALPACA_KEY_ID and ALPACA_SECRET_KEY)');
  return createAlpacaBroker(deps.alpaca);
}

/** Brokers built once per name. */
export function brokerCache(deps: BrokerDeps): (name: BrokerName) => Broker {
  const brokers = new Map<BrokerName, Broker>();
  return (name) => brokers.get(name) ?? brokers.set(name, brokerFor(name, deps)).get(name)!;
}
