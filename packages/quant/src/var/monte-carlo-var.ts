import { InvalidParameterError, requireInteger } from '../errors.ts';
import { rotl, seedState, Xoshiro128 } from '../random/xoshiro128.ts';
import { inverseNormalCdf, inverseNormalCdfLowerTail } from '../stats/normal.ts';
import { scanLowWords } from './tail-scan.ts';

/**
 * Monte Carlo Value at Risk of a Normal(mean, std) daily return, with the reference's
 * estimator: draw `d` returns, sort them from highest to lowest, and take the values at
 * positions int(d*0.95) and int(d*0.99): the 5th and 1st percentiles, as fractions.
 *
 * Draw i is mean + std * z_i with z_i = Phi^-1(u_i) (inverse-transform sampling). The uniform
 * u_i has 53 bits: its high 32 are word i of a seeded xoshiro128** stream, its low 21 a hash of
 * (stream key, i), so they can be computed for the few draws that need them. Phi^-1 keeps order, so the k-th
 * lowest draw is Phi^-1 of the k-th lowest uniform: only the uniforms that can be among the
 * lowest few percent are kept, one order statistic is selected among them (no sort), and only
 * the tail is transformed. The result is exactly what sorting all d transformed draws gives.
 */

export interface MonteCarloVar {
  var95: number;
  var99: number;
  /** Expected shortfall: the mean of the draws at or below each VaR. */
  es95: number;
  es99: number;
}

/** Positions, counted from the lowest draw, of the reference's descending-sort indexes. */
export function tailRanks(d: number): { rank95: number; rank99: number } {
  return { rank95: d - 1 - Math.floor(d * 0.95), rank99: d - 1 - Math.floor(d * 0.99) };
}

const twoTo53 = 9007199254740992;

/** The 53-bit uniform in (0, 1) of a draw: never 0, so Phi^-1 stays finite. */
const uniformOf = (high: number, low21: number) => (high * 2097152 + low21 + 0.5) / twoTo53;

/** Per-stream key of the low-bit hash. */
function lowBitsKey(seed: number, stream: number): number {
  const state = seedState(seed, stream);
  return (state.s0 ^ state.s2) >>> 0;
}

