import { describe, expect, it } from 'vitest';
import { isNyseTradingDay } from './support/nyse-rules-oracle.ts';
import { addDays, alwaysOpenCalendar, calendarForSymbol, dailyBar, isCryptoSymbol, nyseCalendar } from '../src/calendar/index.ts';

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('NYSE calendar', () => {
  it('agrees with the NYSE rules written out by hand (observance, Good Friday, special closures) on every day from 2000 to 2030', () => {
    const disagreements: string[] = [];
    for (let day = '2000-01-01'; day <= '2030-12-31'; day = addDays(day, 1)) {
      if (nyseCalendar.isSessionDay(day) !== isNyseTradingDay(day)) disagreements.push(day);
    }
    expect(disagreements).toEqual([]);
  });

  it('closes for Good Friday, Juneteenth from 2022, observed holidays and the Carter day of mourning', () => {
    expect(nyseCalendar.closureReason('2026-04-03')).toBe('Good Friday');
    expect(nyseCalendar.closureReason('2022-06-20')).toBe('Juneteenth');
    expect(nyseCalendar.isSessionDay('2021-06-18')).toBe(true); // federal holiday, but the NYSE started in 2022
    expect(nyseCalendar.closureReason('2026-07-03')).toBe('Independence Day'); // 4 July is a Saturday
    expect(nyseCalendar.closureReason('2025-01-09')).toBe('National Day of Mourning for Jimmy Carter');
    expect(nyseCalendar.isSessionDay('2021-12-31')).toBe(true); // New Year's Day 2022 on a Saturday is not observed
    expect(nyseCalendar.isSessionDay('2026-10-12')).toBe(true); // Columbus Day: federal, but the NYSE trades
    expect(nyseCalendar.isSessionDay('2026-11-11')).toBe(true); // Veterans Day likewise
    expect(nyseCalendar.closureReason('2026-12-25')).toBe('Christmas Day');
    expect(nyseCalendar.closureReason('2026-12-12')).toBe('Saturday');
  });

  it('closes at 13:00 New York on half days, in the right UTC hour either side of DST', () => {
    expect(nyseCalendar.session('2026-11-27')).toEqual({
      day: '2026-11-27',
      open: utc('2026-11-27T14:30:00Z'),
      close: utc('2026-11-27T18:00:00Z'),
      earlyClose: 'Day after Thanksgiving',
    });
    expect(nyseCalendar.session('2026-12-24')?.close).toBe(utc('2026-12-24T18:00:00Z'));
    expect(nyseCalendar.session('2025-07-03')?.close).toBe(utc('2025-07-03T17:00:00Z')); // EDT
    expect(nyseCalendar.session('2024-07-03')?.earlyClose).toBe('Day before Independence Day'); // a Wednesday, from 2013
    expect(nyseCalendar.session('2002-07-03')?.earlyClose).toBeUndefined(); // a Wednesday before 2013: full day...
    expect(nyseCalendar.session('2002-07-05')?.earlyClose).toBe('Day after Independence Day'); // ...and the Friday after was short
    expect(nyseCalendar.session('2022-12-23')?.earlyClose).toBeUndefined(); // Christmas Eve on a Saturday: no half day
    expect(nyseCalendar.session('2026-12-23')?.close).toBe(utc('2026-12-23T21:00:00Z'));
  });

  it('moves the open with daylight saving time (8 March and 1 November 2026)', () => {
    expect(iso(nyseCalendar.session('2026-03-06')!.open)).toBe('2026-03-06T14:30:00.000Z');
    expect(iso(nyseCalendar.session('2026-03-09')!.open)).toBe('2026-03-09T13:30:00.000Z');
    expect(iso(nyseCalendar.session('2026-10-30')!.close)).toBe('2026-10-30T20:00:00.000Z');
    expect(iso(nyseCalendar.session('2026-11-02')!.close)).toBe('2026-11-02T21:00:00.000Z');
  });

  it('answers session questions for a Saturday, a holiday and an open market', () => {
    const saturday = utc('2026-12-12T15:00:00Z');
    expect(nyseCalendar.isOpen(saturday)).toBe(false);
    expect(nyseCalendar.sessionOf(saturday)).toBeUndefined();
    expect(iso(nyseCalendar.nextOpen(saturday))).toBe('2026-12-14T14:30:00.000Z');
    expect(nyseCalendar.currentOrNextSession(saturday).day).toBe('2026-12-14');
    expect(nyseCalendar.previousSession(saturday).day).toBe('2026-12-11');

    const christmas = utc('2026-12-25T15:00:00Z');
    expect(nyseCalendar.currentOrNextSession(christmas).day).toBe('2026-12-28');
    expect(nyseCalendar.previousSession(christmas).day).toBe('2026-12-24');

    const mondayMorning = utc('2026-12-14T16:00:00Z');
    expect(nyseCalendar.sessionOf(mondayMorning)?.day).toBe('2026-12-14');
    expect(nyseCalendar.currentOrNextSession(mondayMorning).day).toBe('2026-12-14');
    expect(nyseCalendar.nextSession(mondayMorning).day).toBe('2026-12-15');
    expect(iso(nyseCalendar.nextOpen(mondayMorning))).toBe('2026-12-15T14:30:00.000Z');
    expect(nyseCalendar.previousSession(mondayMorning).day).toBe('2026-12-11');
    // the open is inside the session, the close is not
    expect(nyseCalendar.isOpen(utc('2026-12-14T14:30:00Z'))).toBe(true);
    expect(nyseCalendar.isOpen(utc('2026-12-14T21:00:00Z'))).toBe(false);
    expect(nyseCalendar.previousSession(utc('2026-12-14T21:00:00Z')).day).toBe('2026-12-14');
    expect(nyseCalendar.dayOf(utc('2026-12-15T03:00:00Z'))).toBe('2026-12-14'); // 22:00 in New York
    expect(nyseCalendar.dayOf(utc('2026-12-15T04:59:59.999Z'))).toBe('2026-12-14');
    expect(nyseCalendar.dayOf(utc('2026-12-15T05:00:00Z'))).toBe('2026-12-15'); // midnight in New York (EST)
    expect(nyseCalendar.dayOf(utc('2026-12-14T04:59:59.999Z'))).toBe('2026-12-13'); // back a day: the cached day's bounds hold
    // the days DST starts and ends are 23 and 25 hours long
    expect(nyseCalendar.dayOf(utc('2026-03-09T03:59:59Z'))).toBe('2026-03-08');
    expect(nyseCalendar.dayOf(utc('2026-03-09T04:00:00Z'))).toBe('2026-03-09');
    expect(nyseCalendar.dayOf(utc('2026-11-02T04:59:59Z'))).toBe('2026-11-01');
    expect(nyseCalendar.dayOf(utc('2026-11-02T05:00:00Z'))).toBe('2026-11-02');
    expect(nyseCalendar.dayOf(utc('2026-11-01T04:00:00Z'))).toBe('2026-11-01');
    expect(nyseCalendar.dayOf(utc('2026-11-01T03:59:59Z'))).toBe('2026-10-31');
  });

  it('refuses a malformed day with the value', () => {
    expect(() => nyseCalendar.session('2026-02-30')).toThrow('not a day (YYYY-MM-DD): "2026-02-30"');
  });

  it('answers a million sessionOf calls quickly (memoized per day)', () => {
    const start = utc('2026-01-02T14:30:00Z');
    const t0 = performance.now();
    let open = 0;
    for (let i = 0; i < 1_000_000; i++) if (nyseCalendar.sessionOf(start + (i % 390) * 60_000)) open++;
    expect(open).toBe(1_000_000);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe('24/7 calendar and the symbol rule', () => {
  it('is open on a Sunday and on Christmas; sessions are UTC days', () => {
    const sunday = utc('2026-12-13T03:15:00Z');
    expect(alwaysOpenCalendar.isOpen(sunday)).toBe(true);
    expect(alwaysOpenCalendar.sessionOf(sunday)).toEqual({ day: '2026-12-13', open: utc('2026-12-13T00:00:00Z'), close: utc('2026-12-14T00:00:00Z') });
    expect(alwaysOpenCalendar.isSessionDay('2026-12-25')).toBe(true);
    expect(alwaysOpenCalendar.nextSession(sunday).day).toBe('2026-12-14');
    expect(alwaysOpenCalendar.previousSession(sunday).day).toBe('2026-12-12');
    expect(iso(alwaysOpenCalendar.nextOpen(sunday))).toBe('2026-12-14T00:00:00.000Z');
    // at midnight exactly: Saturday's session has just closed, Sunday's has just opened
    const midnight = utc('2026-12-13T00:00:00Z');
    expect(alwaysOpenCalendar.previousSession(midnight).day).toBe('2026-12-12');
    expect(alwaysOpenCalendar.sessionOf(midnight)?.day).toBe('2026-12-13');
    expect(alwaysOpenCalendar.nextSession(midnight).day).toBe('2026-12-14');
    expect(alwaysOpenCalendar.nextOpen(midnight)).toBe(midnight);
  });

  it('sends crypto symbols to 24/7 and everything else to the NYSE', () => {
    for (const symbol of ['BTC-PERP', 'ETH-USD', 'SOL/USDT', 'BTCUSDT', 'btc', 'ETH']) expect(isCryptoSymbol(symbol), symbol).toBe(true);
    for (const symbol of ['AAPL', 'MSFT', 'ETHE', 'BRK.B', 'SPY']) expect(isCryptoSymbol(symbol), symbol).toBe(false);
    expect(calendarForSymbol('BTC-PERP').name).toBe('24/7');
    expect(calendarForSymbol('AAPL').name).toBe('XNYS');
  });

  it('builds a daily bar spanning its session, and refuses a holiday', () => {
    const bar = dailyBar('AAPL', '2026-11-27', { open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 });
    expect([iso(bar.startMs), iso(bar.endMs)]).toEqual(['2026-11-27T14:30:00.000Z', '2026-11-27T18:00:00.000Z']);
    expect(() => dailyBar('AAPL', '2026-11-26', { open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 })).toThrow(
      'AAPL: 2026-11-26 is not a session of XNYS (Thanksgiving Day)',
    );
  });
});
