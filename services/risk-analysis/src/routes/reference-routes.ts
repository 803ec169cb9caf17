import { randomUUID } from 'node:crypto';
import { conflict, notFound, UnavailableError } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { analysisFailureInOurWords } from '../analysis/analysis-jobs.ts';
import { newSeed, readAnalysisParameters, readResources, readService } from '../analysis/analysis-request.ts';
import { EcsBackend } from '../backends/ecs-backend.ts';
import { renderChartPage, renderChartSvg } from '../chart/chart.ts';
import { resolveWindow } from '../analysis/price-window.ts';
import type { RiskContext } from '../risk-context.ts';
import type { AnalysisRow, Scale } from '../repositories/risk-state-repository.ts';
import { Billing, ErrorResponse, ResultOk } from '../schemas/common.ts';
import {
  AnalyseBody,
  AnalyseDone,
  AuditRecords,
  AverageVars,
  ChartPage,
  ChartQuery,
  ChartUrl,
  Endpoints,
  SignalProfitLoss,
  SignalVars,
  TerminatedState,
  TotalProfitLoss,
  WarmState,
  WarmupBody,
} from '../schemas/reference.ts';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const tags = ['risk (reference API)'];

/** What a handed-out curl call authenticates with, for the shell to fill in when it is pasted (the shape the reference listed is kept). */
export const apiKeyPlaceholder = '-H "Authorization: Bearer $CLOSECROSS_API_KEY"';
export const workerTokenPlaceholder = '-H "Authorization: Bearer $CLOSECROSS_SERVICE_TOKEN"';

/** Puts the credential header into each curl call: the API key for this API's own URL, the service token for a worker's. */
export function withCredentialPlaceholders(endpoints: Record<string, string>, ownWorkerUrl: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(endpoints).map(([url, call]) => [
      url,
      call.replace(/^curl -s /, `curl -s ${url === ownWorkerUrl ? apiKeyPlaceholder : workerTokenPlaceholder} `),
    ]),
  );
}

/**
 * The reference risk API: its sixteen routes, with its shapes. Its out-of-order calls crashed
 * with 500; here each answers 409 saying what to call first.
 */
