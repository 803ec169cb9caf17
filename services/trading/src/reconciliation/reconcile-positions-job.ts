/**
 * The reconciliation job (`trading-reconcile`): our net position per symbol, from the fills of
 * every order we sent through a broker, against that broker's positions. Each run is stored with
 * the differences it found; a run with differences logs `reconciliation_differences` (the stack
 * alarms on it) and records the alert of that name in the same transaction.
 */
import { recordAlert } from '@closecross/alerts';
import { withTransaction } from '@closecross/db';
import type { Pool } from 'pg';
import { reconcilePositions, type PositionDifference } from '../brokers/alpaca/index.ts';
import type { Broker } from '../brokers/broker.ts';
import type { BrokerName } from '../brokers/broker-factory.ts';
import type { Reconciliation } from '../schemas/reconciliations.ts';
import { accountIdsOn } from '../store/trading-account.ts';
import { netQuantitiesThrough } from '../store/trading-fill.ts';
import { insertReconciliation } from '../store/trading-reconciliation.ts';

export const reconcileJobKind = 'trading-reconcile';
/** The log line a run with differences writes: services/trading/service.ts declares an alarm on it. */
export const reconciliationDifferencesEvent = 'reconciliation_differences';

/** A stored run (store/trading-reconciliation.ts), the API's shape. */
export type ReconciliationRun = Reconciliation;

export interface ReconcileDeps {
  pool: Pool;
  brokerOf: (name: BrokerName) => Broker;
  /** Polls open orders first, so fills the broker made since the last poll are ours too. */
  syncOpenOrders: () => Promise<unknown>;
  log: { warn(object: object, message: string): void };
}

/**
 * One reconciliation against Alpaca. With no account on it and no order ever sent to it, the
 * broker is not called (there may be no key) and the run is stored with nothing compared.
 */
export async function reconcileAlpacaPositions(deps: ReconcileDeps, jobId: string | null): Promise<ReconciliationRun> {
  const broker: BrokerName = 'alpaca';
  const accounts = await accountIdsOn(deps.pool, broker);
  let differences: PositionDifference[] = [];
  let symbolsCompared = 0;
  if (accounts.length > 0) {
    await deps.syncOpenOrders();
    const ours = await netQuantitiesThrough(deps.pool, broker);
    const brokerPositions = await deps.brokerOf(broker).positions();
    symbolsCompared = new Set([...ours.map((position) => position.symbol), ...brokerPositions.map((position) => position.symbol)]).size;
    // The broker answered once above; reconcilePositions asks again through a view of that answer.
    differences = await reconcilePositions(ours, { positions: async () => brokerPositions } as Broker);
  }

  const run = await withTransaction(deps.pool, async (client) => {
    const stored = await insertReconciliation(client, { broker, jobId, accounts, symbolsCompared, differences });
    if (differences.length > 0) await recordAlert(client, { event: 'reconciliation_differences', payload: { broker, differences } });
    return stored;
  });
  if (differences.length > 0) {
    deps.log.warn(
      {
        event: reconciliationDifferencesEvent,
        broker,
        reconciliation_id: run.id,
        difference_count: differences.length,
        symbols: differences.map((difference) => difference.symbol),
      },
      `positions at ${broker} differ from ours in ${differences.length} symbol(s)`,
    );
  }
  return run;
}
