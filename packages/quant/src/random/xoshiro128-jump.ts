/**
 * Jump-ahead for xoshiro128**: the state `steps` draws later, in O(log steps) work. The state
 * step is linear over GF(2), a 128 x 128 bit matrix T; the state after n steps is T^n s, and
 * T^(2^k) is kept once built (it depends on nothing but k). Lets a SIMD scan read four stretches
 * of one stream at once and still see exactly the stream's words.
 */
import type { GeneratorState } from './xoshiro128.ts';

/** A 128 x 128 bit matrix by columns: column j (the image of state bit j) in words 4j..4j+3. */
type BitMatrix = Uint32Array;

function stepWords(words: Uint32Array): void {
  let s0 = words[0]!;
  let s1 = words[1]!;
  let s2 = words[2]!;
  let s3 = words[3]!;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = (s3 << 11) | (s3 >>> 21);
  words[0] = s0;
  words[1] = s1;
  words[2] = s2;
  words[3] = s3;
}

/** `matrix` times the 128-bit vector `vector` (words s0..s3, bit j of the state = bit j%32 of word j>>5). */
function multiply(matrix: BitMatrix, vector: ArrayLike<number>, into: Uint32Array, at = 0): void {
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  for (let word = 0; word < 4; word++) {
    let bits = vector[word]! >>> 0;
    let column = word * 32 * 4;
    while (bits !== 0) {
      if (bits & 1) {
        r0 ^= matrix[column]!;
        r1 ^= matrix[column + 1]!;
        r2 ^= matrix[column + 2]!;
        r3 ^= matrix[column + 3]!;
      }
      bits >>>= 1;
      column += 4;
    }
  }
  into[at] = r0;
  into[at + 1] = r1;
  into[at + 2] = r2;
  into[at + 3] = r3;
}

function square(matrix: BitMatrix): BitMatrix {
  const squared = new Uint32Array(512);
  for (let j = 0; j < 128; j++) multiply(matrix, matrix.subarray(4 * j, 4 * j + 4), squared, 4 * j);
  return squared;
}

/** T^(2^k) for k = 0, 1, ...: built on first need, kept for the process. */
const powers: BitMatrix[] = [];

function powerOfTwo(k: number): BitMatrix {
  if (powers.length === 0) {
    const step = new Uint32Array(512);
    const unit = new Uint32Array(4);
    for (let j = 0; j < 128; j++) {
      unit.fill(0);
      unit[j >> 5] = 1 << (j & 31);
      stepWords(unit);
      step.set(unit, 4 * j);
    }
    powers.push(step);
  }
  while (powers.length <= k) powers.push(square(powers[powers.length - 1]!));
  return powers[k]!;
}

/** The generator state `steps` draws after `state` (steps a non-negative safe integer). */
export function jumpState(state: GeneratorState, steps: number): GeneratorState {
  if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative safe integer, got ${steps}`);
  const vector = Uint32Array.of(state.s0, state.s1, state.s2, state.s3);
  for (let k = 0, rest = steps; rest > 0; k++, rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) multiply(powerOfTwo(k), vector, vector);
  }
  return { s0: vector[0]! | 0, s1: vector[1]! | 0, s2: vector[2]! | 0, s3: vector[3]! | 0 };
}
