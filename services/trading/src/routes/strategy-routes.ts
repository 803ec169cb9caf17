import { ErrorResponse, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { StrategyInput, StrategyPatch, StrategyView } from '../strategies/strategy-definition.ts';
import { viewOf } from '../strategies/strategy-store.ts';
import { scanJobKind } from '../trading-events.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const Signal = Type.Object({
  id: Type.Integer(),
  strategy_id: Type.Integer(),
  symbol: Type.String(),
  bar_date: Type.String(),
  side: Type.String(),
  price: Type.Number(),
  quantity: Type.Union([Type.Number(), Type.Null()], { description: 'what a strategy written as code asked for (the approved order\'s quantity); null for a built-in rule, sized by the instance\'s sizing' }),
  status: Type.String(),
  expires_at: Type.String(),
  decided_by: Type.Union([Type.String(), Type.Null()]),
  decided_at: Type.Union([Type.String(), Type.Null()]),
  decision_note: Type.Union([Type.String(), Type.Null()]),
  order_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});

const ParameterSchema = Type.Object(
  { type: Type.Literal('object'), properties: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())), required: Type.Optional(Type.Array(Type.String())) },
  { additionalProperties: true, description: 'the parameters as JSON Schema (defaults, bounds, descriptions): the form of an instance' },
);
const StrategyCodeView = Type.Object({
  name: Type.String({ description: 'what an instance names in `code`' }),
  description: Type.String(),
  origin: Type.Union([Type.Literal('builtin'), Type.Literal('user')], { description: 'builtin: ships with the service; user: a module of STRATEGIES_DIR' }),
  parameters: ParameterSchema,
  source_hash: Type.String({ description: "sha256 of the module's source, hex" }),
  file: Type.Union([Type.String(), Type.Null()], { description: "a user module's file in STRATEGIES_DIR" }),
});
const RefusedCodeView = Type.Object({ file: Type.String(), source_hash: Type.String(), error: Type.String({ description: 'why the file is not a usable strategy' }) });

export function strategyRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app) => {
    app.get(
      '/trading/strategy-code',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'The strategy code instances can run: the built-ins and the modules of STRATEGIES_DIR (name, description, parameter schema, source hash); files that are not strategies are listed with why',
          response: { 200: Type.Object({ strategies: Type.Array(StrategyCodeView), refused: Type.Array(RefusedCodeView) }) },
        },
      },
      async () => {
        const { strategies, refused } = await deps.strategies.catalogue.list();
        return { strategies: strategies.map((code) => ({ ...code, parameters: code.parameters as { type: 'object'; properties: Record<string, Record<string, unknown>> } })), refused };
      },
    );
    app.get('/trading/strategies', { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'Every strategy', response: { 200: Type.Object({ strategies: Type.Array(StrategyView) }) } } }, async () => ({
      strategies: (await deps.strategies.list()).map(viewOf),
    }));
    app.get('/trading/strategies/:id', { config: { scope: 'read' }, schema: { tags: ['trading'], params: IdParams, response: { 200: StrategyView, ...errors } } }, async (request) => viewOf(await deps.strategies.get(request.params.id)));
    app.post(
      '/trading/strategies',
      { config: { scope: 'trade' }, schema: { tags: ['trading'], summary: 'Creates a strategy; its scan schedule goes on the job engine (trading days only)', body: StrategyInput, response: { 201: StrategyView, ...errors } } },
      async (request, reply) => reply.status(201).send(viewOf(await deps.strategies.create(request.body, request.principal?.name))),
    );
    app.patch(
      '/trading/strategies/:id',
      { config: { scope: 'trade' }, schema: { tags: ['trading'], summary: 'Changes a strategy (its schedule follows)', params: IdParams, body: StrategyPatch, response: { 200: StrategyView, ...errors } } },
      async (request) => viewOf(await deps.strategies.update(request.params.id, request.body)),
    );
    app.delete('/trading/strategies/:id', { config: { scope: 'trade' }, schema: { tags: ['trading'], params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
      await deps.strategies.remove(request.params.id);
      return reply.status(204).send(null);
    });
    app.post(
      '/trading/strategies/:id/scans',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Scans now, as a job (idempotent: one signal per strategy, symbol, bar date and side)',
          params: IdParams,
          body: Type.Optional(Type.Object({ as_of: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false })),
          response: { 202: Type.Object({ job_id: Type.String(), href: Type.String() }), ...errors },
        },
      },
      async (request, reply) => {
        await deps.strategies.get(request.params.id);
        const jobId = await deps.engine.enqueue(scanJobKind, { strategy_id: request.params.id, ...(request.body?.as_of ? { as_of: request.body.as_of } : {}) }, { createdBy: request.principal?.name });
        return reply.status(202).send({ job_id: jobId, href: `/jobs/${jobId}` });
      },
    );

    app.get(
      '/trading/signals',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Signals, newest bar first',
          querystring: Type.Object({ strategy_id: Type.Optional(Type.Integer({ minimum: 1 })), status: Type.Optional(Type.Union(['pending', 'approved', 'rejected', 'expired', 'ordered'].map((status) => Type.Literal(status)))), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
          response: { 200: Type.Object({ signals: Type.Array(Signal) }) },
        },
      },
      async (request) => ({ signals: await deps.signals.list(request.query) }),
    );
    app.get('/trading/signals/:id', { config: { scope: 'read' }, schema: { tags: ['trading'], params: IdParams, response: { 200: Signal, ...errors } } }, async (request) => deps.signals.get(request.params.id));
    const Decision = Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }));
    app.post(
      '/trading/signals/:id/approve',
      {
        config: { scope: 'trade' },
        schema: { tags: ['trading'], summary: 'Approves a pending signal (who and when are kept) and places its entry order', params: IdParams, body: Decision, response: { 200: Type.Object({ signal: Signal, order_id: Type.Union([Type.String(), Type.Null()]) }), ...errors, 422: ErrorResponse } },
      },
      async (request) => {
        const { signal, order } = await deps.signals.approve(request.params.id, request.principal?.name ?? 'anonymous', request.body?.note);
        return { signal, order_id: order?.id ?? null };
      },
    );
    app.post(
      '/trading/signals/:id/reject',
      { config: { scope: 'trade' }, schema: { tags: ['trading'], summary: 'Rejects a pending signal (who and when are kept)', params: IdParams, body: Decision, response: { 200: Signal, ...errors } } },
      async (request) => deps.signals.reject(request.params.id, request.principal?.name ?? 'anonymous', request.body?.note),
    );
  };
}
