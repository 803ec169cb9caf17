import { describe, expect, it } from 'vitest';
import { isNyseTradingDay, nyseHolidays } from '../src/index.ts';

// The NYSE's published holiday lists (nyse.com, "Holidays & Trading Hours").
const published: Record<number, string[]> = {
  2024: ['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25'],
  2025: [
    '2025-01-01',
    '2025-01-09',
    '2025-01-20',
    '2025-02-17',
    '2025-04-18',
    '2025-05-26',
    '2025-06-19',
    '2025-07-04',
    '2025-09-01',
    '2025-11-27',
    '2025-12-25',
  ],
  2026: ['2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25'],
};

describe('the NYSE trading-day calendar', () => {
  it.each(Object.keys(published).map(Number))('%i: the holidays are the published list, the national day of mourning for Jimmy Carter included', (year) => {
    expect([...nyseHolidays(year).keys()]).toEqual(published[year]);
    for (const day of published[year]!) expect(isNyseTradingDay(day)).toBe(false);
  });

  it('counts 252, 250 and 251 trading days in 2024, 2025 and 2026', () => {
    const tradingDays = (year: number) => {
      let count = 0;
      for (let date = new Date(Date.UTC(year, 0, 1)); date.getUTCFullYear() === year; date = new Date(date.getTime() + 86_400_000)) {
        if (isNyseTradingDay(date.toISOString().slice(0, 10))) count++;
      }
      return count;
    };
    expect([tradingDays(2024), tradingDays(2025), tradingDays(2026)]).toEqual([252, 250, 251]);
  });

  it('observes a Saturday holiday on the Friday and a Sunday one on the Monday, but never moves New Year into the old year', () => {
    expect(isNyseTradingDay('2026-07-03')).toBe(false); // July 4th 2026 is a Saturday
    expect(isNyseTradingDay('2022-06-20')).toBe(false); // Juneteenth 2022, a Sunday, observed Monday
    expect(isNyseTradingDay('2021-12-31')).toBe(true); // New Year's Day 2022 fell on a Saturday
    expect(isNyseTradingDay('2021-06-18')).toBe(true); // no Juneteenth holiday before 2022
  });

  it('closes on weekends and the special closures, and trades on an ordinary Tuesday', () => {
    expect(isNyseTradingDay('2026-03-07')).toBe(false);
    expect(isNyseTradingDay('2026-03-08')).toBe(false);
    expect(isNyseTradingDay('2012-10-29')).toBe(false);
    expect(isNyseTradingDay('2001-09-11')).toBe(false);
    expect(isNyseTradingDay('2026-03-10')).toBe(true);
  });
});
