import { ConfigError, installGracefulShutdown } from '@closecross/platform';
import { loadLocalConfig } from './local-config.ts';
import { startLocalSystem } from './local-system.ts';

try {
  const system = await startLocalSystem(loadLocalConfig());
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
