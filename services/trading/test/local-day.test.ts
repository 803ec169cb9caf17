import { describe, expect, it } from 'vitest';
import { LocalDay } from '../src/risk/local-day.ts';
import { localClock } from '../src/sessions.ts';

describe('the local day every pre-trade check asks (kept for the UTC minute it was read in)', () => {
  it('New York turns to the next day at its midnight, 05:00 UTC in winter, between two calls a few seconds apart', () => {
    const newYork = new LocalDay('America/New_York');
    expect(newYork.of(new Date('2026-12-08T04:59:30.000Z'))).toBe('2026-12-07');
    expect(newYork.of(new Date('2026-12-08T04:59:59.999Z'))).toBe('2026-12-07');
    expect(newYork.of(new Date('2026-12-08T05:00:00.000Z'))).toBe('2026-12-08');
    // A pinned clock set back answers the earlier day again.
    expect(newYork.of(new Date('2026-12-08T04:59:59.000Z'))).toBe('2026-12-07');
  });

  it('midnight in summer time (04:00 UTC) and in a zone offset by 45 minutes (Kathmandu, 18:15 UTC)', () => {
    const newYork = new LocalDay('America/New_York');
    expect(newYork.of(new Date('2026-11-01T03:59:59.999Z'))).toBe('2026-10-31');
    expect(newYork.of(new Date('2026-11-01T04:00:00.000Z'))).toBe('2026-11-01');
    const kathmandu = new LocalDay('Asia/Kathmandu');
    expect(kathmandu.of(new Date('2026-12-07T18:14:59.999Z'))).toBe('2026-12-07');
    expect(kathmandu.of(new Date('2026-12-07T18:15:00.000Z'))).toBe('2026-12-08');
  });

  it('answers what localClock answers for 5,000 instants across both 2026 clock changes, asked in time order and shuffled', () => {
    const zones = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe'];
    let state = 11;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
    const around = [
      Date.parse('2026-03-08T00:00:00Z'),
      Date.parse('2026-03-29T00:00:00Z'),
      Date.parse('2026-10-25T00:00:00Z'),
      Date.parse('2026-11-01T00:00:00Z'),
    ];
    const instants = Array.from({ length: 5_000 }, (_, i) => around[i % around.length]! + Math.floor(random() * 2 * 86_400_000));
    for (const zone of zones) {
      const inOrder = new LocalDay(zone);
      for (const ms of [...instants].sort((a, b) => a - b)) expect(inOrder.of(new Date(ms))).toBe(localClock(new Date(ms), zone).day);
      const shuffled = new LocalDay(zone);
      for (const ms of instants) expect(shuffled.of(new Date(ms))).toBe(localClock(new Date(ms), zone).day);
    }
  });
});
