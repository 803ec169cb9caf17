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
  if (system.admin.created) {
    // Shown once; kept (mode 0600) in DATA_DIR/local-system.json for the tools and the tests.
    console.log(`Local admin created. API key: ${system.admin.api_key}`);
    console.log(`Dashboard sign-in: ${system.admin.username} / ${system.admin.password}`);
    console.log('Both are kept in DATA_DIR/local-system.json (readable by you only).');
  }
  console.log(`Closecross is running at ${system.url} (API docs: ${system.url}/docs)`);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
