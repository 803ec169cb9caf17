/** An account's settings as the paper broker's fill costs. */
import type { FillCosts } from '../brokers/paper/paper-fill-model.ts';
import type { Account } from '../schemas/accounts.ts';

export const costsOf = (account: Account): FillCosts => ({
  feePerShare: account.fee_per_share,
  feeBps: account.fee_bps,
  feeMinimum: account.fee_minimum,
  slippageBps: account.slippage_bps,
  volumeParticipation: account.volume_participation,
  seed: account.seed,
});