/** Low 21 bits of draw i: a counter-based hash, so any draw's can be had without the others'. */
function lowBits(key: number, i: number): number {
  let h = (key ^ Math.imul(i, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 11;
}

export const minShots = 100;
export const maxShots = 100_000_000;

function checkInputs(mean: number, std: number, d: number): void {
  requireInteger('d', d, minShots, maxShots);
  if (!Number.isFinite(mean)) throw new InvalidParameterError('mean', `must be a finite number, got ${mean}`);
  if (!Number.isFinite(std) || std < 0) throw new InvalidParameterError('std', `must be a finite number >= 0, got ${std}`);
}

/** From this many draws on, the scan reads four stretches of the stream at once (tail-scan.ts). */
const simdMinShots = 1024;

/**
 * Fills `tail` with the uniforms of the draws whose high word is below `threshold`, unordered;
 * answers how many, or -1 when they do not fit (the caller widens and scans again).
 */
function keepLowUniforms(tail: Float64Array, d: number, threshold: number, seed: number, stream: number): number {
  const key = lowBitsKey(seed, stream);
  let state = seedState(seed, stream);
  let count = 0;
  let from = 0;
  if (threshold < 4294967296 && d >= simdMinShots) {
    const kept = scanLowWords(state, d, threshold, tail.length);
    if (!kept) return -1;
    const { words, indexes } = kept;
    for (let k = 0; k < kept.count; k++) tail[k] = uniformOf(words[k]!, lowBits(key, indexes[k]!));
    count = kept.count;
    from = kept.covered;
    state = kept.after;
  }
  let { s0, s1, s2, s3 } = state;
  for (let i = from; i < d; i++) {
    // One xoshiro128** step, inlined: the high word of draw i's uniform.
    const high = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    if (high < threshold) {
      if (count === tail.length) return -1;
      tail[count++] = uniformOf(high, lowBits(key, i));
    }
  }
  return count;
}

/** Up to this many kept uniforms (8 MB) the buffer is kept for the next estimate of this thread. */
const reusedTailLength = 1_048_576;
let reusedTail = new Float64Array(0);

/**
 * Room for `length` kept uniforms. A thread's estimates run one at a time and each is done with its
 * tail before it returns, so one buffer serves them all: no 0.5 MB allocation (zeroed, then
 * collected) per signal at d = 1e6, which two threads paid at once. Larger tails are not kept.
 */
function tailBuffer(length: number): Float64Array {
  if (length > reusedTailLength) return new Float64Array(length);
  if (reusedTail.length < length) reusedTail = new Float64Array(Math.min(reusedTailLength, Math.max(length, 2 * reusedTail.length)));
  return reusedTail.subarray(0, length);
}

/**
 * The lowest uniforms of the stream: at least `needed` of them, in `tail[0..count)`, unordered.
 * The threshold leaves room for eight standard deviations of the binomial count, and the rare
 * stream that still falls short is simply read again with the threshold doubled, at last keeping everything.
 */
function lowestUniforms(d: number, needed: number, seed: number, stream: number): { tail: Float64Array; count: number; top: number } {
  const expected = needed + 8 * Math.sqrt(needed) + 32;
  let fraction = Math.min(1, expected / d);
  for (;;) {
    const threshold = fraction >= 1 ? 4294967296 : Math.floor(fraction * 4294967296);
    const tail = tailBuffer(Math.min(d, Math.ceil(fraction * d * 1.2) + 64));
    const count = keepLowUniforms(tail, d, threshold, seed, stream);
    // Every kept uniform is below `top`: (high + 1) / 2^32 <= threshold / 2^32.
    if (count >= needed) return { tail, count, top: threshold / 4294967296 };
    fraction = Math.min(1, fraction * 2);
  }
}

/**
 * The `rank`-th lowest (from 0) of `values[0..count)`, all in [0, top): the histogram's bucket
 * that holds it, then a sort of that bucket's few values. Answers the value and how many are lower.
 */
function orderStatistic(values: Float64Array, count: number, rank: number, counts: Int32Array, scale: number): number {
  let bucket = 0;
  let below = 0;
  while (below + counts[bucket]! <= rank) below += counts[bucket++]!;
  const members = new Float64Array(counts[bucket]!);
  let found = 0;
  for (let i = 0; i < count; i++) {
    const value = values[i]!;
    if (((value * scale) | 0) === bucket) members[found++] = value;
  }
  return members.sort()[rank - below]!;
}

/**
 * What an estimate takes from its draws, before the mean and std scale them: the standard normal
 * quantiles at both ranks and the sums of the standard draws at or below them. It depends only on
 * (d, seed, stream), so it can be drawn before the signal's window statistics are known.
 */
export interface StandardTail {
  z95: number;
  z99: number;
  sum95: number;
  sum99: number;
}

/** The standard tail of `d` draws of stream `stream` of `seed` (monteCarloVar's draws, unscaled). */
export function standardTail(d: number, seed: number, stream = 0): StandardTail {
  requireInteger('d', d, minShots, maxShots);
  const { rank95, rank99 } = tailRanks(d);
  const { tail, count, top } = lowestUniforms(d, rank95 + 1, seed, stream);
  // A histogram of the kept uniforms (about 16 a bucket) finds both order statistics without a sort
  // or a selection over all of them: only the two buckets that hold them are looked into.
  const buckets = Math.min(16_384, Math.max(16, 2 ** Math.ceil(Math.log2(count / 16))));
  const scale = buckets / top;
  const counts = new Int32Array(buckets + 1);
  for (let i = 0; i < count; i++) counts[(tail[i]! * scale) | 0]!++;
  const u95 = orderStatistic(tail, count, rank95, counts, scale);
  const u99 = orderStatistic(tail, count, rank99, counts, scale);
  // ES: the mean of the draws at or below each VaR. Those strictly below are summed; the VaR's own
  // draw fills the rest of the rank95 + 1 (rank99 + 1) places, so ties count exactly as a sort would.
  let sum95 = 0;
  let sum99 = 0;
  let below95 = 0;
  let below99 = 0;
  for (let i = 0; i < count; i++) {
    const u = tail[i]!;
    if (u < u95) {
      // Below 0.07 (every one of them at large d) the lower-tail form gives the same z, faster.
      const z = u < 0.07 ? inverseNormalCdfLowerTail(u) : inverseNormalCdf(u);
      sum95 += z;
      below95++;
      if (u < u99) {
        sum99 += z;
        below99++;
      }
    }
  }
  const z95 = inverseNormalCdf(u95);
  const z99 = inverseNormalCdf(u99);
  sum95 += (rank95 + 1 - below95) * z95;
  sum99 += (rank99 + 1 - below99) * z99;
  return { z95, z99, sum95, sum99 };
}

/** The estimate of Normal(mean, std) returns from the standard tail of its `d` draws. */
export function scaledTail(mean: number, std: number, d: number, { z95, z99, sum95, sum99 }: StandardTail): MonteCarloVar {
  checkInputs(mean, std, d);
  const { rank95, rank99 } = tailRanks(d);
  return {
    var95: mean + std * z95,
    var99: mean + std * z99,
    es95: mean + (std * sum95) / (rank95 + 1),
    es99: mean + (std * sum99) / (rank99 + 1),
  };
}

/** One resource's estimate from `d` draws of stream `stream` of `seed`. */
export function monteCarloVar(mean: number, std: number, d: number, seed: number, stream = 0): MonteCarloVar {
  checkInputs(mean, std, d);
  return scaledTail(mean, std, d, standardTail(d, seed, stream));
}

/**
 * All `d` draws of a stream, in drawing order: the slow, obvious form of the same sample, for
 * tests and for anyone who wants the simulated returns themselves.
 */
export function drawNormalReturns(mean: number, std: number, d: number, seed: number, stream = 0): Float64Array {
  checkInputs(mean, std, d);
  const generator = new Xoshiro128(seed, stream);
  const key = lowBitsKey(seed, stream);
  const draws = new Float64Array(d);
  for (let i = 0; i < d; i++) draws[i] = mean + std * inverseNormalCdf(uniformOf(generator.nextUint32(), lowBits(key, i)));
  return draws;
}

/**
 * The reference's averaging over `r` resources: each resource draws its own `d` values from
 * its own stream (stream k for resource k), and the estimates are averaged.
 */
export function monteCarloVarOverResources(mean: number, std: number, d: number, r: number, seed: number): MonteCarloVar {
  requireInteger('r', r, 1);
  const total = { var95: 0, var99: 0, es95: 0, es99: 0 };
  for (let resource = 0; resource < r; resource++) {
    const estimate = monteCarloVar(mean, std, d, seed, resource);
    total.var95 += estimate.var95;
    total.var99 += estimate.var99;
    total.es95 += estimate.es95;
    total.es99 += estimate.es99;
  }
  return { var95: total.var95 / r, var99: total.var99 / r, es95: total.es95 / r, es99: total.es99 / r };
}
