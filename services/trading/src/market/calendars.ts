import { calendarForSymbol, isCryptoSymbol, type TradingCalendar } from '@closecross/engine';

/** Crypto pairs and perpetuals (BTC-PERP, ETH-USD, BTCUSDT) trade around the clock; everything else on the NYSE. */
export { isCryptoSymbol };

/**
 * The calendar a symbol trades on (the engine's: the NYSE with its holidays and 13:00 half days,
 * or 24/7 for crypto): sessions, MOO/MOC times and day-order expiry all come from it.
 */
export function calendarFor(symbol: string): TradingCalendar {
  return calendarForSymbol(symbol);
}
