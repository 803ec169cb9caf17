import { localClock } from '../sessions.ts';

/**
 * The local day of an instant in one time zone, as every pre-trade check asks it. Intl's
 * formatToParts costs more than the rest of a check's bookkeeping, so the day is kept for the UTC
 * minute it was read in: time zones are offset by whole minutes, so a local day starts on a UTC
 * minute and the day read once holds for the whole of that minute.
 */
export class LocalDay {
  private readonly timezone: string;
  private known: { minute: number; day: string } | undefined;
  constructor(timezone: string) {
    this.timezone = timezone;
  }

  of(instant: Date): string {
    const minute = Math.floor(instant.getTime() / 60_000);
    if (this.known?.minute !== minute) this.known = { minute, day: localClock(instant, this.timezone).day };
    return this.known.day;
  }
}
