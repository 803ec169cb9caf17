import pg from 'pg';
import type { Pool } from 'pg';
import type { JobLogger } from './job-engine.ts';

/**
 * The channel every task's engine LISTENs on: `queued <kind>` when a job is enqueued (sent inside
 * the enqueue's transaction, so it arrives once the job is visible) and `ended <kind> <id>` when a
 * job finishes (succeeded, failed for good, cancelled). Polling stays as the fallback: a task whose
 * listening connection is down still finds its jobs at its next poll.
 */
export const jobsChannel = 'closecross_jobs';

/** SQL that tells the fleet a job of kind `kindSql` (a parameter, or the inserted row's column) was queued, inside the enqueue's transaction. */
export const queuedNotice = (kindSql: string) => `pg_notify('${jobsChannel}', 'queued ' || ${kindSql})`;
/** SQL that tells the fleet a job ended, from a row with `kind` and `id` (a statement's RETURNING). */
export const endedNotice = (row: string) => `pg_notify('${jobsChannel}', 'ended ' || ${row}.kind || ' ' || ${row}.id)`;

export interface JobNotice {
  type: 'queued' | 'ended';
  kind: string;
  /** The job, for `ended`. */
  id?: string;
}

export function parseJobNotice(payload: string | undefined): JobNotice | undefined {
  const [type, kind, id] = (payload ?? '').split(' ');
  if ((type !== 'queued' && type !== 'ended') || !kind) return undefined;
  return type === 'ended' ? { type, kind, id: id ?? '' } : { type, kind };
}

/**
 * One connection of its own (not one of the pool's: a small pool would lose a slot for good) that
 * LISTENs on the jobs channel. A lost connection is reconnected after `retryMs`; `onReconnect`
 * then lets the engine look for what it missed meanwhile.
 */
export class JobNotifications {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private warned = false;
  private connecting: Promise<void> | undefined;

  private readonly pool: Pool;
  private readonly log: JobLogger;
  private readonly onNotice: (notice: JobNotice) => void;
  private readonly onReconnect: () => void;
  private readonly retryMs: number;

  constructor(pool: Pool, log: JobLogger, onNotice: (notice: JobNotice) => void, onReconnect: () => void, retryMs = 2_000) {
    this.pool = pool;
    this.log = log;
    this.onNotice = onNotice;
    this.onReconnect = onReconnect;
    this.retryMs = retryMs;
  }

  /** Whether notices arrive now (a LISTEN connection is up). */
  get live(): boolean {
    return this.client !== undefined;
  }

  /** Connects and listens; a failure is logged and retried in the background (polling covers meanwhile). */
  start(): Promise<void> {
    this.stopped = false;
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    // The pool's own settings (credentials, TLS, timeouts), without a read timeout: this connection waits.
    const client = new pg.Client({ ...(this.pool.options as pg.ClientConfig), query_timeout: undefined, statement_timeout: undefined });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== jobsChannel) return;
      const notice = parseJobNotice(message.payload);
      if (notice) this.onNotice(notice);
    });
    try {
      await client.connect();
      await client.query(`listen ${jobsChannel}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      if (!this.warned) this.log.warn({ err: error }, 'job notifications: could not listen; polling meanwhile, retrying');
      this.warned = true;
      this.scheduleRetry();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.warned) this.log.info({}, 'job notifications: listening again');
    this.warned = false;
    // Jobs queued while no task of ours listened are found now, not at the next poll.
    this.onReconnect();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.log.warn({}, 'job notifications: the listening connection was lost; polling meanwhile, reconnecting');
    this.warned = true;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.start(), this.retryMs);
    this.retry.unref();
  }
}
