import { withTransaction } from '@closecross/db';
import type { Pool } from 'pg';
import type { PriceReader } from '../market/price-reader.ts';
import { snapshotClosedReason } from '../performance/snapshot-job.ts';
import type { ReturnHistory } from './return-history.ts';
import type { RiskEngine } from './risk-engine.ts';
import { riskReport } from './risk-report.ts';
import { storeRiskSnapshot } from '../store/trading-risk-snapshot.ts';

/**
 * After the close: breaches looked for (a loss that came with no order still moves the state),
 * then the day's risk kept per strategy and in total (exposures, VaR and ES, contributions, how
 * close each limit is), so GET /trading/risk/history shows how the maximum risk moves day by day.
 * Taken twice the same day, it is replaced. On a day the market was shut, nothing is kept.
 */
export async function takeRiskSnapshot(
  deps: { pool: Pool; prices: PriceReader; returns: ReturnHistory; risk: RiskEngine },
  params: { date?: string } = {},
): Promise<{ date: string; rows: number; state_changes: number; skipped?: string }> {
  const date = params.date ?? deps.risk.today();
  const closed = snapshotClosedReason(date);
  if (closed) return { date, rows: 0, state_changes: 0, skipped: closed };
  const watched = await withTransaction(deps.pool, (client) => deps.risk.watch(client));
  // Bars imported during the day count from the next snapshot on.
  deps.returns.clear();
  const report = await riskReport({ ...deps, today: date });
  const rows = [
    {
      scope: 'total',
      strategy_id: null,
      gross: report.total.gross,
      net: report.total.net,
      risk: report.total,
      details: {
        state: report.state,
        limits: report.limits.filter((use) => use.scope === 'global'),
        symbols: report.symbols,
        var_window_days: report.var_window_days,
        returns_to: report.returns_to,
      },
    },
    ...report.strategies
      .filter((strategy) => strategy.strategy_id !== null)
      .map((strategy) => ({
        scope: `strategy:${strategy.strategy_id}`,
        strategy_id: strategy.strategy_id,
        gross: strategy.gross,
        net: strategy.net,
        risk: strategy,
        details: {
          state: strategy.state,
          contribution_es99: strategy.contribution_es99,
          contribution_share: strategy.contribution_share,
          allocation_use: strategy.allocation_use,
          limits: report.limits.filter((use) => use.scope === `strategy:${strategy.strategy_id}`),
        },
      })),
  ];
  for (const row of rows) {
    await storeRiskSnapshot(deps.pool, {
      scope: row.scope,
      date,
      strategyId: row.strategy_id,
      gross: row.gross,
      net: row.net,
      risk: row.risk,
      details: row.details,
    });
  }
  return { date, rows: rows.length, state_changes: watched.stateChanges.length };
}
