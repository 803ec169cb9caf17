import { withTransaction } from '@closecross/db';
import type { Pool } from 'pg';
import type { PriceReader } from '../market/price-reader.ts';
import { snapshotClosedReason } from '../performance/snapshot-job.ts';
import type { ReturnHistory } from './return-history.ts';
import type { RiskEngine } from './risk-engine.ts';
import { riskReport } from './risk-report.ts';

export const riskSnapshotColumns =
  "scope, to_char(date, 'YYYY-MM-DD') as date, strategy_id::int as strategy_id, gross_exposure, net_exposure, var95, var99, es95, es99, details";

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
    await deps.pool.query(
      `insert into trading_risk_snapshot (scope, date, strategy_id, gross_exposure, net_exposure, var95, var99, es95, es99, details) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (scope, date) do update set strategy_id = excluded.strategy_id, gross_exposure = excluded.gross_exposure, net_exposure = excluded.net_exposure, var95 = excluded.var95, var99 = excluded.var99,
         es95 = excluded.es95, es99 = excluded.es99, details = excluded.details, taken_at = now()`,
      [row.scope, date, row.strategy_id, row.gross, row.net, row.risk.var95, row.risk.var99, row.risk.es95, row.risk.es99, JSON.stringify(row.details)],
    );
  }
  return { date, rows: rows.length, state_changes: watched.stateChanges.length };
}
