/** A trading session: one calendar day's open and close, as instants. */
export interface Session {
  /** The session's calendar day in the market's own time zone, YYYY-MM-DD. */
  readonly day: string;
  /** Epoch ms, UTC. */
  readonly open: number;
  /** Epoch ms, UTC; exclusive: the market is open for open <= t < close. */
  readonly close: number;
  /** A half day (13:00 New York close on the NYSE), with the reason. */
  readonly earlyClose?: string;
}

/**
 * When a market trades. Days are YYYY-MM-DD in the calendar's time zone; instants are epoch ms.
 * Implementations memoize per day: the exchange asks per event.
 */
export interface TradingCalendar {
  /** e.g. 'XNYS', '24/7'. */
  readonly name: string;
  /** IANA zone the sessions are defined in. */
  readonly timeZone: string;
  /** Whether the market trades on that day (weekends, holidays and special closures do not). */
  isSessionDay(day: string): boolean;
  /** Why a weekday is shut ("Christmas Day"), or undefined. */
  closureReason(day: string): string | undefined;
  /** The session on a day, or undefined when the market does not trade that day. */
  session(day: string): Session | undefined;
  /** Whether the market is open at an instant. */
  isOpen(ms: number): boolean;
  /** The session an instant falls in (open <= ms < close), or undefined when the market is shut. */
  sessionOf(ms: number): Session | undefined;
  /** The session an instant falls in, or else the next one to open. */
  currentOrNextSession(ms: number): Session;
  /** The open of the next session that opens at or after `ms` (ms itself if a session opens then). */
  nextOpen(ms: number): number;
  /** The first session that opens strictly after `ms`. */
  nextSession(ms: number): Session;
  /** The last session that closed at or before `ms`. */
  previousSession(ms: number): Session;
  /** The calendar day (market time zone) of an instant. */
  dayOf(ms: number): string;
}
