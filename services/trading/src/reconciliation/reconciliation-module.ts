/**
 * Reconciliation with the broker as one piece the trading plugin registers: the job kind, its
 * schedule after the close on trading days, and the routes to run it and read its runs.
 */
import { ScheduleStore, type JobEngine } from '@closecross/jobs';
import { ErrorResponse, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Broker } from '../brokers/broker.ts';
import type { BrokerName } from '../brokers/broker-factory.ts';
import type { OrderDesk } from '../orders/order-desk.ts';
import type { TradingConfig } from '../trading-config.ts';
import { reconcileAlpacaPositions, reconcileJobKind, reconciliationColumns, type ReconciliationRun } from './reconcile-positions-job.ts';

/** After the daily snapshot (17:15): orders of the day are settled at the broker by then. Changed through /schedules. */
export const reconcileScheduleName = 'trading-reconcile';
export const reconcileDefaultCron = '30 17 * * 1-5';

export interface ReconciliationDeps {
  engine: JobEngine;
  config: TradingConfig;
  brokerOf: (name: BrokerName) => Broker;
  orders: OrderDesk;
}

const Difference = Type.Object({ symbol: Type.String(), ours: Type.Number(), theirs: Type.Number() });
const Reconciliation = Type.Object({
  id: Type.Integer(),
  broker: Type.String(),
  job_id: Type.Union([Type.String(), Type.Null()]),
  accounts: Type.Array(Type.String()),
  symbols_compared: Type.Integer(),
  differences: Type.Array(Difference),
  difference_count: Type.Integer(),
  run_at: Type.String({ format: 'date-time' }),
});

export function reconciliationModule(deps: ReconciliationDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    const { engine, config } = deps;
    engine.define(reconcileJobKind, {
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
        await schedules.put(reconcileScheduleName, { kind: reconcileJobKind, cron: reconcileDefaultCron, timezone: config.TRADING_TIMEZONE, trading_days_only: true, params: {}, enabled: true });
      }
    });

    app.post(
      '/trading/reconciliations',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: "Compares our positions with the broker's now, as a job (it also runs after every close)",
          body: Type.Optional(Type.Object({}, { additionalProperties: false })),
          response: { 202: Type.Object({ job_id: Type.String(), href: Type.String() }) },
        },
      },
      async (request, reply) => {
        const jobId = await engine.enqueue(reconcileJobKind, {}, { createdBy: request.principal?.name });
        return reply.status(202).send({ job_id: jobId, href: `/jobs/${jobId}` });
      },
    );

    app.get(
      '/trading/reconciliations',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "Reconciliation runs, newest first, each with the symbols where our net quantity and the broker's differ",
          querystring: Type.Object({
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
            with_differences: Type.Optional(Type.Boolean({ description: 'only the runs that found differences' })),
          }),
          response: { 200: Type.Object({ reconciliations: Type.Array(Reconciliation) }), 400: ErrorResponse },
        },
      },
      async (request) => {
        const { limit, with_differences: withDifferences } = request.query;
        const runs = await pool.query<ReconciliationRun>(
          `select ${reconciliationColumns} from trading_reconciliation where ($1::boolean is not true or difference_count > 0) order by run_at desc, id desc limit $2`,
          [withDifferences ?? null, limit],
        );
        return { reconciliations: runs.rows };
      },
    );
  };
}
