/**
 * Default instruments and costs. The costs are stated, realistic and non-zero, like the anchors':
 * - US equities, IBKR Pro "fixed": $0.005 per share, minimum $1.00, at most 1 % of the trade value;
 *   1 bp slippage; an order takes at most 2.5 % of a bar's volume per bar.
 * - Crypto, a retail taker on a major venue: 5 bps of notional, no minimum; 2 bps slippage;
 *   the same 2.5 % volume cap.
 */
import { isCryptoSymbol } from '../calendar/index.ts';
import type { CostConfig, Instrument } from './types.ts';

export const usEquityCosts: CostConfig = { feePerUnit: 0.005, feeBps: 0, minFee: 1, maxFeeRate: 0.01, slippageBps: 1, volumeCap: 0.025 };
export const cryptoTakerCosts: CostConfig = { feePerUnit: 0, feeBps: 5, minFee: 0, maxFeeRate: 0, slippageBps: 2, volumeCap: 0.025 };
/** For tests and for reconciling with a reference that ignores costs. */
export const zeroCosts: CostConfig = { feePerUnit: 0, feeBps: 0, minFee: 0, maxFeeRate: 0, slippageBps: 0, volumeCap: 0 };

/** Whole shares priced to 1/100 cent; crypto to 6 decimals of a coin, priced to 4 decimals. */
export function instrumentForSymbol(symbol: string): Instrument {
  return isCryptoSymbol(symbol)
    ? { symbol, assetClass: 'crypto', pricePrecision: 4, quantityPrecision: 6 }
    : { symbol, assetClass: 'equity', pricePrecision: 4, quantityPrecision: 0 };
}

export function defaultCosts(instrument: Instrument): CostConfig {
  return instrument.assetClass === 'crypto' ? cryptoTakerCosts : usEquityCosts;
}