export function referenceRoutes(context: RiskContext): FastifyPluginAsyncTypebox {
  const { state, backends, config, runner } = context;

  async function warmedScale(): Promise<Scale> {
    const scale = await state.scale();
    if (!scale) throw conflict('no compute is warmed up: call POST /warmup with {"s": "local", "r": 3} (or s = lambda or ecs) first');
    return scale;
  }

  /** Refreshes a warming scale from its backend; ECS start-up time is billed once it is running. */
  async function refreshedScale(): Promise<Scale> {
    const scale = await warmedScale();
    if (scale.state !== 'warming') return scale;
    const backend = backends[scale.service];
    const { ready, workers } = await backend.isReady(scale.workers);
    const startup = ready && backend instanceof EcsBackend ? backend.startupBilling(workers) : { billableMs: 0, cost: 0 };
    await state.updateScale({ workers, ...(ready ? { state: 'ready' as const, warmupBillableMs: startup.billableMs, warmupCost: startup.cost } : {}) });
    return (await state.scale())!;
  }

  async function readyScale(): Promise<Scale> {
    const scale = await refreshedScale();
    if (scale.state === 'terminated') throw conflict('compute was scaled to zero by /terminate: call POST /warmup again first');
    if (scale.state === 'failed')
      throw conflict(`the last /warmup (s=${scale.service}, r=${scale.resources}) failed, so nothing is warm: call POST /warmup again first`);
    if (scale.state !== 'ready') throw conflict(`the ${scale.service} workers are still starting: poll GET /scaled_ready until it answers "true"`);
    return scale;
  }

  async function currentResult(): Promise<AnalysisRow & { result: NonNullable<AnalysisRow['result']> }> {
    const current = await state.currentAnalysis();
    if (!current?.result) throw conflict('there are no analysis results: call POST /analyse with {"h": 101, "d": 10000, "t": "sell", "p": 7} first');
    return current as AnalysisRow & { result: NonNullable<AnalysisRow['result']> };
  }

  return async (app) => {
    app.post(
      '/warmup',
      {
        config: { scope: 'risk' },
        schema: { tags, summary: 'Warm up r resources of compute service s', body: WarmupBody, response: { 200: ResultOk, ...errors, 503: ErrorResponse } },
      },
      async (request) => {
        const service = readService(request.body.s);
        const resources = readResources(request.body.r, config);
        // Checked before the warm workers are touched: a warm-up that cannot start leaves them warm.
        context.requireConfigured(service);
        const previous = await state.scale();
        if (previous && previous.state !== 'terminated' && previous.state !== 'failed') {
          // Workers of an earlier warm-up would otherwise run (and bill) unseen.
          await backends[previous.service].terminate(previous.workers).catch((error) => request.log.warn({ err: error }, 'stopping earlier workers failed'));
        }
        let outcome;
        try {
          outcome = await backends[service].warmup(resources);
        } catch (error) {
          // The earlier scale is gone: say so, so /scaled_ready answers "false" and /analyse refuses.
          await state.saveScale({ service, resources, state: 'failed', warmupBillableMs: 0, warmupCost: 0, workers: [] });
          request.log.error({ err: error, service, resources }, 'warm-up failed');
          throw new UnavailableError(`the ${service} warm-up of ${resources} failed (${(error as Error).message}); nothing is warm: call POST /warmup again`, {
            retryAfterSeconds: 5,
            cause: error,
          });
        }
        await state.saveScale({
          service,
          resources,
          state: service === 'ecs' ? 'warming' : 'ready',
          warmupBillableMs: outcome.billableMs,
          warmupCost: outcome.cost,
          workers: outcome.workers,
        });
        return { result: 'ok' as const };
      },
    );

    app.get(
      '/scaled_ready',
      {
        config: { scope: 'read' },
        schema: { tags, summary: 'Whether the warmed resources are ready: "true" or "false"', response: { 200: WarmState, ...errors } },
      },
      async () => {
        const scale = await refreshedScale();
        return { warm: scale.state === 'ready' ? ('true' as const) : ('false' as const) };
      },
    );

    app.get(
      '/get_warmup_cost',
      { config: { scope: 'read' }, schema: { tags, summary: 'Billable time (ms) and cost (USD) of the warm-up', response: { 200: Billing, ...errors } } },
      async () => {
        const scale = await refreshedScale();
        return { billable_time: scale.warmupBillableMs, cost: scale.warmupCost };
      },
    );

    app.get(
      '/get_endpoints',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'Each compute endpoint with a ready-to-run call',
          description: `A curl call to this API carries \`${apiKeyPlaceholder}\`: set CLOSECROSS_API_KEY to a key with scope \`risk\` and paste it. One to an ECS worker carries \`${workerTokenPlaceholder}\` (the workers' SERVICE_TOKEN). A Lambda call uses the AWS CLI's own credentials.`,
          response: { 200: Endpoints, ...errors },
        },
      },
      async () => {
        const scale = await readyScale();
        const ownWorkerUrl = app.publicUrl('/calculate_var9599');
        return withCredentialPlaceholders(backends[scale.service].endpoints(scale.workers, ownWorkerUrl), ownWorkerUrl);
      },
    );

    app.post(
      '/analyse',
      {
        config: { scope: 'risk' },
        schema: {
          tags,
          summary: 'Run the analysis on the warmed scale; answers once it has finished',
          body: AnalyseBody,
          response: { 200: AnalyseDone, ...errors, 503: ErrorResponse },
        },
      },
      async (request) => {
        const scale = await readyScale();
        const parameters = readAnalysisParameters(request.body, config);
        const symbol = (request.body.symbol ?? config.RISK_DEFAULT_SYMBOL).toUpperCase();
        const seed = request.body.seed ?? newSeed();
        // The draws need only d, the seed and r: the local threads begin them now, while the window
        // is resolved, the bars read and the signals found (a few signals ahead at most). A refusal
        // below cancels them; nothing is written.
        const begun = backends[scale.service].begin?.(parameters.d, seed, scale.resources);
        let prepared;
        let analysis;
        try {
          const window = await resolveWindow(context.pool, symbol, request.body, config.RISK_DEFAULT_WINDOW_DAYS);
          // Runs on the scale that is warm, never another: the request names no backend of its own.
          analysis = { s: scale.service, r: scale.resources, ...parameters, seed, symbol, ...window };
          // Every 4xx (bad window, no signal) is found before the analysis row exists: a refusal writes nothing.
          prepared = await runner.prepare(analysis);
        } catch (error) {
          begun?.cancel();
          throw error;
        }
        const id = randomUUID();
        // The compute goes on, on the workers just checked; the row is written meanwhile (before
        // the result can be stored): no round trip to Postgres waits in front of the threads.
        const computed = runner.execute(prepared, { workers: scale.workers, begun });
        computed.catch(() => {}); // answered below, once the row exists (or with the row's own failure)
        await state.createAnalysis(id, analysis);
        try {
          const { result, billing } = await computed;
          await state.completeAnalysis(id, result, billing, true);
          return { result: 'ok' as const, analysis_id: id };
        } catch (error) {
          // The stored failure is read back by clients: in our words; the error answered is mapped by the platform.
          await state.failAnalysis(id, analysisFailureInOurWords(error, scale.service, `analysis ${id}`).message);
          throw error;
        }
      },
    );

    app.get(
      '/get_sig_vars9599',
      { config: { scope: 'read' }, schema: { tags, summary: 'var95 and var99 of each signal', response: { 200: SignalVars, ...errors } } },
      async () => {
        const { result } = await currentResult();
        return { var95: result.var95, var99: result.var99 };
      },
    );

    app.get(
      '/get_avg_vars9599',
      { config: { scope: 'read' }, schema: { tags, summary: 'Averages of var95 and var99 over the signals', response: { 200: AverageVars, ...errors } } },
      async () => {
        const { result } = await currentResult();
        return { var95: result.averageVar95!, var99: result.averageVar99! };
      },
    );

    app.get(
      '/get_sig_profit_loss',
      {
        config: { scope: 'read' },
        schema: { tags, summary: 'Profit or loss of each signal whose exit day is in the data', response: { 200: SignalProfitLoss, ...errors } },
      },
      async () => {
        const { result } = await currentResult();
        return { profit_loss: result.profitLoss };
      },
    );

    app.get(
      '/get_tot_profit_loss',
      { config: { scope: 'read' }, schema: { tags, summary: 'Total profit or loss', response: { 200: TotalProfitLoss, ...errors } } },
      async () => {
        const { result } = await currentResult();
        return { profit_loss: result.totalProfitLoss };
      },
    );

    app.get(
      '/get_chart_url',
      { config: { scope: 'read' }, schema: { tags, summary: 'Absolute URL of the chart of the current results', response: { 200: ChartUrl, ...errors } } },
      async () => {
        const current = await currentResult();
        return { url: app.publicUrl('/chart', { analysis: current.id }) };
      },
    );

    app.get(
      '/get_time_cost',
      { config: { scope: 'read' }, schema: { tags, summary: 'Billable time (ms) and cost (USD) of the last analysis', response: { 200: Billing, ...errors } } },
      async () => {
        const current = await currentResult();
        return { billable_time: current.billableMs ?? 0, cost: current.cost ?? 0 };
      },
    );

    app.get(
      '/get_audit',
      { config: { scope: 'read' }, schema: { tags, summary: 'One record per finished analysis, oldest first', response: { 200: AuditRecords } } },
      async () => state.audit(),
    );

    app.get(
      '/reset',
      {
        config: { scope: 'risk', stateChanging: true },
        schema: { tags, summary: 'Clear the results and their time and cost; the warmed scale stays', response: { 200: ResultOk, ...errors } },
      },
      async () => {
        await warmedScale();
        await state.clearCurrent();
        return { result: 'ok' as const };
      },
    );

    app.get(
      '/terminate',
      {
        config: { scope: 'risk', stateChanging: true },
        schema: { tags, summary: 'Scale to zero; a new /warmup is needed afterwards', response: { 200: ResultOk, ...errors } },
      },
      async () => {
        const scale = await warmedScale();
        await backends[scale.service].terminate(scale.workers);
        await state.updateScale({ state: 'terminated' });
        return { result: 'ok' as const };
      },
    );

    app.get(
      '/scaled_terminated',
      {
        config: { scope: 'read' },
        schema: { tags, summary: 'Whether every resource has stopped: "true" or "false"', response: { 200: TerminatedState, ...errors } },
      },
      async () => {
        const scale = await warmedScale();
        const stopped = scale.state === 'terminated' && (await backends[scale.service].isTerminated(scale.workers));
        return { terminated: stopped ? ('true' as const) : ('false' as const) };
      },
    );

    app.get(
      '/chart',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'The chart: per-signal var95 and var99 and their averages (HTML page, or SVG with format=svg)',
          querystring: ChartQuery,
          response: { 200: { content: { 'text/html': { schema: ChartPage }, 'image/svg+xml': { schema: ChartPage } } }, ...errors },
        },
      },
      async (request, reply) => {
        const analysis = request.query.analysis ? await state.analysis(request.query.analysis) : await currentResult();
        if (!analysis?.result) throw notFound(`analysis ${request.query.analysis} has no results`);
        const { result } = analysis;
        const svg = renderChartSvg({
          var95: result.var95,
          var99: result.var99,
          averageVar95: result.averageVar95,
          averageVar99: result.averageVar99,
          caption: `${result.symbol} ${result.start} to ${result.end}, ${result.params.t} signals, h=${result.params.h} d=${result.params.d} p=${result.params.p} r=${result.params.r} seed=${result.params.seed}`,
        });
        if (request.query.format === 'svg') return reply.type('image/svg+xml').send(svg as never);
        return reply.type('text/html; charset=utf-8').send(renderChartPage(svg) as never);
      },
    );
  };
}
