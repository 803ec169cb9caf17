import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface PostgresProcess {
  /** The system's database, created on the first start. */
  databaseUrl: string;
  port: number;
  /** Stops the server and waits for its process to end. */
  stop(): Promise<void>;
}

const runnerEntry = fileURLToPath(new URL('./postgres-runner.ts', import.meta.url));

/**
 * Starts the local system's PostgreSQL in a detached process (its own process group; see
 * postgres-runner.ts), with this process's loader flags (tsx), and waits until it accepts connections.
 */
export async function startPostgresProcess(dataDir: string, port: number, database: string): Promise<PostgresProcess> {
  const child = spawn(process.execPath, [...process.execArgv, runnerEntry], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, LOCAL_PG_DATA_DIR: dataDir, LOCAL_PG_PORT: String(port), LOCAL_PG_DATABASE: database },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<{ databaseUrl: string; port: number }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { databaseUrl: string; port: number }));
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`PostgreSQL's process ended (exit code ${code}) before the server was ready; see its message above`)));
  });
  return {
    ...ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.send('stop');
        else child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
