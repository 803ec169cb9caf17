import { withTransaction } from '@closecross/db';
import type { Clock } from '@closecross/engine';
import type { Pool, PoolClient } from 'pg';
import { nextTicks } from './cron-schedule.ts';

interface DueSchedule {
  name: string;
  kind: string;
  cron: string;
  timezone: string;
  trading_days_only: boolean;
  params: Record<string, unknown>;
  next_run: Date;
}

export interface ScheduleTickerOptions {
  pool: Pool;
  log: { warn(object: object, message: string): void; error(object: object, message: string): void };
  everySeconds: number;
  /** Which ticks are due, and the next one after a late tick. */
  clock: Clock;
  /** The kinds this task runs: it fires only their schedules. */
  kinds: () => string[];
  enqueueWith: (client: PoolClient, kind: string, params: object, options: { createdBy: string; idempotencyKey: string }) => Promise<string>;
  afterEnqueue: (kind: string) => void;
}

/**
 * Fires due schedules. Every task running the engine looks every few seconds; a tick fires once
 * however many look, because moving the schedule's next run (compare-and-set on the tick seen)
 * and queueing its job are one transaction: a second task's compare fails, or waits for the
 * first to commit and then fails. A tick missed while no task ran fires once, late; the next run
 * is then the first tick after now (no backfill).
 */
export class ScheduleTicker {
  private readonly options: ScheduleTickerOptions;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(options: ScheduleTickerOptions) {
    this.options = options;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.everySeconds * 1000);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /** One look at the due schedules (one at a time per task). */
  tick(): Promise<void> {
    this.ticking ??= this.fireDue()
      .catch((error) => this.options.log.error({ err: error }, 'schedule evaluation failed'))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async fireDue(): Promise<void> {
    const kinds = this.options.kinds();
    if (kinds.length === 0) return;
    const due = await this.options.pool.query<DueSchedule>(
      `select name, kind, cron, timezone, trading_days_only, params, next_run from job_schedule
       where enabled and next_run <= $2 and kind = any($1::text[]) order by next_run`,
      [kinds, this.options.clock.now()],
    );
    for (const schedule of due.rows) await this.fire(schedule);
  }

  private async fire(schedule: DueSchedule): Promise<void> {
    const now = this.options.clock.now();
    const following = nextTicks(schedule, now > schedule.next_run ? now : schedule.next_run, 1)[0] ?? null;
    try {
      const fired = await withTransaction(this.options.pool, async (client) => {
        const claimed = await client.query(
          `update job_schedule set last_tick = $2, next_run = $3, updated_at = now() where name = $1 and enabled and next_run = $2`,
          [schedule.name, schedule.next_run, following],
        );
        if (claimed.rowCount !== 1) return false;
        // The key makes the tick's job unique too, should two transactions ever both pass the compare.
        await this.options.enqueueWith(client, schedule.kind, schedule.params, {
          createdBy: `schedule:${schedule.name}`,
          idempotencyKey: `schedule:${schedule.name}:${schedule.next_run.toISOString()}`,
        });
        return true;
      });
      if (fired) this.options.afterEnqueue(schedule.kind);
    } catch (error) {
      this.options.log.warn({ err: error, schedule: schedule.name }, 'schedule tick not fired; retried at the next look');
    }
  }
}
