import { systemClock, type Clock } from '@closecross/engine';
import { utcIsoColumn } from '@closecross/platform';
import type { Pool } from 'pg';
import { nextTicks, type ScheduleTiming } from './cron-schedule.ts';

export interface ScheduleInput extends ScheduleTiming {
  kind: string;
  params: Record<string, unknown>;
  enabled: boolean;
}

export interface ScheduleView extends ScheduleInput {
  name: string;
  last_tick: string | null;
  next_run: string | null;
  created_at: string;
  updated_at: string;
}

const viewColumns = `name, kind, cron, timezone, trading_days_only, params, enabled, ${utcIsoColumn('last_tick')}, ${utcIsoColumn('next_run')}, ${utcIsoColumn('created_at')}, ${utcIsoColumn('updated_at')}`;

/** The `job_schedule` table. */
export class ScheduleStore {
  private readonly pool: Pool;
  private readonly clock: Clock;
  /** `clock` says when "now" is for a schedule's next run (tests pin it). */
  constructor(pool: Pool, clock: Clock = systemClock) {
    this.pool = pool;
    this.clock = clock;
  }

  async list(): Promise<ScheduleView[]> {
    return (await this.pool.query<ScheduleView>(`select ${viewColumns} from job_schedule order by name`)).rows;
  }

  async get(name: string): Promise<ScheduleView | undefined> {
    return (await this.pool.query<ScheduleView>(`select ${viewColumns} from job_schedule where name = $1`, [name])).rows[0];
  }

  /**
   * Creates or changes a schedule; its next run is computed afresh from now, so a changed cron
   * takes effect at once. Answers the schedule and whether it is new.
   */
  async put(name: string, input: ScheduleInput, now = this.clock.now()): Promise<{ schedule: ScheduleView; created: boolean }> {
    const nextRun = input.enabled ? (nextTicks(input, now, 1)[0] ?? null) : null;
    const result = await this.pool.query<ScheduleView & { created: boolean }>(
      `insert into job_schedule (name, kind, cron, timezone, trading_days_only, params, enabled, next_run)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (name) do update set kind = excluded.kind, cron = excluded.cron, timezone = excluded.timezone,
         trading_days_only = excluded.trading_days_only, params = excluded.params, enabled = excluded.enabled,
         next_run = excluded.next_run, updated_at = now()
       returning ${viewColumns}, (xmax = 0) as created`,
      [name, input.kind, input.cron, input.timezone, input.trading_days_only, JSON.stringify(input.params), input.enabled, nextRun],
    );
    const { created, ...schedule } = result.rows[0]!;
    return { schedule, created };
  }

  async remove(name: string): Promise<boolean> {
    return (await this.pool.query('delete from job_schedule where name = $1', [name])).rowCount === 1;
  }
}
