import type { ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { positionBookOf, positionRows } from '../positions/strategy-positions.ts';
import { errors } from '../schemas/common.ts';
import { CashLedger, CashQuery, PositionList, StrategyQuery } from '../schemas/portfolio.ts';
import { cashBalance, cashEntries } from '../store/trading-cash-entry.ts';
import { strategyIdList } from '../store/trading-strategy.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

/** Positions per strategy and symbol, and a strategy's cash ledger. */
export function positionRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    app.get(
      '/trading/positions',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary:
            'Positions per strategy and symbol: net quantity, average cost of open lots, realized P&L (by lot: exits close their own lot, other fills FIFO; net of fees), unrealized at the latest price',
          querystring: StrategyQuery,
          response: { 200: PositionList, ...errors },
        },
      },
      async (request) => {
        const strategyId = request.query.strategy_id;
        const ids = strategyId !== undefined ? [(await deps.strategies.get(strategyId)).id] : [...(await strategyIdList(pool)), null];
        const positions = [];
        for (const id of ids) {
          const book = await positionBookOf(pool, id);
          positions.push(...positionRows(id, book, await deps.prices.markPrices(book.symbols())));
        }
        return { positions };
      },
    );

    app.get(
      '/trading/cash',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "A strategy's cash ledger (allocation, trades, fees) and its balance",
          querystring: CashQuery,
          response: { 200: CashLedger, ...errors },
        },
      },
      async (request) => {
        const { strategy_id: strategyId, limit } = request.query;
        await deps.strategies.get(strategyId);
        const balance = await cashBalance(pool, strategyId);
        return { strategy_id: strategyId, balance, entries: await cashEntries(pool, strategyId, limit ?? 500) };
      },
    );
  };
}
