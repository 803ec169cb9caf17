/**
 * xoshiro128** (Blackman and Vigna, 2018): a small, fast generator with 2^128 - 1 period, in
 * 32-bit integer arithmetic only, so a seed gives the same numbers on every machine.
 */
export interface GeneratorState {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
}

/** MurmurHash3's finaliser: spreads every input bit over the output. */
function mix32(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The state of stream `stream` of `seed`: different streams of one seed are independent for all
 * practical purposes, which is what the `r` Monte Carlo resources need.
 */
export function seedState(seed: number, stream = 0): GeneratorState {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  let h = mix32(low ^ 0x9e3779b9) ^ mix32(high + 0x7f4a7c15) ^ mix32(Math.imul(stream + 1, 0x632be5ab));
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    h = mix32(h + 0x9e3779b9 + i);
    words.push(h);
  }
  if (!words.some((word) => word !== 0)) words[0] = 1; // the one state xoshiro cannot leave
  return { s0: words[0]!, s1: words[1]!, s2: words[2]!, s3: words[3]! };
}

/** A generator object for code that is not on a hot path. */
export class Xoshiro128 {
  private state: GeneratorState;
  constructor(seed: number, stream = 0) {
    this.state = seedState(seed, stream);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s.s1, 5), 7), 9) >>> 0;
    const t = s.s1 << 9;
    s.s2 ^= s.s0;
    s.s3 ^= s.s1;
    s.s1 ^= s.s2;
    s.s0 ^= s.s3;
    s.s2 ^= t;
    s.s3 = rotl(s.s3, 11);
    return result;
  }

  /**
   * A uniform in (0, 1) from two words, 53 bits of resolution, never 0 or 1. Monte Carlo draws
   * use this same construction inline (see monte-carlo-var.ts).
   */
  nextOpenUnit(): number {
    const high = this.nextUint32();
    const low = this.nextUint32() >>> 11;
    return (high * 2097152 + low + 0.5) / 9007199254740992;
  }
}

export function rotl(value: number, shift: number): number {
  return (value << shift) | (value >>> (32 - shift));
}
