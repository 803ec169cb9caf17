import { recordAlert, type Queryable } from '@closecross/alerts';

export type LagChange = 'started' | 'recovered';

/**
 * One shard's lag episodes, as seen by the task reading it: an episode starts when the lag goes
 * over the threshold and recovers once it is back under half of it, so a lag hovering at the
 * threshold is one episode, not an alert a batch. `changeFor` only answers; `settle` moves the
 * state once the alert committed, so a rolled-back batch alerts again with the next one.
 */
export class LagEpisodes {
  private readonly thresholdMs: number;
  private open = false;

  constructor(thresholdMs: number) {
    this.thresholdMs = thresholdMs;
  }

  changeFor(lagMs: number | null): LagChange | undefined {
    if (this.thresholdMs <= 0 || lagMs === null) return undefined;
    if (!this.open && lagMs > this.thresholdMs) return 'started';
    if (this.open && lagMs <= this.thresholdMs / 2) return 'recovered';
    return undefined;
  }

  settle(change: LagChange): void {
    this.open = change === 'started';
  }
}

/** The ingest_lag alert of a shard's episode, through `db` (the batch's transaction when there is one). */
export async function recordLagAlert(
  db: Queryable,
  input: { stream: string; shardId: string; change: LagChange; lagMs: number; thresholdMs: number },
): Promise<void> {
  await recordAlert(db, {
    event: 'ingest_lag',
    payload: {
      source: `${input.stream}/${input.shardId}`,
      state: input.change,
      lag_seconds: Math.round(input.lagMs / 1000),
      threshold_seconds: Math.round(input.thresholdMs / 1000),
    },
  });
}
