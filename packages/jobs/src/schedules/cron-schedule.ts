import { InvalidInputError } from '@closecross/platform';
import { CronExpressionParser } from 'cron-parser';
import { isNyseTradingDay } from './trading-calendar.ts';

export interface ScheduleTiming {
  cron: string;
  timezone: string;
  trading_days_only: boolean;
}

/** A time zone the runtime knows (IANA names such as America/New_York, or UTC). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Checks a schedule's cron (5 fields, or 6 with seconds first) and zone; the error names the field. */
export function assertValidTiming(timing: Pick<ScheduleTiming, 'cron' | 'timezone'>): void {
  if (!isTimeZone(timing.timezone))
    throw new InvalidInputError(`body/timezone: unknown time zone "${timing.timezone}" (an IANA name such as America/New_York)`);
  const fields = timing.cron.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6)
    throw new InvalidInputError(`body/cron: "${timing.cron}" must have 5 fields (minute hour day month weekday) or 6 (seconds first)`);
  try {
    CronExpressionParser.parse(timing.cron, { tz: timing.timezone }).next();
  } catch (error) {
    throw new InvalidInputError(`body/cron: "${timing.cron}" is not a valid cron expression: ${(error as Error).message}`);
  }
}

const localDay = (instant: Date, timezone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);

/**
 * The next `count` ticks strictly after `after`, in the schedule's zone (so 09:30 stays 09:30
 * across daylight saving); with trading_days_only, ticks whose local day is not an NYSE trading
 * day are skipped.
 */
export function nextTicks(timing: ScheduleTiming, after: Date, count: number): Date[] {
  const ticks: Date[] = [];
  const expression = CronExpressionParser.parse(timing.cron, { tz: timing.timezone, currentDate: after });
  // A cron that only matches closed days (say, Saturdays with trading_days_only) has no tick: stop looking after a while.
  for (let looked = 0; ticks.length < count && looked < 10_000 && expression.hasNext(); looked++) {
    const tick = expression.next().toDate();
    if (!timing.trading_days_only || isNyseTradingDay(localDay(tick, timing.timezone))) ticks.push(tick);
  }
  return ticks;
}
