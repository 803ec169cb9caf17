import { closeDate, validateClosedTrades, type ClosedTrade } from './performance-input.ts';

export interface TradeStatistics {
  trades: number;
  /** P&L above zero; losses below zero; breakeven exactly zero (counted in trades, not in either). */
  wins: number;
  losses: number;
  breakeven: number;
  /** wins / trades; null without trades. */
  winRate: number | null;
  /** Sum of the winning trades' P&L, and of the losing trades' losses as a positive amount. */
  grossProfit: number;
  grossLoss: number;
  /** grossProfit / grossLoss; null when no trade lost (the ratio has no finite value). */
  profitFactor: number | null;
  /** Mean P&L per trade; null without trades. */
  expectancy: number | null;
  /** Return per trade = pnl / entryValue, or / returnBase when the trade has one (fees included in pnl); null without trades. */
  meanReturn: number | null;
  bestReturn: number | null;
  worstReturn: number | null;
}

/** Counts and ratios over closed trades, summed in close-date order. */
export function tradeStatistics(trades: readonly ClosedTrade[]): TradeStatistics {
  validateClosedTrades(trades);
  const ordered = trades
    .map((trade) => ({ trade, day: closeDate(trade) }))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
    .map(({ trade }) => trade);
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let pnlSum = 0;
  let returnSum = 0;
  let bestReturn = -Infinity;
  let worstReturn = Infinity;
  for (const trade of ordered) {
    pnlSum += trade.pnl;
    if (trade.pnl > 0) {
      wins++;
      grossProfit += trade.pnl;
    } else if (trade.pnl < 0) {
      losses++;
      grossLoss -= trade.pnl;
    }
    const tradeReturn = trade.pnl / (trade.returnBase ?? trade.entryValue);
    returnSum += tradeReturn;
    bestReturn = Math.max(bestReturn, tradeReturn);
    worstReturn = Math.min(worstReturn, tradeReturn);
  }
  const count = ordered.length;
  return {
    trades: count,
    wins,
    losses,
    breakeven: count - wins - losses,
    winRate: count === 0 ? null : wins / count,
    grossProfit,
    grossLoss,
    profitFactor: grossLoss === 0 ? null : grossProfit / grossLoss,
    expectancy: count === 0 ? null : pnlSum / count,
    meanReturn: count === 0 ? null : returnSum / count,
    bestReturn: count === 0 ? null : bestReturn,
    worstReturn: count === 0 ? null : worstReturn,
  };
}
