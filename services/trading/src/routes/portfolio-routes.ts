import { randomUUID } from 'node:crypto';
import { withTransaction } from '@closecross/db';
import { JobViewSchema } from '@closecross/jobs';
import { ErrorResponse, InvalidInputError, NotFoundError, type ServiceContext, utcIsoText } from '@closecross/platform';
import { InvalidParameterError, parseTradeJournalCsv, performanceReport, TradeJournalError, tradeStatistics, type ClosedTrade } from '@closecross/quant';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { StrategyInput } from '../strategies/strategy-definition.ts';
import { closedTradeOf, journalStrategyNames, journalTrades } from '../performance/closed-trades.ts';
import { snapshotClosedReason, snapshotColumns, type SnapshotRow } from '../performance/snapshot-job.ts';
import { positionBookOf, positionRows } from '../positions/strategy-positions.ts';
import { backtestJobKind, snapshotJobKind } from '../trading-events.ts';
import { backtestReportJson, backtestView, type CompactReport } from '../backtests/backtest-results.ts';
import { equityCsv, tradesCsv } from '../backtests/backtest-csv.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

const errors = { 400: ErrorResponse, 404: ErrorResponse };
const StrategyQuery = Type.Object({ strategy_id: Type.Optional(Type.Integer({ minimum: 1 })) });
const Position = Type.Object({
  strategy_id: Type.Union([Type.Integer(), Type.Null()]),
  symbol: Type.String(),
  quantity: Type.Number(),
  average_cost: Type.Number(),
  realized_pnl: Type.Number(),
  unrealized_pnl: Type.Number(),
  last_price: Type.Union([Type.Number(), Type.Null()]),
  fees: Type.Number(),
  open_lots: Type.Integer(),
});
const Accepted = Type.Object({ job_id: Type.String(), href: Type.String() });

