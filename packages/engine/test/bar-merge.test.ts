import { Xoshiro128 } from '@closecross/quant';
import { describe, expect, it } from 'vitest';
import { BarMerger, type BarSource } from '../src/backtest/bar-merge.ts';
import type { Bar } from '../src/events.ts';

const bar = (symbol: string, startMs: number, endMs: number): Bar => ({
  kind: 'bar',
  symbol,
  interval: '1m',
  startMs,
  endMs,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 1,
});

async function drain(sources: BarSource[]): Promise<Bar[]> {
  const merger = new BarMerger(sources);
  await merger.start();
  const out: Bar[] = [];
  for (;;) {
    const next = merger.next();
    if (next !== undefined) out.push(next);
    else if (merger.needsRefill) await merger.refill();
    else break;
  }
  expect(merger.done).toBe(true);
  return out;
}

/** The definition: each step takes the head that ends first, then starts first, then the first source. */
function reference(sources: Bar[][]): Bar[] {
  const positions = sources.map(() => 0);
  const out: Bar[] = [];
  for (;;) {
    let best = -1;
    for (let k = 0; k < sources.length; k++) {
      const head = sources[k]![positions[k]!];
      if (head === undefined) continue;
      const current = best < 0 ? undefined : sources[best]![positions[best]!]!;
      if (!current || head.endMs < current.endMs || (head.endMs === current.endMs && head.startMs < current.startMs)) best = k;
    }
    if (best < 0) return out;
    out.push(sources[best]![positions[best]!++]!);
  }
}

async function* chunked(bars: Bar[], size: number): AsyncGenerator<Bar[]> {
  for (let i = 0; i < bars.length; i += size) yield bars.slice(i, i + size);
}

describe('merging bar sources in time order (the batch of sources sharing an instant)', () => {
  it('aligned daily-like sources come out by instant, then source order', async () => {
    const sources = [0, 1, 2].map((k) => [0, 1, 2, 3].map((day) => bar(`S${k}`, day * 10, day * 10 + 5)));
    const merged = await drain(sources);
    expect(merged.map((b) => `${b.symbol}@${b.endMs}`)).toEqual([
      'S0@5',
      'S1@5',
      'S2@5',
      'S0@15',
      'S1@15',
      'S2@15',
      'S0@25',
      'S1@25',
      'S2@25',
      'S0@35',
      'S1@35',
      'S2@35',
    ]);
  });

  it('matches the definition on 200 random mixes: misaligned instants, ties, grouped sources with equal ends, chunks and synchronous iterators', async () => {
    const random = new Xoshiro128(7, 1);
    const pick = (n: number) => Math.floor(random.nextOpenUnit() * n);
    for (let round = 0; round < 200; round++) {
      const sourceBars: Bar[][] = [];
      const sources: BarSource[] = [];
      for (let k = 0, count = 1 + pick(6); k < count; k++) {
        const bars: Bar[] = [];
        let end = pick(3);
        for (let i = 0, length = pick(12); i < length; i++) {
          end += pick(3); // 0: same end as the bar before (a grouped source)
          bars.push(bar(`S${k}.${i}`, end - 1 - pick(3), end));
        }
        sourceBars.push(bars);
        const kind = pick(3);
        sources.push(kind === 0 ? bars : kind === 1 ? chunked(bars, 1 + pick(4)) : bars.values());
      }
      expect(await drain(sources)).toEqual(reference(sourceBars));
    }
  });

  it('refuses a source out of time order, naming both times', async () => {
    await expect(drain([[bar('A', 0, 60_000), bar('A', 0, 30_000)]])).rejects.toThrow(
      /bars of A out of time order: 1970-01-01T00:00:30.000Z after 1970-01-01T00:01:00.000Z/,
    );
  });
});
