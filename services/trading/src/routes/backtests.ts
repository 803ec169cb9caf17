import { InvalidInputError, NotFoundError, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { equityCsv, tradesCsv } from '../backtests/backtest-csv.ts';
import { backtestReportJson, backtestView, type CompactReport } from '../backtests/backtest-results.ts';
import { BacktestId, BacktestJobView, BacktestPost, ReportExportQuery, ReportText } from '../schemas/backtests.ts';
import { Accepted, errors } from '../schemas/common.ts';
import { backtestJobKind } from '../trading-events.ts';
import { acceptCsvText } from './csv-body.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

/** Backtests as jobs, their results and the report's exports (JSON, trades and equity as CSV). */
export function backtestRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    // These routes shared a plugin with the journal import: a CSV body reaches their schema (a 400), as before.
    acceptCsvText(app);
    app.post(
      '/trading/backtests',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary:
            'Backtests a stored strategy (strategy_id) or one not stored (strategy) on the engine, in a worker thread, as a job: its report (trades, equity and drawdown, exposure, fees, Sharpe/Sortino, open positions at the end) is stored compressed and exported as JSON and CSV',
          body: BacktestPost,
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
    const backtestJob = async (id: string) => {
      const job = await deps.engine.get(id);
      if (!job || job.kind !== backtestJobKind) throw new NotFoundError(`backtest ${id} does not exist`);
      return job;
    };
    const storedReport = async (id: string): Promise<CompactReport> => {
      const job = await backtestJob(id);
      const json = await backtestReportJson(pool, id);
      if (json === undefined)
        throw new NotFoundError(`backtest ${id} has no report (${job.status === 'succeeded' ? 'it ran before reports were stored' : `it is ${job.status}`})`);
      return JSON.parse(json) as CompactReport;
    };
    app.get(
      '/trading/backtests/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary:
            "A backtest job: status, then its result: the engine's summary, the trades, daily equity and performance, the positions open at the end (valued, flagged) and the export links",
          params: BacktestId,
          response: { 200: BacktestJobView, ...errors },
        },
        // Sent as stored, as the job routes send a job: the schema states the shape, the answer's bytes are the stored job's.
        serializerCompiler: () => (payload: unknown) => JSON.stringify(payload),
      },
      async (request) => {
        // The stored job of the kind (its params, result and metrics as the kind declares them).
        const job = (await backtestJob(request.params.id)) as BacktestJobView;
        if (job.status !== 'succeeded' || !job.result || typeof job.result !== 'object' || !('backtest_id' in job.result)) return job;
        const json = await backtestReportJson(pool, request.params.id);
        return json === undefined ? job : { ...job, result: backtestView(job.result, JSON.parse(json) as CompactReport) };
      },
    );
    app.get(
      '/trading/backtests/:id/report',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "A backtest's report: the engine's JSON (columns), or ?format=csv for the trades",
          params: BacktestId,
          querystring: ReportExportQuery,
          produces: ['application/json', 'text/csv'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        if (request.query.format === 'csv')
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="backtest-${request.params.id}-trades.csv"`)
            .send(tradesCsv(await storedReport(request.params.id)));
        await backtestJob(request.params.id);
        const json = await backtestReportJson(pool, request.params.id);
        if (json === undefined) throw new NotFoundError(`backtest ${request.params.id} has no report`);
        return reply.type('application/json; charset=utf-8').send(json);
      },
    );
    app.get(
      '/trading/backtests/:id/report.json',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "A backtest's whole report as JSON (the engine's columns)",
          params: BacktestId,
          produces: ['application/json'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        await backtestJob(request.params.id);
        const json = await backtestReportJson(pool, request.params.id);
        if (json === undefined) throw new NotFoundError(`backtest ${request.params.id} has no report`);
        return reply
          .type('application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="backtest-${request.params.id}.json"`)
          .send(json);
      },
    );
    app.get(
      '/trading/backtests/:id/trades.csv',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "A backtest's trades as CSV: the closed ones, then the positions open at the end (status open_at_end, valued at their last price)",
          params: BacktestId,
          produces: ['text/csv'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) =>
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="backtest-${request.params.id}-trades.csv"`)
          .send(tradesCsv(await storedReport(request.params.id))),
    );
    app.get(
      '/trading/backtests/:id/equity.csv',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "A backtest's equity curve as CSV: time, equity, drawdown, gross exposure",
          params: BacktestId,
          produces: ['text/csv'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) =>
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="backtest-${request.params.id}-equity.csv"`)
          .send(equityCsv(await storedReport(request.params.id))),
    );
  };
}
