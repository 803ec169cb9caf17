import { databaseUnavailable } from './errors.ts';
import { logEvents } from './logger.ts';

let installed = false;

/**
 * A database outage must not end the process. A promise that rejects with nobody waiting (a
 * query started beside another that failed first, say) is, by Node's default, fatal; when what it
 * carries is a lost or unreachable database, this logs it and the process runs on, to serve again
 * once the database is back. Any other unhandled rejection stays fatal, as Node would have it.
 */
export function survivingDatabaseOutages(log: { warn(object: object, message: string): void }): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    if (databaseUnavailable(reason)) {
      log.warn({ event: logEvents.databaseUnavailable, err: reason }, 'a database call nobody awaited failed: the database is unavailable');
      return;
    }
    // Rethrown outside the promise: Node reports it and exits as it would without this listener.
    setImmediate(() => {
      throw reason;
    });
  });
}
