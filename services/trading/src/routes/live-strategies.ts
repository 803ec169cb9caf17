import type { ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LiveStrategies } from '../schemas/live-strategies.ts';
import type { LiveStrategyRunner } from '../live-strategies/live-strategy-runner.ts';

export function liveStrategyRoutes(runner: LiveStrategyRunner): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app) => {
    app.get(
      '/trading/live-strategies',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Live strategy instances (mode live): running, stopped or failed, with the error that stopped one',
          response: { 200: LiveStrategies },
        },
      },
      async () => ({ strategies: await runner.statuses() }),
    );
  };
}
