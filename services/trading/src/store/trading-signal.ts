/** SQL on trading_signal: a strategy's signals, their expiry and the decisions on them. */
import { utcIsoColumn } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import type { SignalView } from '../schemas/strategies.ts';

type Db = Pool | PoolClient;

const signalColumns = `id::int as id, strategy_id::int as strategy_id, symbol, to_char(bar_date, 'YYYY-MM-DD') as bar_date, ${utcIsoColumn('bar_at')}, side, price, quantity::float8 as quantity, status, ${utcIsoColumn('expires_at')},
  decided_by, ${utcIsoColumn('decided_at')}, decision_note, order_id, ${utcIsoColumn('created_at')}`;

export interface NewSignal {
  strategyId: number;
  symbol: string;
  barDate: string;
  /** The intraday bar's or tick's instant; null for a daily bar. */
  barAt: Date | null;
  side: SignalView['side'];
  price: number;
  quantity: number | null;
  expiresAt: Date;
}

/** Stores a pending signal once per strategy, symbol, bar date, bar instant and side; undefined when it was stored before. */
export async function insertSignal(db: Db, signal: NewSignal): Promise<SignalView | undefined> {
  const result = await db.query<SignalView>(
    `insert into trading_signal (strategy_id, symbol, bar_date, bar_at, side, price, quantity, status, expires_at) values ($1, $2, $3, $4, $5, $6, $8, 'pending', $7)
     on conflict on constraint trading_signal_once do nothing returning ${signalColumns}`,
    [signal.strategyId, signal.symbol, signal.barDate, signal.barAt, signal.side, signal.price, signal.expiresAt, signal.quantity],
  );
  return result.rows[0];
}

/** The signal; with `forUpdate`, its row locked for the caller's transaction. */
export async function signalById(db: Db, id: number, forUpdate = false): Promise<SignalView | undefined> {
  return (await db.query<SignalView>(`select ${signalColumns} from trading_signal where id = $1${forUpdate ? ' for update' : ''}`, [id])).rows[0];
}

export interface SignalFilter {
  strategyId: number | null;
  status: string | null;
  limit: number;
}

/** Signals, newest bar first. */
export async function listSignals(db: Db, filter: SignalFilter): Promise<SignalView[]> {
  const result = await db.query<SignalView>(
    `select ${signalColumns} from trading_signal where ($1::bigint is null or strategy_id = $1) and ($2::text is null or status = $2)
     order by bar_date desc, id desc limit $3`,
    [filter.strategyId, filter.status, filter.limit],
  );
  return result.rows;
}

/** Pending signals whose entry window passed by `now` become expired (by the system); answers how many. */
export async function expireSignalsDue(db: Db, now: Date): Promise<number> {
  const result = await db.query(
    "update trading_signal set status = 'expired', decided_at = $1, decided_by = 'system', decision_note = 'entry window passed' where status = 'pending' and expires_at <= $1",
    [now],
  );
  return result.rowCount ?? 0;
}

/** A person's (or a scan's) decision on a signal, now. */
export async function decideSignal(db: Db, id: number, status: 'approved' | 'rejected', by: string, note: string | null): Promise<SignalView> {
  const result = await db.query<SignalView>(
    `update trading_signal set status = $2, decided_by = $3, decided_at = now(), decision_note = $4 where id = $1 returning ${signalColumns}`,
    [id, status, by, note],
  );
  return result.rows[0]!;
}

/** An approved signal's entry order was placed. */
export async function markSignalOrdered(db: Db, id: number, orderId: string): Promise<SignalView> {
  const result = await db.query<SignalView>(`update trading_signal set status = 'ordered', order_id = $2 where id = $1 returning ${signalColumns}`, [
    id,
    orderId,
  ]);
  return result.rows[0]!;
}
