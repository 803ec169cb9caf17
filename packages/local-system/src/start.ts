import { ConfigError, installGracefulShutdown } from '@closecross/platform';
import { loadLocalConfig } from './local-config.ts';
import { startLocalSystem } from './local-system.ts';
import { StartRefusedError } from './start-refused.ts';

try {
  const system = await startLocalSystem(loadLocalConfig());
  const shutdown = installGracefulShutdown(system.app, {
    signals: [],
    onClosed: async () => {
      await system.stop();
      console.log('Closecross stopped.');
    },
  });
  // `on`, not `once`: Ctrl-C reaches every process of the terminal's group and a wrapper may pass
  // it on again; a second signal during the stop must not kill the process half-way (exit 130).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown());
  if (system.admin.created) {
    // Shown once; kept (mode 0600) in DATA_DIR/local-system.json for the tools and the tests.
    console.log(`Local admin created. API key: ${system.admin.api_key}`);
    console.log(`Dashboard sign-in: ${system.admin.username} / ${system.admin.password}`);
    console.log(`Both are kept in ${system.runtimeFile} (readable by you only).`);
  } else {
    console.log(
      `Admin sign-in: the API key and the dashboard password of user ${system.admin.username} are kept in ${system.runtimeFile} (readable by you only).`,
    );
  }
  console.log(`Closecross is running at ${system.url} (dashboard: ${system.url}/app, API docs: ${system.url}/docs)`);
} catch (error) {
  // Something the user can fix: the message alone, no stack.
  if (error instanceof ConfigError || error instanceof StartRefusedError) {
    console.error(error.message);
    process.exit(1);
  }
  console.error('Closecross could not start:', error instanceof Error ? error : String(error));
  process.exit(1);
}
