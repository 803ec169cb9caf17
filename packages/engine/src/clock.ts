/**
 * The one clock. Every business decision (which session an order is for, whether a market is
 * open, when a snapshot is due, a deadline) asks a `Clock`, never `Date.now()`, so tests pin time
 * and backtests run on simulated time through the same code.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  nowMs(): number;
  /** The same instant as a Date. */
  now(): Date;
}

/** The wall clock, for live and paper trading. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  now: () => new Date(),
};

/** A clock that only moves when told: backtests advance it event by event; tests pin it. */
export class SimulatedClock implements Clock {
  private current: number;
  constructor(start: Date | number | string) {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
    if (!Number.isFinite(this.current)) throw new Error(`not an instant: ${String(start)}`);
  }
  nowMs(): number {
    return this.current;
  }
  now(): Date {
    return new Date(this.current);
  }
  /** Moves to an instant; time never runs backwards. */
  advanceTo(instant: Date | number): void {
    const ms = typeof instant === 'number' ? instant : instant.getTime();
    if (ms < this.current) throw new Error(`the clock cannot go back from ${new Date(this.current).toISOString()} to ${new Date(ms).toISOString()}`);
    this.current = ms;
  }
  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }
}
