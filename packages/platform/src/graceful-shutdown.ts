import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  /** Hard limit: ECS sends SIGKILL 30 s after SIGTERM; we aim well inside it. */
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
  /** Work to finish after the server has stopped (close pools, flush consumers). */
  onClosed?: () => Promise<void>;
  exit?: (code: number) => void;
}

/**
 * On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, run `onClosed`,
 * exit 0; exit 1 if that takes longer than the timeout. Returns the shutdown function for tests.
 */
export function installGracefulShutdown(app: FastifyInstance, options: ShutdownOptions = {}): () => Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown: Promise<void> | undefined;

  const shutdown = (signal = 'shutdown') => {
    shuttingDown ??= (async () => {
      app.log.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        app.log.error({ timeoutMs }, 'shutdown timed out');
        exit(1);
      }, timeoutMs);
      timer.unref();
      try {
        await app.close();
        await options.onClosed?.();
        clearTimeout(timer);
        exit(0);
      } catch (error) {
        app.log.error({ err: error }, 'shutdown failed');
        clearTimeout(timer);
        exit(1);
      }
    })();
    return shuttingDown;
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => void shutdown(signal));
  }
  return () => shutdown();
}
