import { ErrorResponse, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StrategyInput, StrategyPatch, StrategyView } from '../strategies/strategy-definition.ts';
import { Accepted, errorsWithConflict } from '../schemas/common.ts';
import {
  NoContent,
  ScanPost,
  Signal,
  SignalApproved,
  SignalDecision,
  SignalIdParams,
  SignalList,
  SignalQuery,
  StrategyCodeList,
  StrategyIdParams,
  StrategyList,
} from '../schemas/strategies.ts';
import { viewOf } from '../strategies/strategy-desk.ts';
import { scanJobKind } from '../trading-events.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

const errors = errorsWithConflict;

export function strategyRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app) => {
    app.get(
      '/trading/strategy-code',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary:
            'The strategy code instances can run: the built-ins and the modules of STRATEGIES_DIR (name, description, parameter schema, source hash); files that are not strategies are listed with why',
          response: { 200: StrategyCodeList },
        },
        // Sent with JSON.stringify, not through the schema: the schema types a parameter schema's
        // keywords as JSON values nested at most 5 deep, and a user module's schema may nest deeper
        // (the serialiser would fail the whole listing). The view's fields are picked here instead.
        serializerCompiler: () => (payload: unknown) => JSON.stringify(payload),
      },
      async () => {
        const { strategies, refused } = await deps.strategies.catalogue.list();
        return {
          strategies: strategies.map((code) => ({
            name: code.name,
            description: code.description,
            origin: code.origin,
            parameters: code.parameters as { type: 'object'; properties: Record<string, Record<string, unknown>> },
            source_hash: code.source_hash,
            file: code.file,
          })),
          refused: refused.map((entry) => ({ file: entry.file, source_hash: entry.source_hash, error: entry.error })),
        };
      },
    );
    app.get(
      '/trading/strategies',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'Every strategy', response: { 200: StrategyList } } },
      async () => ({
        strategies: (await deps.strategies.list()).map(viewOf),
      }),
    );
    app.get(
      '/trading/strategies/:id',
      { config: { scope: 'read' }, schema: { tags: ['trading'], params: StrategyIdParams, response: { 200: StrategyView, ...errors } } },
      async (request) => viewOf(await deps.strategies.get(request.params.id)),
    );
    app.post(
      '/trading/strategies',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Creates a strategy; its scan schedule goes on the job engine (trading days only)',
          body: StrategyInput,
          response: { 201: StrategyView, ...errors },
        },
      },
      async (request, reply) => reply.status(201).send(viewOf(await deps.strategies.create(request.body, request.principal?.name))),
    );
    app.patch(
      '/trading/strategies/:id',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Changes a strategy (its schedule follows)',
          params: StrategyIdParams,
          body: StrategyPatch,
          response: { 200: StrategyView, ...errors },
        },
      },
      async (request) => viewOf(await deps.strategies.update(request.params.id, request.body)),
    );
    app.delete(
      '/trading/strategies/:id',
      { config: { scope: 'trade' }, schema: { tags: ['trading'], params: StrategyIdParams, response: { 204: NoContent, ...errors } } },
      async (request, reply) => {
        await deps.strategies.remove(request.params.id);
        return reply.status(204).send(null);
      },
    );
    app.post(
      '/trading/strategies/:id/scans',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Scans now, as a job (idempotent: one signal per strategy, symbol, bar date and side)',
          params: StrategyIdParams,
          body: ScanPost,
          response: { 202: Accepted, ...errors },
        },
      },
      async (request, reply) => {
        await deps.strategies.get(request.params.id);
        const jobId = await deps.engine.enqueue(
          scanJobKind,
          { strategy_id: request.params.id, ...(request.body?.as_of ? { as_of: request.body.as_of } : {}) },
          { createdBy: request.principal?.name },
        );
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
          querystring: SignalQuery,
          response: { 200: SignalList },
        },
      },
      async (request) => ({ signals: await deps.signals.list(request.query) }),
    );
    app.get(
      '/trading/signals/:id',
      { config: { scope: 'read' }, schema: { tags: ['trading'], params: SignalIdParams, response: { 200: Signal, ...errors } } },
      async (request) => deps.signals.get(request.params.id),
    );
    app.post(
      '/trading/signals/:id/approve',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Approves a pending signal (who and when are kept) and places its entry order',
          params: SignalIdParams,
          body: SignalDecision,
          response: { 200: SignalApproved, ...errors, 422: ErrorResponse },
        },
      },
      async (request) => {
        const { signal, order } = await deps.signals.approve(request.params.id, request.principal?.name ?? 'anonymous', request.body?.note);
        return { signal, order_id: order?.id ?? null };
      },
    );
    app.post(
      '/trading/signals/:id/reject',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Rejects a pending signal (who and when are kept)',
          params: SignalIdParams,
          body: SignalDecision,
          response: { 200: Signal, ...errors },
        },
      },
      async (request) => deps.signals.reject(request.params.id, request.principal?.name ?? 'anonymous', request.body?.note),
    );
  };
}
