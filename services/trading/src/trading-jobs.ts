import type { Clock } from '@closecross/engine';
import { ScheduleStore, type JobEngine } from '@closecross/jobs';
import { withTransaction } from '@closecross/db';
import { Type } from '@sinclair/typebox';
import type { Pool } from 'pg';
import { runBacktestJob } from './backtests/backtest-job.ts';
import type { PriceReader } from './market/price-reader.ts';
import type { OrderDesk } from './orders/order-desk.ts';
import { takeSnapshots } from './performance/snapshot-job.ts';
import type { ReturnHistory } from './risk/return-history.ts';
import type { RiskEngine } from './risk/risk-engine.ts';
import { takeRiskSnapshot } from './risk/risk-snapshot-job.ts';
import { runScan } from './scans/scan-job.ts';
import { backtestJobSchemas } from './schemas/backtests.ts';
import { Side } from './schemas/orders.ts';
import { Snapshot } from './schemas/portfolio.ts';
import type { SignalDesk } from './signals/signal-desk.ts';
import type { StrategyDesk } from './strategies/strategy-desk.ts';
import type { TradingConfig } from './trading-config.ts';
import { backtestJobKind, orderSyncJobKind, riskSnapshotJobKind, scanJobKind, snapshotJobKind } from './trading-events.ts';

export interface TradingJobDeps {
  pool: Pool;
  /** The one clock: "today" of scans and snapshots, session times. */
  clock: Clock;
  config: TradingConfig;
  strategies: StrategyDesk;
  signals: SignalDesk;
  orders: OrderDesk;
  prices: PriceReader;
  risk: RiskEngine;
  returns: ReturnHistory;
}

const DayParams = Type.Object({
  date: Type.Optional(Type.String({ format: 'date', description: 'the day (YYYY-MM-DD); default: today in TRADING_TIMEZONE' })),
});

/** What each trading job kind is asked and answers: the job routes' answers show them per kind. */
export const tradingJobSchemas = {
  [scanJobKind]: {
    params: Type.Object({
      strategy_id: Type.Integer({ minimum: 1 }),
      as_of: Type.Optional(Type.String({ format: 'date', description: 'scan as of this day; default: the latest stored bars' })),
    }),
    result: Type.Object({
      strategy_id: Type.Integer(),
      symbols: Type.Integer({ description: 'symbols of the universe scanned' }),
      signals: Type.Array(Type.Object({ id: Type.Integer(), symbol: Type.String(), bar_date: Type.String(), side: Side, status: Type.String() })),
      exit_orders: Type.Integer(),
      entry_orders: Type.Integer(),
    }),
  },
  [snapshotJobKind]: {
    params: DayParams,
    result: Type.Object({
      date: Type.String(),
      snapshots: Type.Array(Snapshot),
      skipped: Type.Optional(Type.String({ description: 'why nothing was written (the market was shut that day)' })),
    }),
  },
  [riskSnapshotJobKind]: {
    params: DayParams,
    result: Type.Object({
      date: Type.String(),
      rows: Type.Integer({ description: 'risk rows stored' }),
      state_changes: Type.Integer(),
      skipped: Type.Optional(Type.String()),
    }),
  },
  [orderSyncJobKind]: {
    params: Type.Object({}, { additionalProperties: false, description: 'nothing: it syncs every open order' }),
    result: Type.Object({
      changed: Type.Integer({ description: 'open orders whose state moved at their broker' }),
      state_changes: Type.Integer({ description: 'trading states the fills moved (a daily-loss or drawdown limit)' }),
    }),
  },
} as const;

/** The trading service's job kinds on the platform's engine: scans, backtests, snapshots, risk snapshots, order sync. */
export function defineTradingJobs(engine: JobEngine, deps: TradingJobDeps): JobEngine {
  const policy = { concurrency: deps.config.TRADING_JOB_CONCURRENCY, retryLimit: deps.config.TRADING_JOB_RETRIES, scope: 'trade' };
  return (
    engine
      .define(scanJobKind, {
        ...policy,
        ...tradingJobSchemas[scanJobKind],
        handler: async ({ params, report }) => ({ result: await runScan(deps, params, report) }),
      })
      // The run itself is on a worker thread: the job's own loop only reads bars and stores the report.
      .define(backtestJobKind, {
        ...policy,
        ...backtestJobSchemas,
        handler: ({ id, params, report, signal }) => runBacktestJob(deps, params, report, { jobId: id, signal }),
      })
      .define(snapshotJobKind, {
        ...policy,
        ...tradingJobSchemas[snapshotJobKind],
        handler: async ({ params }) => ({ result: await takeSnapshots({ ...deps, timezone: deps.config.TRADING_TIMEZONE }, params) }),
      })
      .define(riskSnapshotJobKind, {
        ...policy,
        ...tradingJobSchemas[riskSnapshotJobKind],
        handler: async ({ params }) => ({ result: await takeRiskSnapshot(deps, params) }),
      })
      // Fills found by the sync can breach a daily-loss or drawdown limit with no order in sight: the states move here too.
      .define(orderSyncJobKind, {
        ...policy,
        ...tradingJobSchemas[orderSyncJobKind],
        handler: async () => {
          const changed = await deps.orders.syncOpen();
          const watched = await withTransaction(deps.pool, (client) => deps.risk.watch(client));
          return { result: { changed, state_changes: watched.stateChanges.length } };
        },
      })
  );
}

/** The service's own schedules (snapshot after the close, order sync), trading days only; made sure of at start. */
export async function ensureTradingSchedules(pool: Pool, config: TradingConfig): Promise<void> {
  const schedules = new ScheduleStore(pool);
  for (const [name, kind, cron] of [
    ['trading-daily-snapshot', snapshotJobKind, config.TRADING_SNAPSHOT_CRON],
    ['trading-order-sync', orderSyncJobKind, config.TRADING_ORDER_SYNC_CRON],
    ['trading-risk-snapshot', riskSnapshotJobKind, config.TRADING_RISK_SNAPSHOT_CRON],
  ] as const) {
    const existing = await schedules.get(name);
    // An operator's change through /schedules is kept; only a missing schedule is created.
    if (!existing) await schedules.put(name, { kind, cron, timezone: config.TRADING_TIMEZONE, trading_days_only: true, params: {}, enabled: true });
  }
}
