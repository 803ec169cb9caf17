/**
 * The tail scan on WebAssembly SIMD: four stretches of one xoshiro128** stream read at once (lane
 * L starts where the stream stands after L quarters, by jump-ahead), the words below a threshold
 * kept with their draw index. The words and indexes kept are exactly those a one-by-one scan of the
 * stream keeps, in another order.
 */
import { jumpState } from '../random/xoshiro128-jump.ts';
import type { GeneratorState } from '../random/xoshiro128.ts';
import { tailScanWasmBase64 } from './tail-scan.wasm.ts';

/** The little of the WebAssembly API used here (the workspace's TypeScript libs leave it out). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface TailScanExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  scan(steps: number, threshold: number, capacity: number, first: number, stride: number): number;
}

/** The kept words start here, after the lanes' state and the shuffle table (see tail-scan.wat). */
const wordsAt = 320;
const pageBytes = 65_536;
let exports: TailScanExports | undefined;

function instance(): TailScanExports {
  exports ??= new webAssembly.Instance(new webAssembly.Module(Uint8Array.from(atob(tailScanWasmBase64), (char) => char.charCodeAt(0))))
    .exports as TailScanExports;
  return exports;
}

export interface KeptWords {
  /** The kept words, `count` of them: views into the scan's memory, valid until the next scan. */
  words: Uint32Array;
  /** Each kept word's draw index. */
  indexes: Uint32Array;
  count: number;
  /** The stream's state after the scan's last draw (where the draws past the four lanes go on). */
  after: GeneratorState;
  /** Draws the four lanes covered: indexes [0, covered). */
  covered: number;
}

/**
 * Scans draws [0, 4 * floor(d / 4)) of the stream starting at `start`, keeping words below
 * `threshold` (< 2^32). Answers undefined when more than `capacity` are kept (widen, scan again).
 */
export function scanLowWords(start: GeneratorState, d: number, threshold: number, capacity: number): KeptWords | undefined {
  const wasm = instance();
  const stride = Math.floor(d / 4);
  const indexesAt = wordsAt + (capacity + 4) * 4;
  const neededBytes = indexesAt + (capacity + 4) * 4;
  if (wasm.memory.buffer.byteLength < neededBytes) wasm.memory.grow(Math.ceil((neededBytes - wasm.memory.buffer.byteLength) / pageBytes));
  const state = new Int32Array(wasm.memory.buffer, 0, 16);
  let lane = start;
  for (let l = 0; l < 4; l++) {
    if (l > 0) lane = jumpState(lane, stride);
    state[l] = lane.s0;
    state[4 + l] = lane.s1;
    state[8 + l] = lane.s2;
    state[12 + l] = lane.s3;
  }
  const count = wasm.scan(stride, threshold | 0, capacity, 0, stride);
  if (count < 0) return undefined;
  const after = new Int32Array(wasm.memory.buffer, 0, 16);
  return {
    words: new Uint32Array(wasm.memory.buffer, wordsAt, count),
    indexes: new Uint32Array(wasm.memory.buffer, indexesAt, count),
    count,
    after: { s0: after[3]!, s1: after[7]!, s2: after[11]!, s3: after[15]! },
    covered: stride * 4,
  };
}
