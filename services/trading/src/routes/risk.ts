import { InvalidInputError, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { limitDescriptions, limitNames, strategyScope } from '../risk/risk-limits.ts';
import { riskReport } from '../risk/risk-report.ts';
import { Accepted, errors } from '../schemas/common.ts';
import {
  HistoryQuery,
  LimitHistory,
  LimitList,
  LimitPut,
  LimitSetView,
  RiskHistory,
  RiskHistoryQuery,
  RiskReport,
  SnapshotPost,
  SquareOffList,
  SquareOffPost,
  SquareOffResult,
  squareOffConfirmation,
  StateList,
  StatePut,
  StateSet,
  StrategyIdParams,
} from '../schemas/risk.ts';
import { riskSnapshotsOf } from '../store/trading-risk-snapshot.ts';
import { latestSquareOffs } from '../store/trading-square-off.ts';
import { riskSnapshotJobKind } from '../trading-events.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

/** Before validation (which drops unknown fields): a misspelt limit is an error, never silently no limit. */
async function refuseUnknownLimits(request: { body: unknown }): Promise<void> {
  const limits = (request.body as { limits?: unknown } | undefined)?.limits;
  if (limits === null || typeof limits !== 'object') return;
  const unknown = Object.keys(limits).filter((name) => !(limitNames as string[]).includes(name));
  if (unknown.length > 0) throw new InvalidInputError(`body/limits/${unknown[0]} is not a limit (the limits: ${limitNames.join(', ')})`);
}

/**
 * Central risk: the report, its daily history, limits (read by anyone with read, changed with
 * scope risk, every change kept), trading states (a resume is a person's call, with why), and
 * the kill switch (scope trade).
 */
export function riskRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    const by = (request: { principal?: { name: string } | undefined }) => request.principal?.name ?? 'anonymous';

    app.get(
      '/trading/risk',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary:
            "Exposures per strategy and symbol, VaR 95/99 and expected shortfall of the whole book and of each strategy (historical simulation), each strategy's share of the ES99, every limit and how close it is",
          response: { 200: RiskReport },
        },
      },
      async () => riskReport({ pool, prices: deps.prices, returns: deps.returns, today: deps.risk.today(), clock: deps.clock }),
    );

    app.get(
      '/trading/risk/history',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The daily risk snapshots (after each close): exposures, VaR and ES, limits in use; in total or for one strategy',
          querystring: RiskHistoryQuery,
          response: { 200: RiskHistory },
        },
      },
      async (request) => {
        const { strategy_id: strategyId, start, end } = request.query;
        const scope = strategyId === undefined ? 'total' : strategyScope(strategyId);
        return { snapshots: await riskSnapshotsOf(pool, scope, start ?? null, end ?? null) };
      },
    );

    app.post(
      '/trading/risk/snapshots',
      {
        config: { scope: 'risk' },
        schema: {
          tags: ['trading'],
          summary: 'Takes the daily risk snapshot now, as a job (it also runs after every close)',
          body: SnapshotPost,
          response: { 202: Accepted },
        },
      },
      async (request, reply) => {
        const jobId = await deps.engine.enqueue(riskSnapshotJobKind, request.body ?? {}, { createdBy: request.principal?.name });
        return reply.status(202).send({ job_id: jobId, href: `/jobs/${jobId}` });
      },
    );

    app.get(
      '/trading/limits',
      {
        config: { scope: 'read' },
        schema: { tags: ['trading'], summary: 'The risk limits, globally and per strategy, and what each limit means', response: { 200: LimitList } },
      },
      async () => ({ limits: await deps.riskStore.limitSets(), descriptions: { ...limitDescriptions } }),
    );
    app.get(
      '/trading/limits/history',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Every change of the limits, newest first: what, who and why',
          querystring: HistoryQuery,
          response: { 200: LimitHistory },
        },
      },
      async (request) => ({ changes: await deps.riskStore.limitHistory(request.query.scope, request.query.limit ?? 100) }),
    );
    app.put(
      '/trading/limits/global',
      {
        config: { scope: 'risk' },
        preValidation: refuseUnknownLimits,
        schema: {
          tags: ['trading'],
          summary: 'Replaces the global limits (absent or null: no limit), with why',
          body: LimitPut,
          response: { 200: LimitSetView, ...errors },
        },
      },
      async (request) => deps.riskStore.putLimits(null, request.body, by(request)),
    );
    app.put(
      '/trading/limits/strategies/:id',
      {
        config: { scope: 'risk' },
        preValidation: refuseUnknownLimits,
        schema: {
          tags: ['trading'],
          summary: "Replaces a strategy's limits (absent or null: no limit), with why",
          params: StrategyIdParams,
          body: LimitPut,
          response: { 200: LimitSetView, ...errors },
        },
      },
      async (request) => deps.riskStore.putLimits(request.params.id, request.body, by(request)),
    );

    app.get(
      '/trading/state',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Trading states (global and per strategy) and their latest changes',
          querystring: HistoryQuery,
          response: { 200: StateList },
        },
      },
      async (request) => ({
        states: await deps.riskStore.states(),
        changes: await deps.riskStore.stateHistory(request.query.scope, request.query.limit ?? 100),
      }),
    );
    app.put(
      '/trading/state',
      {
        config: { scope: 'risk' },
        schema: {
          tags: ['trading'],
          summary:
            'Sets the trading state, globally or for one strategy: halting, reducing, or resuming after a stop (a decision: who and why are kept, and alerted)',
          body: StatePut,
          response: { 200: StateSet, ...errors },
        },
      },
      async (request) => deps.riskStore.setState(request.body.strategy_id ?? null, request.body.state, request.body.reason, by(request)),
    );

    app.post(
      '/trading/square-off',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary:
            'Kill switch: halts (everything, or one strategy), cancels every open order, closes every position at market, and answers what it did order by order; safe to call again',
          body: SquareOffPost,
          response: { 200: SquareOffResult, ...errors },
        },
        // Before the schema: a body without `confirm` is told the value to type, not only that the field is missing.
        preValidation: async (request) => {
          const body = request.body as Record<string, unknown> | null | undefined;
          if (body !== null && typeof body === 'object' && !Array.isArray(body) && !('confirm' in body)) {
            throw new InvalidInputError(`body must have required property 'confirm': send confirm "${squareOffConfirmation}" to square off`);
          }
        },
      },
      async (request) => {
        if (request.body.strategy_id !== undefined) await deps.strategies.get(request.body.strategy_id);
        return deps.squareOff.run({
          strategyId: request.body.strategy_id ?? null,
          by: by(request),
          ...(request.body.reason ? { reason: request.body.reason } : {}),
        });
      },
    );

    app.get(
      '/trading/square-offs',
      {
        config: { scope: 'read' },
        schema: { tags: ['trading'], summary: 'Square-offs, newest first, with what each did and what it left', response: { 200: SquareOffList } },
      },
      async () => ({ square_offs: await latestSquareOffs(pool) }),
    );
  };
}
