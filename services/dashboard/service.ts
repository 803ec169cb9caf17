import { declareService } from '@closecross/platform';
import { dashboardConfigSpec } from './src/dashboard-config.ts';

/** The web dashboard: a single-page app at /app, same origin as the APIs, signed in with /auth. */
export default declareService({
  name: 'dashboard',
  pathPatterns: ['/app', '/app/*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'dashboard' },
  settings: dashboardConfigSpec,
  aws: [],
  tasks: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 2, scaleOn: { requestsPerTask: 200 } },
  // Only for /ready and sign-in, as every service: the files themselves are public.
  usesDatabase: true,
  runsJobs: false,
  async module(environment) {
    const [{ dashboardServiceWith }, { ensureDashboardBuilt }, { loadDashboardConfig }] = await Promise.all([
      import('./src/plugin.ts'),
      import('./src/dashboard-build.ts'),
      import('./src/dashboard-config.ts'),
    ]);
    const config = loadDashboardConfig(environment);
    // Built before the app is created (a plugin must start within Fastify's timeout; a first build takes seconds).
    await ensureDashboardBuilt(console.log);
    return dashboardServiceWith({ timezone: config.TRADING_TIMEZONE });
  },
});
