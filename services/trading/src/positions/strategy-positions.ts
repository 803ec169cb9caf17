import type { Pool } from 'pg';
import { strategyFills } from '../store/trading-fill.ts';
import { PositionBook } from './position-book.ts';

/**
 * A strategy's position book, replayed from its stored fills (the same book backtests keep in
 * memory); with `asOf`, from the fills made up to that instant only (a snapshot of a past day).
 */
export async function positionBookOf(pool: Pool, strategyId: number | null, asOf?: Date): Promise<PositionBook> {
  const fills = await strategyFills(pool, strategyId, asOf ?? null);
  const book = new PositionBook();
  for (const row of fills)
    book.apply({
      symbol: row.symbol,
      side: row.side,
      quantity: row.quantity,
      price: row.price,
      fee: row.fee,
      date: row.date,
      orderId: row.order_id,
      closesLot: row.closes_lot ?? undefined,
    });
  return book;
}

export interface PositionRow {
  strategy_id: number | null;
  symbol: string;
  quantity: number;
  average_cost: number;
  realized_pnl: number;
  unrealized_pnl: number;
  last_price: number | null;
  fees: number;
  open_lots: number;
}

/** Positions of a strategy (null: manual orders) with unrealized P&L at the latest price. */
export function positionRows(strategyId: number | null, book: PositionBook, prices: ReadonlyMap<string, number>): PositionRow[] {
  return book.symbols().map((symbol) => {
    const position = book.position(symbol);
    const price = prices.get(symbol);
    return {
      strategy_id: strategyId,
      symbol,
      quantity: position.quantity,
      average_cost: position.averageCost,
      realized_pnl: position.realized,
      unrealized_pnl: price === undefined ? 0 : book.unrealized(symbol, price),
      last_price: price ?? null,
      fees: position.fees,
      open_lots: position.openLots,
    };
  });
}
