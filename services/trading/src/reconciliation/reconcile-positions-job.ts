/**
 * The reconciliation job (`trading-reconcile`): our net position per symbol, from the fills of
 * every order we sent through a broker, against that broker's positions. Each run is stored with
 * the differences it found; a run with differences logs `reconciliation_differences` (the stack
 * alarms on it) and records the alert of that name in the same transaction.
 */
import { utcIsoText } from '@closecross/platform';
import { recordAlert } from '@closecross/alerts';
import { withTransaction } from '@closecross/db';
import type { Pool } from 'pg';
import { reconcilePositions, type PositionDifference } from '../brokers/alpaca/index.ts';
import type { Broker } from '../brokers/broker.ts';
import type { BrokerName } from '../brokers/broker-factory.ts';
import type { Reconciliation } from '../schemas/reconciliations.ts';

export const reconcileJobKind = 'trading-reconcile';
/** The log line a run with differences writes: services/trading/service.ts declares an alarm on it. */
export const reconciliationDifferencesEvent = 'reconciliation_differences';

/** A stored run, as reconciliationColumns reads it (the API's shape). */
export type ReconciliationRun = Reconciliation;

export const reconciliationColumns = `id::int as id, broker, job_id, accounts, symbols_compared, differences, difference_count, ${utcIsoText('run_at')} as run_at`;

export interface ReconcileDeps {
  pool: Pool;
  brokerOf: (name: BrokerName) => Broker;
  /** Polls open orders first, so fills the broker made since the last poll are ours too. */
  syncOpenOrders: () => Promise<unknown>;
  log: { warn(object: object, message: string): void };
}

/** Net quantity per symbol (buys minus sells) over the fills of the orders placed through `broker`. */
async function ourNetPositions(pool: Pool, broker: BrokerName): Promise<{ symbol: string; quantity: number }[]> {
  // By the order's broker, not the account's current one: an account moved back to paper still
  // holds at Alpaca what its Alpaca orders bought, and paper fills never reach Alpaca.
  const result = await pool.query<{ symbol: string; quantity: number }>(
    `select f.symbol, sum(case when f.side = 'buy' then f.quantity else -f.quantity end)::float8 as quantity
     from trading_fill f join trading_order o on o.id = f.order_id
     where o.broker = $1 group by f.symbol order by f.symbol`,
    [broker],
  );
  return result.rows;
}

async function accountsOn(pool: Pool, broker: BrokerName): Promise<string[]> {
  const result = await pool.query<{ id: string }>('select id from trading_account where broker = $1 union select account_id from trading_order where broker = $1 order by 1', [broker]);
  return result.rows.map((row) => row.id);
}

/**
 * One reconciliation against Alpaca. With no account on it and no order ever sent to it, the
 * broker is not called (there may be no key) and the run is stored with nothing compared.
 */
export async function reconcileAlpacaPositions(deps: ReconcileDeps, jobId: string | null): Promise<ReconciliationRun> {
  const broker: BrokerName = 'alpaca';
  const accounts = await accountsOn(deps.pool, broker);
  let differences: PositionDifference[] = [];
  let symbolsCompared = 0;
  if (accounts.length > 0) {
    await deps.syncOpenOrders();
    const ours = await ourNetPositions(deps.pool, broker);
    const brokerPositions = await deps.brokerOf(broker).positions();
    symbolsCompared = new Set([...ours.map((position) => position.symbol), ...brokerPositions.map((position) => position.symbol)]).size;
    // The broker answered once above; reconcilePositions asks again through a view of that answer.
    differences = await reconcilePositions(ours, { positions: async () => brokerPositions } as Broker);
  }

  const run = await withTransaction(deps.pool, async (client) => {
    const stored = await client.query<ReconciliationRun>(
      `insert into trading_reconciliation (broker, job_id, accounts, symbols_compared, differences, difference_count)
       values ($1, $2, $3, $4, $5::jsonb, $6) returning ${reconciliationColumns}`,
      [broker, jobId, accounts, symbolsCompared, JSON.stringify(differences), differences.length],
    );
    if (differences.length > 0) await recordAlert(client, { event: 'reconciliation_differences', payload: { broker, differences } });
    return stored.rows[0]!;
  });
  if (differences.length > 0) {
    deps.log.warn(
      { event: reconciliationDifferencesEvent, broker, reconciliation_id: run.id, difference_count: differences.length, symbols: differences.map((difference) => difference.symbol) },
      `positions at ${broker} differ from ours in ${differences.length} symbol(s)`,
    );
  }
  return run;
}
