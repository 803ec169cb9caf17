import { randomUUID } from 'node:crypto';
import { InvalidInputError, type ServiceContext } from '@closecross/platform';
import { parseTradeJournalCsv, TradeJournalError, type ClosedTrade } from '@closecross/quant';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { performanceView, type PerformanceReads } from '../performance/performance-view.ts';
import { snapshotClosedReason } from '../performance/snapshot-job.ts';
import { positionBookOf } from '../positions/strategy-positions.ts';
import { Accepted, errors } from '../schemas/common.ts';
import { JournalBody, JournalImported, JournalQuery, PerformanceQuery, PerformanceView, RangeQuery, SnapshotList } from '../schemas/portfolio.ts';
import { SnapshotPost } from '../schemas/risk.ts';
import { insertJournalTrades, journalStrategyNames, journalTrades } from '../store/trading-journal-trade.ts';
import { snapshotsOf } from '../store/trading-snapshot.ts';
import { strategyIdList, strategyIdNamed } from '../store/trading-strategy.ts';
import { snapshotJobKind } from '../trading-events.ts';
import { acceptCsvText } from './csv-body.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

/** Daily snapshots, performance (stored strategies and imported journals) and the journal import. */
export function performanceRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    const scopeOf = (strategyId: number | undefined) => (strategyId === undefined ? 'total' : `strategy:${strategyId}`);
    const reads: PerformanceReads = {
      strategyIds: async (strategyId) => (strategyId !== undefined ? [(await deps.strategies.get(strategyId)).id] : [...(await strategyIdList(pool)), null]),
      strategyIdNamed: (name) => strategyIdNamed(pool, name),
      nameOf: async (strategyId) => (strategyId === null ? 'manual' : (await deps.strategies.get(strategyId)).name),
      closedTrips: async (strategyId) => (await positionBookOf(pool, strategyId)).closed,
      journalTrades: (strategy) => journalTrades(pool, strategy),
      journalStrategyNames: () => journalStrategyNames(pool),
      snapshots: (strategyId, start, end) => snapshotsOf(pool, scopeOf(strategyId), start ?? null, end ?? null),
    };

    app.get(
      '/trading/snapshots',
      {
        config: { scope: 'read' },
        schema: { tags: ['trading'], summary: 'Daily snapshots of a strategy, or in total', querystring: RangeQuery, response: { 200: SnapshotList } },
      },
      async (request) => ({
        snapshots: await reads.snapshots(request.query.strategy_id, request.query.start, request.query.end),
      }),
    );
    app.post(
      '/trading/snapshots',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Takes the daily snapshot now, as a job (it also runs after every close); none on a day the NYSE is shut',
          body: SnapshotPost,
          response: { 202: Accepted },
        },
      },
      async (request, reply) => {
        const closed = request.body?.date ? snapshotClosedReason(request.body.date) : undefined;
        if (closed) throw new InvalidInputError(`body/date: ${closed}; give a trading day`);
        const jobId = await deps.engine.enqueue(snapshotJobKind, request.body ?? {}, { createdBy: request.principal?.name });
        return reply.status(202).send({ job_id: jobId, href: `/jobs/${jobId}` });
      },
    );

    app.get(
      '/trading/performance',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary:
            'Performance of a strategy (by id, or by name, journal strategies included) or of all: P&L windows and series, trade statistics, Sharpe, Sortino, drawdown, and each strategy by name',
          querystring: PerformanceQuery,
          response: { 200: PerformanceView, ...errors },
        },
      },
      async (request) => performanceView(reads, request.query),
    );

    acceptCsvText(app);
    app.post(
      '/trading/journal',
      {
        config: { scope: 'trade' },
        // A journal of many years of round trips: larger than the platform's small default.
        bodyLimit: 32 * 1024 * 1024,
        schema: {
          tags: ['trading'],
          summary: 'Imports closed trades from a CSV journal (one row per round trip), all or nothing: a bad line is a 400 naming it and nothing is imported',
          querystring: JournalQuery,
          body: JournalBody,
          response: { 201: JournalImported, ...errors },
        },
      },
      async (request, reply) => {
        let trades: ClosedTrade[];
        try {
          trades = parseTradeJournalCsv(request.body, request.query.strategy ? { defaultStrategy: request.query.strategy } : {});
        } catch (error) {
          if (error instanceof TradeJournalError) throw new InvalidInputError(`CSV ${error.message}`);
          throw error;
        }
        const importId = randomUUID();
        await insertJournalTrades(pool, importId, trades, request.principal?.name ?? null);
        return reply.status(201).send({ import_id: importId, imported: trades.length, strategies: [...new Set(trades.map((trade) => trade.strategy))].sort() });
      },
    );
  };
}
