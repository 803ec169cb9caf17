import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  drawNormalReturns,
  inverseNormalCdf,
  inverseNormalCdfLowerTail,
  monteCarloVar,
  rotl,
  seedState,
  Xoshiro128,
  type GeneratorState,
} from '../src/index.ts';
import { jumpState } from '../src/random/xoshiro128-jump.ts';
import { scanLowWords } from '../src/var/tail-scan.ts';
import { tailScanWasmBase64 } from '../src/var/tail-scan.wasm.ts';
import { compileTailScanWat } from './support/compile-wat.ts';

/** The stream's words below `threshold` as "index:word", read one by one. */
/** The next `n` words of a generator standing at `state` (the same step as Xoshiro128). */
function wordsFrom(state: GeneratorState, n: number): number[] {
  let { s0, s1, s2, s3 } = state;
  const words: number[] = [];
  for (let i = 0; i < n; i++) {
    words.push(Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
  }
  return words;
}

function keptOneByOne(seed: number, stream: number, draws: number, threshold: number): string[] {
  const generator = new Xoshiro128(seed, stream);
  const kept: string[] = [];
  for (let i = 0; i < draws; i++) {
    const word = generator.nextUint32();
    if (word < threshold) kept.push(`${i}:${word}`);
  }
  return kept.sort();
}

describe('xoshiro128** jump-ahead', () => {
  it.each([0, 1, 2, 31, 1_000, 12_345, 250_001])('the state %i draws on is the state after stepping that many times', (steps) => {
    const generator = new Xoshiro128(42, 3);
    for (let i = 0; i < steps; i++) generator.nextUint32();
    expect(wordsFrom(jumpState(seedState(42, 3), steps), 8)).toEqual(Array.from({ length: 8 }, () => generator.nextUint32()));
  });

  it('refuses a negative or fractional jump', () => {
    expect(() => jumpState(seedState(1), -1)).toThrow('steps must be a non-negative safe integer, got -1');
    expect(() => jumpState(seedState(1), 1.5)).toThrow('got 1.5');
  });
});

describe('the SIMD tail scan', () => {
  it.each([
    [4_000, 7, 0],
    [10_003, 8, 2],
    [99_999, 9, 5],
  ])('keeps exactly the words and draw indexes a one-by-one scan keeps (d=%i, seed %i, stream %i)', (d, seed, stream) => {
    const threshold = Math.floor(0.06 * 4294967296);
    const scanned = scanLowWords(seedState(seed, stream), d, threshold, d);
    expect(scanned).toBeDefined();
    const covered = scanned!.covered;
    expect(covered).toBe(4 * Math.floor(d / 4));
    const kept = Array.from({ length: scanned!.count }, (_, k) => `${scanned!.indexes[k]}:${scanned!.words[k]}`).sort();
    expect(kept).toEqual(keptOneByOne(seed, stream, covered, threshold));
    // The draws past the four lanes go on from the state it answers.
    const generator = new Xoshiro128(seed, stream);
    for (let i = 0; i < covered; i++) generator.nextUint32();
    expect(wordsFrom(scanned!.after, 3)).toEqual([generator.nextUint32(), generator.nextUint32(), generator.nextUint32()]);
  });

  it('answers undefined when more words are below the threshold than it has room for', () => {
    expect(scanLowWords(seedState(1), 40_000, Math.floor(0.5 * 4294967296), 1_000)).toBeUndefined();
  });

  it('runs the bytes compiled from tail-scan.wat as committed (pnpm --filter @closecross/quant build:wasm)', async () => {
    const compiled = await compileTailScanWat(readFileSync(new URL('../src/var/tail-scan.wat', import.meta.url), 'utf8'));
    expect(Buffer.from(compiled).toString('base64')).toBe(tailScanWasmBase64);
  });
});

describe('monteCarloVar through the SIMD scan', () => {
  it('at d = 1,000,003 (four lanes and three draws past them) equals sorting all the draws as the reference did', () => {
    const d = 1_000_003;
    const draws = drawNormalReturns(0.0003, 0.015, d, 11).sort();
    const estimate = monteCarloVar(0.0003, 0.015, d, 11);
    expect(estimate.var95).toBe(draws[d - 1 - Math.floor(d * 0.95)]);
    expect(estimate.var99).toBe(draws[d - 1 - Math.floor(d * 0.99)]);
    const tailMean = (count: number) => draws.subarray(0, count).reduce((sum, value) => sum + value, 0) / count;
    expect(estimate.es95).toBeCloseTo(tailMean(d - Math.floor(d * 0.95)), 13);
    expect(estimate.es99).toBeCloseTo(tailMean(d - Math.floor(d * 0.99)), 13);
  });

  it('the lower-tail normal transform is bit for bit the general one below 0.07', () => {
    const generator = new Xoshiro128(5);
    const differing: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const p = generator.nextOpenUnit() * 0.07 * (i % 2 ? 1 : 1e-12);
      if (inverseNormalCdfLowerTail(p) !== inverseNormalCdf(p)) differing.push(p);
    }
    expect(differing).toEqual([]);
    expect(inverseNormalCdfLowerTail(1e-300)).toBe(inverseNormalCdf(1e-300));
  });
});
