import { ErrorResponse, InvalidInputError, type ServiceContext, utcIsoText } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { limitDescriptions, limitNames, LimitChangeSchema, strategyScope } from '../risk/risk-limits.ts';
import { riskReport } from '../risk/risk-report.ts';
import { riskSnapshotColumns } from '../risk/risk-snapshot-job.ts';
import { riskSnapshotJobKind } from '../trading-events.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

const errors = { 400: ErrorResponse, 404: ErrorResponse };
const State = Type.Union([Type.Literal('active'), Type.Literal('reducing'), Type.Literal('halted')]);
const HistoryQuery = Type.Object({ scope: Type.Optional(Type.String({ description: 'global or strategy:<id>' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) });
export const squareOffConfirmation = 'SQUARE OFF';

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
          summary: 'Exposures per strategy and symbol, VaR 95/99 and expected shortfall of the whole book and of each strategy (historical simulation), each strategy\'s share of the ES99, every limit and how close it is',
          response: { 200: Type.Any() },
        },
      },
      async () => riskReport({ pool, prices: deps.prices, returns: deps.returns, today: deps.risk.today() }),
    );

    app.get(
      '/trading/risk/history',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The daily risk snapshots (after each close): exposures, VaR and ES, limits in use; in total or for one strategy',
          querystring: Type.Object({ strategy_id: Type.Optional(Type.Integer({ minimum: 1 })), start: Type.Optional(Type.String({ format: 'date' })), end: Type.Optional(Type.String({ format: 'date' })) }),
          response: { 200: Type.Object({ snapshots: Type.Array(Type.Any()) }) },
        },
      },
      async (request) => {
        const { strategy_id: strategyId, start, end } = request.query;
        const scope = strategyId === undefined ? 'total' : strategyScope(strategyId);
        const result = await pool.query(`select ${riskSnapshotColumns} from trading_risk_snapshot where scope = $1 and ($2::date is null or date >= $2::date) and ($3::date is null or date <= $3::date) order by date`, [scope, start ?? null, end ?? null]);
        return { snapshots: result.rows };
      },
    );

    app.post(
      '/trading/risk/snapshots',
      {
        config: { scope: 'risk' },
        schema: { tags: ['trading'], summary: 'Takes the daily risk snapshot now, as a job (it also runs after every close)', body: Type.Optional(Type.Object({ date: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false })), response: { 202: Type.Object({ job_id: Type.String(), href: Type.String() }) } },
      },
      async (request, reply) => {
        const jobId = await deps.engine.enqueue(riskSnapshotJobKind, request.body ?? {}, { createdBy: request.principal?.name });
        return reply.status(202).send({ job_id: jobId, href: `/jobs/${jobId}` });
      },
    );

    app.get(
      '/trading/limits',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'The risk limits, globally and per strategy, and what each limit means', response: { 200: Type.Object({ limits: Type.Array(Type.Any()), descriptions: Type.Record(Type.String(), Type.String()) }) } } },
      async () => ({ limits: await deps.riskStore.limitSets(), descriptions: { ...limitDescriptions } }),
    );
    app.get(
      '/trading/limits/history',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'Every change of the limits, newest first: what, who and why', querystring: HistoryQuery, response: { 200: Type.Object({ changes: Type.Array(Type.Any()) }) } } },
      async (request) => ({ changes: await deps.riskStore.limitHistory(request.query.scope, request.query.limit ?? 100) }),
    );
    app.put(
      '/trading/limits/global',
      { config: { scope: 'risk' }, preValidation: refuseUnknownLimits, schema: { tags: ['trading'], summary: 'Replaces the global limits (absent or null: no limit), with why', body: LimitChangeSchema, response: { 200: Type.Any(), ...errors } } },
      async (request) => deps.riskStore.putLimits(null, request.body, by(request)),
    );
    app.put(
      '/trading/limits/strategies/:id',
      { config: { scope: 'risk' }, preValidation: refuseUnknownLimits, schema: { tags: ['trading'], summary: "Replaces a strategy's limits (absent or null: no limit), with why", params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), body: LimitChangeSchema, response: { 200: Type.Any(), ...errors } } },
      async (request) => deps.riskStore.putLimits(request.params.id, request.body, by(request)),
    );

    app.get(
      '/trading/state',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'Trading states (global and per strategy) and their latest changes', querystring: HistoryQuery, response: { 200: Type.Object({ states: Type.Array(Type.Any()), changes: Type.Array(Type.Any()) }) } } },
      async (request) => ({ states: await deps.riskStore.states(), changes: await deps.riskStore.stateHistory(request.query.scope, request.query.limit ?? 100) }),
    );
    app.put(
      '/trading/state',
      {
        config: { scope: 'risk' },
        schema: {
          tags: ['trading'],
          summary: 'Sets the trading state, globally or for one strategy: halting, reducing, or resuming after a stop (a decision: who and why are kept, and alerted)',
          body: Type.Object({ strategy_id: Type.Optional(Type.Integer({ minimum: 1 })), state: State, reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ state: Type.Any(), changed: Type.Boolean() }), ...errors },
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
          summary: 'Kill switch: halts (everything, or one strategy), cancels every open order, closes every position at market, and answers what it did order by order; safe to call again',
          body: Type.Object(
            {
              confirm: Type.Literal(squareOffConfirmation, { description: `must be "${squareOffConfirmation}"` }),
              strategy_id: Type.Optional(Type.Integer({ minimum: 1, description: 'only this strategy (default: everything)' })),
              reason: Type.Optional(Type.String({ maxLength: 500 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Any(), ...errors },
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
        return deps.squareOff.run({ strategyId: request.body.strategy_id ?? null, by: by(request), ...(request.body.reason ? { reason: request.body.reason } : {}) });
      },
    );

    app.get(
      '/trading/square-offs',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'Square-offs, newest first, with what each did and what it left', response: { 200: Type.Object({ square_offs: Type.Array(Type.Any()) }) } } },
      async () => {
        const result = await pool.query(`select id, scope, requested_by, reason, status, result, ${utcIsoText('started_at')} as started_at from trading_square_off order by started_at desc limit 50`);
        return { square_offs: result.rows };
      },
    );
  };
}
