export type { Session, TradingCalendar } from './types.ts';
import type { TradingCalendar } from './types.ts';

/** Stub: implementation lands next. */
export function calendarForSymbol(_symbol: string): TradingCalendar {
  throw new Error('not implemented yet');
}
