/**
 * Research routes: optimisations, walk-forwards and lookahead checks as jobs on the one engine
 * (their trial jobs too), their results, progress over SSE, and exports (CSV, JSON, HTML); and a
 * backtest's HTML report. Starting a run is scope `trade` (it spends compute), audited as every
 * write, and idempotent by Idempotency-Key; reading is scope `read`.
 */
import { availableParallelism } from 'node:os';
import type { Clock } from '@closecross/engine';
import { finishedStatuses, type JobEngine, type JobView } from '@closecross/jobs';
import { ConflictError, ErrorResponse, NotFoundError, openEventStream, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { backtestReportJson, type CompactReport } from '../backtests/backtest-results.ts';
import type { PriceReader } from '../market/price-reader.ts';
import {
  researchJobKinds,
  resolveRun,
  ResearchDatasets,
  runOptimizationJob,
  runTrialJob,
  runWalkForwardJob,
  searchSpec,
  sessionsOf,
  trialJobsPerTask,
  type ResearchDeps,
} from '../research/research-jobs.ts';
import { runLookaheadJob } from '../research/lookahead-check.ts';
import { backtestHtml, optimizationHtml, trialsCsv, walkForwardHtml, windowsCsv } from '../research/research-report.ts';
import { rankedTrials, ResearchStore } from '../research/research-store.ts';
import { ResearchThreadPool } from '../research/research-threads.ts';
import { optimizationView, runStatusOf, walkForwardView } from '../research/research-views.ts';
import { walkForwardWindows } from '../research/walk-forward.ts';
import { ReportText } from '../schemas/backtests.ts';
import {
  IdempotencyHeaders,
  LookaheadCheckList,
  LookaheadRequest,
  LookaheadView,
  OptimizationList,
  OptimizationRequest,
  OptimizationView,
  ResearchAccepted,
  ResearchId,
  ResearchListQuery,
  LookaheadStatus,
  lookaheadJobSchemas,
  OptimizationStatus,
  optimizationJobSchemas,
  trialJobSchemas,
  WalkForwardStatus,
  walkForwardJobSchemas,
  TrialList,
  TrialsQuery,
  WalkForwardList,
  WalkForwardRequest,
  WalkForwardView,
} from '../schemas/research.ts';
import type { StrategyDesk } from '../strategies/strategy-desk.ts';
import { backtestJobKind } from '../trading-events.ts';

export interface ResearchRouteDeps {
  engine: JobEngine;
  clock: Clock;
  strategies: StrategyDesk;
  prices: PriceReader;
  /** Research threads (and trial slots) of this task: TRADING_RESEARCH_THREADS, default the machine's cores; 0: this task runs no trial (it coordinates and serves). */
  threads?: number;
  /** Trials one run keeps queued or running at once, over all tasks (TRADING_RESEARCH_IN_FLIGHT, default 64). */
  inFlight?: number;
}

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const wholeNumber = (raw: string | undefined, fallback: number) => (raw && /^\d+$/.test(raw) ? Number(raw) : fallback);

export function researchRoutes(options: ResearchRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    const threadCount = options.threads ?? wholeNumber(process.env.TRADING_RESEARCH_THREADS, availableParallelism());
    const store = new ResearchStore(pool);
    const deps: ResearchDeps = {
      pool,
      engine: options.engine,
      strategies: options.strategies,
      prices: options.prices,
      clock: options.clock,
      threads: new ResearchThreadPool(Math.max(1, threadCount)),
      store,
      inFlight: options.inFlight ?? Math.max(1, wholeNumber(process.env.TRADING_RESEARCH_IN_FLIGHT, 64)),
      pollMs: 100,
    };
    const datasets = new ResearchDatasets(options.prices);
    // Coordinators mostly wait on their trials: a few at once per task. Trials: one per research thread.
    const coordinator = { concurrency: 4, retryLimit: 5, scope: 'trade' };
    options.engine
      .define(researchJobKinds.optimization, { ...coordinator, ...optimizationJobSchemas, handler: (context) => runOptimizationJob(deps, context as never) })
      .define(researchJobKinds.walkForward, { ...coordinator, ...walkForwardJobSchemas, handler: (context) => runWalkForwardJob(deps, context as never) })
      .define(researchJobKinds.trial, {
        ...trialJobSchemas,
        // One more than threads: the pool holds it until a thread is free, so no thread waits on the next claim between batches.
        concurrency: trialJobsPerTask(threadCount),
        retryLimit: 2,
        scope: 'trade',
        handler: (context) => runTrialJob(deps, datasets, context as never),
      })
      .define(researchJobKinds.lookahead, {
        ...lookaheadJobSchemas,
        concurrency: threadCount > 0 ? 1 : 0,
        retryLimit: 2,
        scope: 'trade',
        handler: (context) => runLookaheadJob(deps, context as never),
      });
    app.addHook('onClose', async () => deps.threads.close());

    const keyOf = (request: FastifyRequest) => {
      const key = request.headers['idempotency-key'];
      return typeof key === 'string' && key.length > 0 ? `${request.principal?.name ?? 'anonymous'}:${key}` : undefined;
    };
    const jobOf = async (kind: string, id: string, noun: string): Promise<JobView> => {
      const job = await options.engine.get(id);
      if (!job || job.kind !== kind) throw new NotFoundError(`${noun} ${id} does not exist`);
      return job;
    };
    const cancel = async <Request>(kind: string, id: string, noun: string) => {
      const job = await jobOf(kind, id, noun);
      if (finishedStatuses.includes(job.status)) throw new ConflictError(`${noun} ${id} already ${job.status}`);
      return runStatusOf<Request>((await options.engine.cancel(id))!);
    };
    /** Server-Sent Events: one `progress` event per change, until the run ends. */
    const events = (request: FastifyRequest, reply: FastifyReply, snapshot: () => Promise<{ status: string } & Record<string, unknown>>) => {
      const stream = openEventStream(request, reply);
      let last = '';
      const tick = async () => {
        const current = await snapshot().catch(() => undefined);
        if (!current || stream.isClosed) return;
        const text = JSON.stringify(current);
        if (text !== last) {
          last = text;
          stream.send('progress', current);
        }
        if (finishedStatuses.includes(current.status as never)) stream.close();
      };
      const timer = setInterval(() => void tick(), 500);
      void stream.closed.then(() => clearInterval(timer));
      void tick();
      return reply;
    };
    const download = (reply: FastifyReply, type: string, filename: string, body: string) =>
      reply.type(type).header('content-disposition', `attachment; filename="${filename}"`).send(body);

    // ---- optimisations
    app.post(
      '/trading/optimizations',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary:
            "Optimises a strategy's parameters: trials (backtests) fanned out as jobs over every task's research threads; grid, random or TPE; ranked by the objective",
          headers: IdempotencyHeaders,
          body: OptimizationRequest,
          response: { 202: ResearchAccepted, ...errors },
        },
      },
      async (request, reply) => {
        const run = await resolveRun(deps, request.body);
        searchSpec(run, request.body, 'optimization');
        const jobId = await options.engine.enqueue(researchJobKinds.optimization, request.body, {
          createdBy: request.principal?.name,
          idempotencyKey: keyOf(request),
        });
        return reply.status(202).send({ job_id: jobId, href: `/trading/optimizations/${jobId}`, events: `/trading/optimizations/${jobId}/events` });
      },
    );
    app.get(
      '/trading/optimizations',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Optimisations, newest first (status only: GET one for its trials)',
          querystring: ResearchListQuery,
          response: { 200: OptimizationList },
        },
      },
      async (request) => ({
        optimizations: (await options.engine.store.list({ kind: researchJobKinds.optimization, limit: request.query.limit ?? 50 })).map((job) =>
          runStatusOf<OptimizationRequest>(job),
        ),
      }),
    );
    const optimization = async (id: string) => {
      const job = await jobOf(researchJobKinds.optimization, id, 'optimization');
      const rows = await store.trials(id);
      return { job, spec: await store.run(id), rows, view: optimizationView(job, await store.run(id), rows) };
    };
    app.get(
      '/trading/optimizations/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'An optimisation: status, trial counts, the best and top ten trials, overfitting (deflated Sharpe), sensitivity and heat map, export links',
          params: ResearchId,
          response: { 200: OptimizationView, ...errors },
        },
      },
      async (request) => (await optimization(request.params.id)).view,
    );
    app.get(
      '/trading/optimizations/:id/trials',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The trials ranked (best first; failed ones after, with their error)',
          params: ResearchId,
          querystring: TrialsQuery,
          response: { 200: TrialList, ...errors },
        },
      },
      async (request) => {
        await jobOf(researchJobKinds.optimization, request.params.id, 'optimization');
        const rows = await store.trials(request.params.id, { status: request.query.status });
        return { trials: rankedTrials(rows).slice(0, request.query.limit ?? 1000) };
      },
    );
    app.post(
      '/trading/optimizations/:id/cancel',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Cancels an optimisation: no trial is queued after it, queued and running trials are cancelled; finished trials stay',
          params: ResearchId,
          response: { 200: OptimizationStatus, ...errors },
        },
      },
      async (request) => cancel<OptimizationRequest>(researchJobKinds.optimization, request.params.id, 'optimization'),
    );
    app.get(
      '/trading/optimizations/:id/events',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Server-Sent Events: `progress` {status, trials done and failed, budget, best objective and parameters} at each change, until the run ends',
          params: ResearchId,
        },
      },
      async (request, reply) => {
        await jobOf(researchJobKinds.optimization, request.params.id, 'optimization');
        return events(request, reply, async () => {
          const { view } = await optimization(request.params.id);
          return {
            status: view.status,
            stage: view.stage,
            progress: view.progress,
            ...view.trials,
            best_objective: view.best?.objective ?? null,
            best_parameters: view.best?.parameters ?? null,
          };
        });
      },
    );
    app.get(
      '/trading/optimizations/:id/report.json',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The optimisation and every trial as JSON',
          params: ResearchId,
          produces: ['application/json'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        const { view, rows } = await optimization(request.params.id);
        return download(
          reply,
          'application/json; charset=utf-8',
          `optimization-${request.params.id}.json`,
          JSON.stringify({ ...view, trials_ranked: rankedTrials(rows) }),
        );
      },
    );
    app.get(
      '/trading/optimizations/:id/trials.csv',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The trials as CSV, ranked: parameters, objective, figures, error',
          params: ResearchId,
          produces: ['text/csv'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        const { spec, rows } = await optimization(request.params.id);
        return download(
          reply,
          'text/csv; charset=utf-8',
          `optimization-${request.params.id}-trials.csv`,
          trialsCsv(rankedTrials(rows), spec?.dimensions.map((dimension) => dimension.name) ?? []),
        );
      },
    );
    app.get(
      '/trading/optimizations/:id/report.html',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'A self-contained HTML report (inline SVG charts): overfitting, best trial, heat map, sensitivity, the trials',
          params: ResearchId,
          produces: ['text/html'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        const { spec, rows, view } = await optimization(request.params.id);
        return reply
          .type('text/html; charset=utf-8')
          .send(optimizationHtml(view, rankedTrials(rows), spec?.dimensions.map((dimension) => dimension.name) ?? [], spec?.strategy.name ?? ''));
      },
    );

    // ---- walk-forwards
    app.post(
      '/trading/walk-forwards',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary:
            'A walk-forward analysis: rolling or anchored windows (sessions), an optimisation per in-sample window, its best parameters run out of sample; the out-of-sample curve stitched',
          headers: IdempotencyHeaders,
          body: WalkForwardRequest,
          response: { 202: ResearchAccepted, ...errors },
        },
      },
      async (request, reply) => {
        const run = await resolveRun(deps, request.body);
        searchSpec(run, request.body, 'walk_forward');
        walkForwardWindows(await sessionsOf(pool, run.universe, request.body.start ?? null, request.body.end ?? null), request.body.windows);
        const jobId = await options.engine.enqueue(researchJobKinds.walkForward, request.body, {
          createdBy: request.principal?.name,
          idempotencyKey: keyOf(request),
        });
        return reply.status(202).send({ job_id: jobId, href: `/trading/walk-forwards/${jobId}`, events: `/trading/walk-forwards/${jobId}/events` });
      },
    );
    app.get(
      '/trading/walk-forwards',
      {
        config: { scope: 'read' },
        schema: { tags: ['trading'], summary: 'Walk-forwards, newest first (status only)', querystring: ResearchListQuery, response: { 200: WalkForwardList } },
      },
      async (request) => ({
        walk_forwards: (await options.engine.store.list({ kind: researchJobKinds.walkForward, limit: request.query.limit ?? 50 })).map((job) =>
          runStatusOf<WalkForwardRequest>(job),
        ),
      }),
    );
    const walkForward = async (id: string) => {
      const job = await jobOf(researchJobKinds.walkForward, id, 'walk-forward');
      const spec = await store.run(id);
      const rows = await store.trials(id, { withEquity: true });
      return { job, spec, rows, view: walkForwardView(job, spec, rows) };
    };
    app.get(
      '/trading/walk-forwards/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'A walk-forward: windows with their parameters and in/out-of-sample figures, the stitched out-of-sample curve, walk-forward efficiency',
          params: ResearchId,
          response: { 200: WalkForwardView, ...errors },
        },
      },
      async (request) => (await walkForward(request.params.id)).view,
    );
    app.get(
      '/trading/walk-forwards/:id/trials',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The trials of every window (or of ?window=n), ranked within the run',
          params: ResearchId,
          querystring: TrialsQuery,
          response: { 200: TrialList, ...errors },
        },
      },
      async (request) => {
        await jobOf(researchJobKinds.walkForward, request.params.id, 'walk-forward');
        return {
          trials: rankedTrials(await store.trials(request.params.id, { window: request.query.window, status: request.query.status })).slice(
            0,
            request.query.limit ?? 1000,
          ),
        };
      },
    );
    app.post(
      '/trading/walk-forwards/:id/cancel',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Cancels a walk-forward (finished trials stay)',
          params: ResearchId,
          response: { 200: WalkForwardStatus, ...errors },
        },
      },
      async (request) => cancel<WalkForwardRequest>(researchJobKinds.walkForward, request.params.id, 'walk-forward'),
    );
    app.get(
      '/trading/walk-forwards/:id/events',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Server-Sent Events: `progress` {status, stage, progress, windows with an out-of-sample result} until the run ends',
          params: ResearchId,
        },
      },
      async (request, reply) => {
        await jobOf(researchJobKinds.walkForward, request.params.id, 'walk-forward');
        return events(request, reply, async () => {
          const job = await jobOf(researchJobKinds.walkForward, request.params.id, 'walk-forward');
          const rows = await store.trials(request.params.id);
          return {
            status: job.status,
            stage: job.stage,
            progress: job.progress,
            trials_done: rows.filter((row) => row.status !== 'queued').length,
            out_of_sample_done: rows.filter((row) => row.phase === 'out_of_sample' && row.status !== 'queued').length,
          };
        });
      },
    );
    app.get(
      '/trading/walk-forwards/:id/report.json',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The walk-forward and its trials as JSON',
          params: ResearchId,
          produces: ['application/json'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        const { view, rows } = await walkForward(request.params.id);
        return download(
          reply,
          'application/json; charset=utf-8',
          `walk-forward-${request.params.id}.json`,
          JSON.stringify({ ...view, trials: rankedTrials(rows) }),
        );
      },
    );
    app.get(
      '/trading/walk-forwards/:id/windows.csv',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The windows as CSV: days, chosen parameters, in- and out-of-sample figures',
          params: ResearchId,
          produces: ['text/csv'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) =>
        download(reply, 'text/csv; charset=utf-8', `walk-forward-${request.params.id}-windows.csv`, windowsCsv((await walkForward(request.params.id)).view)),
    );
    app.get(
      '/trading/walk-forwards/:id/equity.csv',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The stitched out-of-sample equity as CSV (date, equity)',
          params: ResearchId,
          produces: ['text/csv'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        const { view } = await walkForward(request.params.id);
        return download(
          reply,
          'text/csv; charset=utf-8',
          `walk-forward-${request.params.id}-equity.csv`,
          ['date,equity', ...view.out_of_sample_equity.map((point) => `${point.date},${point.equity}`)].join('\n') + '\n',
        );
      },
    );
    app.get(
      '/trading/walk-forwards/:id/report.html',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'A self-contained HTML report (inline SVG): the stitched out-of-sample curve, in/out-of-sample per window, figures, windows',
          params: ResearchId,
          produces: ['text/html'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        const { view, spec } = await walkForward(request.params.id);
        return reply.type('text/html; charset=utf-8').send(walkForwardHtml(view, spec?.strategy.name ?? ''));
      },
    );

    // ---- lookahead checks
    app.post(
      '/trading/lookahead-checks',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary:
            "A lookahead check: the strategy's backtest, then for each of up to max_signals decision instants a rerun on data cut at that instant; a decision that changes flags the strategy",
          headers: IdempotencyHeaders,
          body: LookaheadRequest,
          response: { 202: ResearchAccepted, ...errors },
        },
      },
      async (request, reply) => {
        await resolveRun(deps, request.body);
        const jobId = await options.engine.enqueue(researchJobKinds.lookahead, request.body, {
          createdBy: request.principal?.name,
          idempotencyKey: keyOf(request),
        });
        return reply.status(202).send({ job_id: jobId, href: `/trading/lookahead-checks/${jobId}`, events: `/jobs/${jobId}/events` });
      },
    );
    app.get(
      '/trading/lookahead-checks',
      {
        config: { scope: 'read' },
        schema: { tags: ['trading'], summary: 'Lookahead checks, newest first', querystring: ResearchListQuery, response: { 200: LookaheadCheckList } },
      },
      async (request) => ({
        lookahead_checks: (await options.engine.store.list({ kind: researchJobKinds.lookahead, limit: request.query.limit ?? 50 })).map((job) =>
          runStatusOf<LookaheadRequest>(job),
        ),
      }),
    );
    app.get(
      '/trading/lookahead-checks/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'A lookahead check: status, then whether it is biased and each flagged decision (full run beside cut run)',
          params: ResearchId,
          response: { 200: LookaheadView, ...errors },
        },
      },
      async (request) => {
        const job = await jobOf(researchJobKinds.lookahead, request.params.id, 'lookahead check');
        return { ...runStatusOf<LookaheadRequest>(job), result: job.status === 'succeeded' ? (job.result as never) : null };
      },
    );
    app.post(
      '/trading/lookahead-checks/:id/cancel',
      {
        config: { scope: 'trade' },
        schema: { tags: ['trading'], summary: 'Cancels a lookahead check', params: ResearchId, response: { 200: LookaheadStatus, ...errors } },
      },
      async (request) => cancel<LookaheadRequest>(researchJobKinds.lookahead, request.params.id, 'lookahead check'),
    );

    // ---- a backtest's HTML report (its CSV and JSON are the backtest routes')
    app.get(
      '/trading/backtests/:id/report.html',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "A backtest's self-contained HTML report (inline SVG equity and drawdown, summary, trades)",
          params: ResearchId,
          produces: ['text/html'],
          response: { 200: ReportText, ...errors },
        },
      },
      async (request, reply) => {
        const job = await jobOf(backtestJobKind, request.params.id, 'backtest');
        const json = await backtestReportJson(pool, request.params.id);
        if (json === undefined) throw new NotFoundError(`backtest ${request.params.id} has no report (it is ${job.status})`);
        return reply.type('text/html; charset=utf-8').send(backtestHtml(request.params.id, JSON.parse(json) as CompactReport));
      },
    );
  };
}
