export type { Session, TradingCalendar } from './types.ts';
export { ExchangeCalendar, nyseCalendar, nyseClosures, nyseEarlyCloses, nyseSpecialClosures, type ExchangeHours } from './nyse.ts';
export { AlwaysOpenCalendar, alwaysOpenCalendar } from './always-open.ts';
export { addDays, utcDayOf, utcMidnight, weekdayOf } from './time-zone.ts';
import type { Bar, BarInterval } from '../events.ts';
import { alwaysOpenCalendar } from './always-open.ts';
import { nyseCalendar } from './nyse.ts';
import type { TradingCalendar } from './types.ts';

const cryptoQuotes = 'USD|USDT|USDC|BTC|ETH|EUR';
const cryptoPair = new RegExp(`^[A-Z0-9]+[-/](PERP|${cryptoQuotes})$`);
const cryptoBase = new RegExp(`^(BTC|ETH|SOL|XRP|DOGE|ADA|LTC|BNB|AVAX|DOT|LINK)(${cryptoQuotes}|PERP)?$`);

/**
 * Whether a symbol is crypto and so trades 24/7. The rule: a pair or perpetual written with a dash
 * or slash (BTC-PERP, ETH-USD, SOL/USDT, ...-USDC), or a major coin alone or glued to its quote
 * (BTC, ETHUSDT, BTCPERP). Anything else is a US equity (so ETHE, the Grayscale trust, stays NYSE).
 */
export function isCryptoSymbol(symbol: string): boolean {
  const upper = symbol.toUpperCase();
  return cryptoPair.test(upper) || cryptoBase.test(upper);
}

/** The calendar a symbol trades on: 24/7 for crypto, the NYSE otherwise. */
export function calendarForSymbol(symbol: string): TradingCalendar {
  return isCryptoSymbol(symbol) ? alwaysOpenCalendar : nyseCalendar;
}

/**
 * A daily bar spanning its session (open to close, 13:00 on a half day), from a date as found in
 * daily CSV files; throws when the market did not trade that day, which a daily file should not contain.
 */
export function dailyBar(
  symbol: string,
  day: string,
  prices: { open: number; high: number; low: number; close: number; volume: number },
  calendar: TradingCalendar = calendarForSymbol(symbol),
): Bar {
  const session = calendar.session(day);
  if (!session) throw new RangeError(`${symbol}: ${day} is not a session of ${calendar.name} (${calendar.closureReason(day) ?? 'closed'})`);
  const interval: BarInterval = '1d';
  return { kind: 'bar', symbol, interval, startMs: session.open, endMs: session.close, ...prices };
}
