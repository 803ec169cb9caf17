import type { Pool } from 'pg';
import type { JobStatus } from '../job-store.ts';

export interface JobSnapshot {
  id: string;
  status: JobStatus;
  stage: string;
  progress: number;
  attempts: number;
  error: string | null;
}

type Listener = (snapshot: JobSnapshot) => void;

/**
 * One poller per process for every client following a job (`GET /jobs/{id}/events`): each tick
 * reads all followed jobs in one query, however many clients follow them.
 */
export class JobEventHub {
  private readonly pool: Pool;
  private readonly everyMs: number;
  private readonly listeners = new Map<string, Set<Listener>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(pool: Pool, everyMs = 500) {
    this.pool = pool;
    this.everyMs = everyMs;
  }

  /** Calls `listener` with the job's state at every tick while followed; answers the unfollow. */
  follow(id: string, listener: Listener): () => void {
    const set = this.listeners.get(id) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(id, set);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.everyMs);
      this.timer.unref();
    }
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
      if (this.listeners.size === 0) this.close();
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.listeners.size === 0) return;
    this.polling = true;
    try {
      const result = await this.pool.query<JobSnapshot>('select id, status, stage, progress, attempts, error from job where id = any($1::uuid[])', [
        [...this.listeners.keys()],
      ]);
      for (const snapshot of result.rows) for (const listener of [...(this.listeners.get(snapshot.id) ?? [])]) listener(snapshot);
    } catch {
      // A missed tick is harmless: the next one reads the same rows.
    } finally {
      this.polling = false;
    }
  }
}
