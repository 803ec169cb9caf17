import type { CostConfig } from '@closecross/engine';
import type { Account } from '../schemas/accounts.ts';

/**
 * An account's costs as the engine's simulated exchange takes them: fee per share, bps of
 * notional, a minimum per fill, slippage in bps, and a cap on the share of a bar's volume one
 * order may take (1, the whole bar, is no cap). The account has no fee cap, so none applies.
 * A paper account's zeros are zeros: the account row is the cost setting it states.
 */
export function engineCostsOf(account: Pick<Account, 'fee_per_share' | 'fee_bps' | 'fee_minimum' | 'slippage_bps' | 'volume_participation'>): CostConfig {
  const participation = Number(account.volume_participation);
  return {
    feePerUnit: Number(account.fee_per_share),
    feeBps: Number(account.fee_bps),
    minFee: Number(account.fee_minimum),
    maxFeeRate: 0,
    slippageBps: Number(account.slippage_bps),
    volumeCap: participation >= 1 ? 0 : participation,
  };
}

/** One key per cost setting: an account whose costs changed gets its exchange rebuilt with them. */
export const costsKey = (costs: CostConfig): string =>
  `${costs.feePerUnit}|${costs.feeBps}|${costs.minFee}|${costs.maxFeeRate}|${costs.slippageBps}|${costs.volumeCap}`;
