import { backoffDelay } from '@closecross/platform';

/** When a failed delivery is tried again: exponential backoff from `baseMs`, capped at `maxMs`. */
export interface RetrySchedule {
  baseMs: number;
  maxMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
}

/**
 * Jitter draws each delay from [lowestJitter, 1] of its nominal value, so deliverers retrying
 * together spread out. Not the platform's full jitter (from 0): the schedule promises a shortest
 * span (outageCoveredMs), which a wait of 0 would break.
 */
const lowestJitter = 0.5;

/** The wait after the `attempt`-th failed attempt (from 1): the platform's backoff, doubling from `baseMs`. */
export function retryDelayMs(schedule: RetrySchedule, attempt: number, random: () => number = Math.random): number {
  const nominal = backoffDelay(attempt, { minDelayMs: schedule.baseMs, maxDelayMs: schedule.maxMs, factor: 2, jitter: false });
  return Math.round(nominal * (lowestJitter + (1 - lowestJitter) * random()));
}

/**
 * The longest outage of a channel a delivery is sure to outlive: the time from its first attempt
 * to its last with every jitter at its lowest. An outage shorter than this loses no alert.
 */
export function outageCoveredMs(schedule: RetrySchedule): number {
  let total = 0;
  for (let attempt = 1; attempt < schedule.maxAttempts; attempt++) total += retryDelayMs(schedule, attempt, () => 0);
  return total;
}
