import { describe, expect, it } from 'vitest';
import { searchCapacity } from './bench-capacity-search.ts';

/** A system that holds every rate up to `capacity`, and the rates it was tried at. */
function systemHolding(capacity: number) {
  const tried: number[] = [];
  return { tried, holds: async (rate: number) => (tried.push(rate), rate <= capacity) };
}

describe('searchCapacity (the prices bench finds its capacity with it)', () => {
  it('doubles while held, then bisects between the last held and the first missed', async () => {
    const system = systemHolding(37_000);
    expect(await searchCapacity(system.holds, { from: 5_000, ceiling: 320_000, steps: 3 })).toBe(35_000);
    expect(system.tried).toEqual([5_000, 10_000, 20_000, 40_000, 30_000, 35_000, 37_500]);
  });

  it('finds more than the rate it starts from: a paced bench could not', async () => {
    expect(await searchCapacity(systemHolding(150_000).holds, { from: 5_000, ceiling: 320_000, steps: 6 })).toBeGreaterThan(140_000);
  });

  it('goes down by halves when even the first rate is missed, and answers 0 when nothing is held', async () => {
    const system = systemHolding(1_300);
    expect(await searchCapacity(system.holds, { from: 5_000, ceiling: 320_000, steps: 2 })).toBe(1_250);
    expect(system.tried).toEqual([5_000, 2_500, 1_250, 1_900, 1_600]);
    expect(await searchCapacity(systemHolding(50).holds, { from: 5_000, ceiling: 320_000, steps: 2 })).toBe(0);
  });

  it('stops at the ceiling it may offer', async () => {
    const system = systemHolding(10_000_000);
    expect(await searchCapacity(system.holds, { from: 5_000, ceiling: 40_000, steps: 3 })).toBe(40_000);
    expect(system.tried.at(-1)).toBe(40_000);
  });
});