export function portfolioRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    const strategyIds = async (strategyId: number | undefined): Promise<(number | null)[]> => {
      if (strategyId !== undefined) return [(await deps.strategies.get(strategyId)).id];
      return [...(await pool.query<{ id: number }>('select id::int as id from trading_strategy order by id')).rows.map((row) => row.id), null];
    };
    const nameOf = async (strategyId: number | null) => (strategyId === null ? 'manual' : (await deps.strategies.get(strategyId)).name);

    app.get(
      '/trading/positions',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Positions per strategy and symbol: net quantity, average cost of open lots, realized P&L (by lot: exits close their own lot, other fills FIFO; net of fees), unrealized at the latest price',
          querystring: StrategyQuery,
          response: { 200: Type.Object({ positions: Type.Array(Position) }), ...errors },
        },
      },
      async (request) => {
        const positions = [];
        for (const id of await strategyIds(request.query.strategy_id)) {
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
          querystring: Type.Object({ strategy_id: Type.Integer({ minimum: 1 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 500 })) }),
          response: { 200: Type.Object({ strategy_id: Type.Integer(), balance: Type.Number(), entries: Type.Array(Type.Object({ kind: Type.String(), amount: Type.Number(), note: Type.Union([Type.String(), Type.Null()]), at: Type.String() })) }), ...errors },
        },
      },
      async (request) => {
        await deps.strategies.get(request.query.strategy_id);
        const balance = (await pool.query<{ balance: number }>('select coalesce(sum(amount), 0)::float8 as balance from trading_cash_entry where strategy_id = $1', [request.query.strategy_id])).rows[0]!.balance;
        const entries = await pool.query(
          `select kind, amount, note, ${utcIsoText('at')} as at from trading_cash_entry where strategy_id = $1 order by at desc, id desc limit $2`,
          [request.query.strategy_id, request.query.limit ?? 500],
        );
        return { strategy_id: request.query.strategy_id, balance, entries: entries.rows };
      },
    );

    const Snapshot = Type.Object({ scope: Type.String(), date: Type.String(), strategy_id: Type.Union([Type.Integer(), Type.Null()]), realized: Type.Number(), unrealized: Type.Number(), equity: Type.Number(), cash: Type.Number(), exposure: Type.Number(), peak_equity: Type.Number(), drawdown: Type.Number() });
    const RangeQuery = Type.Object({ strategy_id: Type.Optional(Type.Integer({ minimum: 1 })), start: Type.Optional(Type.String({ format: 'date' })), end: Type.Optional(Type.String({ format: 'date' })) });
    const snapshotsOf = async (strategyId: number | undefined, start?: string, end?: string) => {
      const scope = strategyId === undefined ? 'total' : `strategy:${strategyId}`;
      return (await pool.query<SnapshotRow>(`select ${snapshotColumns} from trading_snapshot where scope = $1 and ($2::date is null or date >= $2::date) and ($3::date is null or date <= $3::date) order by date`, [scope, start ?? null, end ?? null])).rows;
    };
    app.get('/trading/snapshots', { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'Daily snapshots of a strategy, or in total', querystring: RangeQuery, response: { 200: Type.Object({ snapshots: Type.Array(Snapshot) }) } } }, async (request) => ({
      snapshots: await snapshotsOf(request.query.strategy_id, request.query.start, request.query.end),
    }));
    app.post(
      '/trading/snapshots',
      { config: { scope: 'trade' }, schema: { tags: ['trading'], summary: 'Takes the daily snapshot now, as a job (it also runs after every close); none on a day the NYSE is shut', body: Type.Optional(Type.Object({ date: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false })), response: { 202: Accepted } } },
      async (request, reply) => {
        const closed = request.body?.date ? snapshotClosedReason(request.body.date) : undefined;
        if (closed) throw new InvalidInputError(`body/date: ${closed}; give a trading day`);
        const jobId = await deps.engine.enqueue(snapshotJobKind, request.body ?? {}, { createdBy: request.principal?.name });
        return reply.status(202).send({ job_id: jobId, href: `/jobs/${jobId}` });
      },
    );

    const PerformanceQuery = Type.Object({
      strategy_id: Type.Optional(Type.Integer({ minimum: 1 })),
      strategy: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'a strategy by name: a stored one, or one whose trades came in a journal (POST /trading/journal)' })),
      start: Type.Optional(Type.String({ format: 'date' })),
      end: Type.Optional(Type.String({ format: 'date' })),
    });
    app.get(
      '/trading/performance',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Performance of a strategy (by id, or by name, journal strategies included) or of all: P&L windows and series, trade statistics, Sharpe, Sortino, drawdown, and each strategy by name',
          querystring: PerformanceQuery,
          response: { 200: Type.Any(), ...errors },
        },
      },
      async (request) => {
        const { strategy: strategyName, start, end } = request.query;
        let strategyId = request.query.strategy_id;
        if (strategyId !== undefined && strategyName !== undefined) throw new InvalidInputError('querystring: give strategy_id or strategy (a name), not both');
        const trades: ClosedTrade[] = [];
        if (strategyName !== undefined) {
          // A stored strategy of that name counts its own trades and equity; journal trades count by name alone.
          strategyId = (await pool.query<{ id: number }>('select id::int as id from trading_strategy where name = $1', [strategyName])).rows[0]?.id;
          const fromJournal = await journalTrades(pool, strategyName);
          if (strategyId === undefined && fromJournal.length === 0) {
            throw new NotFoundError(`no strategy named ${JSON.stringify(strategyName)}: neither a stored strategy nor one in an imported journal (known journal strategies: ${(await journalStrategyNames(pool)).join(', ') || 'none'})`);
          }
          if (strategyId !== undefined) trades.push(...(await positionBookOf(pool, strategyId)).closed.map((trip) => closedTradeOf(strategyName, trip)));
          trades.push(...fromJournal);
        } else {
          for (const id of await strategyIds(strategyId)) {
            const name = await nameOf(id);
            trades.push(...(await positionBookOf(pool, id)).closed.map((trip) => closedTradeOf(name, trip)));
          }
          trades.push(...(await journalTrades(pool, strategyId === undefined ? undefined : await nameOf(strategyId))));
        }
        const inRange = trades.filter((trade) => (!start || trade.exitAt.slice(0, 10) >= start) && (!end || trade.exitAt.slice(0, 10) <= end));
        // Equity snapshots exist for stored strategies (and in total); a journal strategy has its trades only.
        const snapshots = strategyName !== undefined && strategyId === undefined ? [] : (await snapshotsOf(strategyId, start, end)).map(({ date, equity: value }) => ({ date, equity: value }));
        // Daily returns divide by equity: a book with no capital (manual orders only, equity 0 or
        // below) has no return series, so its report gives trade figures without return ratios.
        const equity = snapshots.every((point) => point.equity > 0) ? snapshots : [];
        try {
          const names = [...new Set(inRange.map((trade) => trade.strategy))].sort();
          const byStrategy = names.map((name) => ({ strategy: name, ...tradeStatistics(inRange.filter((trade) => trade.strategy === name)) }));
          return {
            strategy_id: strategyId ?? null,
            strategy: strategyName ?? (strategyId === undefined ? null : await nameOf(strategyId)),
            start: start ?? null,
            end: end ?? null,
            ...performanceReport({ trades: inRange, dailyEquity: equity, ...(end ? { asOf: end } : {}) }),
            by_strategy: byStrategy,
          };
        } catch (error) {
          if (error instanceof InvalidParameterError) throw new InvalidInputError(error.message);
          throw error;
        }
      },
    );

    // The journal comes as CSV; parsed in the handler so a bad line answers 400 naming it.
    app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.post(
      '/trading/journal',
      {
        config: { scope: 'trade' },
        // A journal of many years of round trips: larger than the platform's small default.
        bodyLimit: 32 * 1024 * 1024,
        schema: {
          tags: ['trading'],
          summary: 'Imports closed trades from a CSV journal (one row per round trip), all or nothing: a bad line is a 400 naming it and nothing is imported',
          querystring: Type.Object({ strategy: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'for rows without a strategy column' })) }),
          body: Type.String({ minLength: 1 }),
          response: { 201: Type.Object({ import_id: Type.String(), imported: Type.Integer(), strategies: Type.Array(Type.String({ description: 'the strategy names the trades count for: GET /trading/performance?strategy=<name>' })) }), ...errors },
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
        await withTransaction(pool, async (client) => {
          for (const [index, trade] of trades.entries()) {
            await client.query(
              `insert into trading_journal_trade (import_id, line, strategy, symbol, side, quantity, entry_value, exit_value, entry_at, exit_at, fees, pnl, return_base, imported_by)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
              [importId, index + 2, trade.strategy, trade.symbol, trade.side, trade.quantity, trade.entryValue, trade.exitValue, trade.entryAt, trade.exitAt, trade.fees, trade.pnl, trade.returnBase ?? null, request.principal?.name ?? null],
            );
          }
        });
        return reply.status(201).send({ import_id: importId, imported: trades.length, strategies: [...new Set(trades.map((trade) => trade.strategy))].sort() });
      },
    );

    const BacktestCostsBody = Type.Object(
      {
        fee_per_share: Type.Optional(Type.Number({ minimum: 0 })),
        fee_bps: Type.Optional(Type.Number({ minimum: 0 })),
        fee_minimum: Type.Optional(Type.Number({ minimum: 0 })),
        fee_max_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'cap of a fee as a share of the notional (0: none)' })),
        slippage_bps: Type.Optional(Type.Number({ minimum: 0 })),
        volume_participation: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
        seed: Type.Optional(Type.Integer({ minimum: 0 })),
      },
      { additionalProperties: false, description: "overrides, field by field, the account's costs (the engine's stated defaults when the account sets none)" },
    );
    app.post(
      '/trading/backtests',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Backtests a stored strategy (strategy_id) or one not stored (strategy) on the engine, in a worker thread, as a job: its report (trades, equity and drawdown, exposure, fees, Sharpe/Sortino, open positions at the end) is stored compressed and exported as JSON and CSV',
          body: Type.Object(
            {
              strategy_id: Type.Optional(Type.Integer({ minimum: 1 })),
              strategy: Type.Optional(StrategyInput),
              start: Type.Optional(Type.String({ format: 'date', description: 'first day of bars fed to the strategy (its warm-up counts from here)' })),
              end: Type.Optional(Type.String({ format: 'date' })),
              costs: Type.Optional(BacktestCostsBody),
              decision: Type.Optional(
                Type.Union([Type.Literal('after_close'), Type.Literal('close_auction')], {
                  description: "after_close (default, as paper and live): a daily bar is decided after its close, a market-on-close entry fills at the next session's close; close_auction: at the closing auction's cut-off, filling at that session's close (the reference's convention)",
                }),
              ),
              starting_cash: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "default: the strategy's allocation" })),
              price_decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 8, description: "decimals fills are priced to (default: the instrument's, 4 for equities)" })),
            },
            { additionalProperties: false },
          ),
          response: { 202: Accepted, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if ((body.strategy_id === undefined) === (body.strategy === undefined)) throw new InvalidInputError('body: give strategy_id or strategy, not both');
        if (body.strategy_id !== undefined) await deps.strategies.get(body.strategy_id);
        // A strategy not stored is checked as a create would check it (code, parameters by its schema): a 400 now, not a failed job.
        if (body.strategy !== undefined) await deps.strategies.prepare(body.strategy);
        if (body.start && body.end && body.start > body.end) throw new InvalidInputError(`body/start (${body.start}) must not be after end (${body.end})`);
        const jobId = await deps.engine.enqueue(backtestJobKind, body, { createdBy: request.principal?.name });
        return reply.status(202).send({ job_id: jobId, href: `/trading/backtests/${jobId}` });
      },
    );
    const BacktestId = Type.Object({ id: Type.String({ format: 'uuid' }) });
    const backtestJob = async (id: string) => {
      const job = await deps.engine.get(id);
      if (!job || job.kind !== backtestJobKind) throw new NotFoundError(`backtest ${id} does not exist`);
      return job;
    };
    const storedReport = async (id: string): Promise<CompactReport> => {
      const job = await backtestJob(id);
      const json = await backtestReportJson(pool, id);
      if (json === undefined) throw new NotFoundError(`backtest ${id} has no report (${job.status === 'succeeded' ? 'it ran before reports were stored' : `it is ${job.status}`})`);
      return JSON.parse(json) as CompactReport;
    };
    app.get(
      '/trading/backtests/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "A backtest job: status, then its result: the engine's summary, the trades, daily equity and performance, the positions open at the end (valued, flagged) and the export links",
          params: BacktestId,
          response: { 200: JobViewSchema, ...errors },
        },
      },
      async (request) => {
        const job = await backtestJob(request.params.id);
        if (job.status !== 'succeeded' || !job.result || typeof job.result !== 'object' || !('backtest_id' in job.result)) return job;
        const json = await backtestReportJson(pool, request.params.id);
        return json === undefined ? job : { ...job, result: backtestView(job.result as Record<string, unknown>, JSON.parse(json) as CompactReport) };
      },
    );
    const ExportQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'json: the whole report; csv: the trades (default json)' })) });
    app.get(
      '/trading/backtests/:id/report',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: "A backtest's report: the engine's JSON (columns), or ?format=csv for the trades", params: BacktestId, querystring: ExportQuery, produces: ['application/json', 'text/csv'], response: { 200: Type.String(), ...errors } } },
      async (request, reply) => {
        if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="backtest-${request.params.id}-trades.csv"`).send(tradesCsv(await storedReport(request.params.id)));
        await backtestJob(request.params.id);
        const json = await backtestReportJson(pool, request.params.id);
        if (json === undefined) throw new NotFoundError(`backtest ${request.params.id} has no report`);
        return reply.type('application/json; charset=utf-8').send(json);
      },
    );
    app.get(
      '/trading/backtests/:id/report.json',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: "A backtest's whole report as JSON (the engine's columns)", params: BacktestId, produces: ['application/json'], response: { 200: Type.String(), ...errors } } },
      async (request, reply) => {
        await backtestJob(request.params.id);
        const json = await backtestReportJson(pool, request.params.id);
        if (json === undefined) throw new NotFoundError(`backtest ${request.params.id} has no report`);
        return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="backtest-${request.params.id}.json"`).send(json);
      },
    );
    app.get(
      '/trading/backtests/:id/trades.csv',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: "A backtest's trades as CSV: the closed ones, then the positions open at the end (status open_at_end, valued at their last price)", params: BacktestId, produces: ['text/csv'], response: { 200: Type.String(), ...errors } } },
      async (request, reply) => reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="backtest-${request.params.id}-trades.csv"`).send(tradesCsv(await storedReport(request.params.id))),
    );
    app.get(
      '/trading/backtests/:id/equity.csv',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: "A backtest's equity curve as CSV: time, equity, drawdown, gross exposure", params: BacktestId, produces: ['text/csv'], response: { 200: Type.String(), ...errors } } },
      async (request, reply) => reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="backtest-${request.params.id}-equity.csv"`).send(equityCsv(await storedReport(request.params.id))),
    );
  };
}
