import type { Pool } from 'pg';
import { PositionBook } from './position-book.ts';

/**
 * A strategy's position book, replayed from its stored fills (the same book backtests keep in
 * memory); with `asOf`, from the fills made up to that instant only (a snapshot of a past day).
 */
export async function positionBookOf(pool: Pool, strategyId: number | null, asOf?: Date): Promise<PositionBook> {
  const result = await pool.query<{ symbol: string; side: 'buy' | 'sell'; quantity: number; price: number; fee: number; date: string; order_id: string; closes_lot: string | null }>(
    `select f.symbol, f.side, f.quantity, f.price, f.fee, to_char(f.trade_date, 'YYYY-MM-DD') as date, f.order_id, o.closes_lot
     from trading_fill f join trading_order o on o.id = f.order_id
     where f.strategy_id is not distinct from $1 and ($2::timestamptz is null or f.at <= $2) order by f.at, f.fill_id`,
    [strategyId, asOf ?? null],
  );
  const book = new PositionBook();
  for (const row of result.rows) book.apply({ symbol: row.symbol, side: row.side, quantity: row.quantity, price: row.price, fee: row.fee, date: row.date, orderId: row.order_id, closesLot: row.closes_lot ?? undefined });
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
