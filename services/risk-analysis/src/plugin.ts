import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { loadRiskConfig, type RiskConfig } from './risk-config.ts';
import { createRiskContext, type RiskDependencies } from './risk-context.ts';
import { analysesRoutes } from './routes/analyses-routes.ts';
import { referenceRoutes } from './routes/reference-routes.ts';
import { varWorkerRoutes } from './worker/worker-plugin.ts';

export { riskConfigSpec } from './risk-config.ts';

export interface RiskServiceOptions extends ServiceContext, RiskDependencies {
  config?: RiskConfig;
}

const riskAnalysisPlugin: FastifyPluginAsync<RiskServiceOptions> = async (app, options) => {
  const config = options.config ?? loadRiskConfig();
  const context = createRiskContext(options.pool, config, app.log, options);
  await app.register(referenceRoutes(context));
  await app.register(analysesRoutes(context));
  await app.register(varWorkerRoutes, options);
  app.addHook('onReady', async () => context.engine.start());
  app.addHook('onClose', async () => {
    await context.engine.stop();
    await context.close();
  });
};

/** The risk-analysis service: the reference's API, the analyses jobs, and the worker endpoints. */
export const riskAnalysisService: ServiceModule<RiskServiceOptions> = { name: 'risk-analysis', plugin: riskAnalysisPlugin };

/** With injected AWS clients (tests) or settings. */
export const riskAnalysisServiceWith = (options: Omit<RiskServiceOptions, 'pool'>): ServiceModule<RiskServiceOptions> => ({
  ...riskAnalysisService,
  options,
});
