/**
 * Reconciliation with the broker as one piece the trading plugin registers: the job kind, its
 * schedule after the close on trading days, and its routes (routes/reconciliations.ts).
 */
import { ScheduleStore, type JobEngine } from '@closecross/jobs';
import type { ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Broker } from '../brokers/broker.ts';
import type { BrokerName } from '../brokers/broker-factory.ts';
import type { OrderDesk } from '../orders/order-desk.ts';
import type { TradingConfig } from '../trading-config.ts';
import { reconciliationRoutes } from '../routes/reconciliations.ts';
import { reconcileJobSchemas } from '../schemas/reconciliations.ts';
import { reconcileAlpacaPositions, reconcileJobKind } from './reconcile-positions-job.ts';

/** After the daily snapshot (17:15): orders of the day are settled at the broker by then. Changed through /schedules. */
export const reconcileScheduleName = 'trading-reconcile';
export const reconcileDefaultCron = '30 17 * * 1-5';

export interface ReconciliationDeps {
  engine: JobEngine;
  config: TradingConfig;
  brokerOf: (name: BrokerName) => Broker;
  orders: OrderDesk;
}

export function reconciliationModule(deps: ReconciliationDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, options) => {
    const { pool } = options;
    const { engine, config } = deps;
    engine.define(reconcileJobKind, {
      ...reconcileJobSchemas,
      concurrency: config.TRADING_JOB_CONCURRENCY,
      retryLimit: config.TRADING_JOB_RETRIES,
      scope: 'trade',
      handler: async ({ id }) => ({
        result: await reconcileAlpacaPositions({ pool, brokerOf: deps.brokerOf, syncOpenOrders: () => deps.orders.syncOpen(), log: app.log }, id),
      }),
    });

    app.addHook('onReady', async () => {
      const schedules = new ScheduleStore(pool);
      // An operator's change through /schedules is kept; only a missing schedule is created.
      if (!(await schedules.get(reconcileScheduleName))) {
        await schedules.put(reconcileScheduleName, {
          kind: reconcileJobKind,
          cron: reconcileDefaultCron,
          timezone: config.TRADING_TIMEZONE,
          trading_days_only: true,
          params: {},
          enabled: true,
        });
      }
    });

    await app.register(reconciliationRoutes(engine), options);
  };
}
