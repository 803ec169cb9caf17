;; The Monte Carlo VaR's tail scan, four lanes of one xoshiro128** stream at once (WebAssembly SIMD).
;; Lane L runs draws [start + L*steps, start + (L+1)*steps) of the stream: the caller jumps each
;; lane's state ahead (tail-scan.ts), so the words are exactly the stream's, only read four at a time.
;; A word below the threshold is kept as (word, draw index) at `out` onwards.
;; Compiled to tail-scan.wasm.ts by `pnpm --filter @closecross/quant build:wasm`.
(module
  (memory (export "memory") 1)
  ;; bytes 0..63: the four lanes' state, s0 s1 s2 s3, each an i32x4 (lane L in i32 lane L);
  ;; from byte 64: the kept (word, index) pairs, 8 bytes each.
  (func (export "scan")
    (param $steps i32) (param $threshold i32) (param $capacity i32) (param $first i32) (param $stride i32)
    (result i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t v128) (local $high v128) (local $limit v128)
    (local $step i32) (local $mask i32) (local $out i32) (local $end i32)
    (local.set $s0 (v128.load (i32.const 0)))
    (local.set $s1 (v128.load (i32.const 16)))
    (local.set $s2 (v128.load (i32.const 32)))
    (local.set $s3 (v128.load (i32.const 48)))
    (local.set $limit (i32x4.splat (local.get $threshold)))
    (local.set $out (i32.const 64))
    (local.set $end (i32.add (i32.const 64) (i32.shl (local.get $capacity) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $step) (local.get $steps)))
        ;; the output word: rotl(s1 * 5, 7) * 9
        (local.set $t (i32x4.mul (local.get $s1) (v128.const i32x4 5 5 5 5)))
        (local.set $high
          (i32x4.mul
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25)))
            (v128.const i32x4 9 9 9 9)))
        ;; the state step
        (local.set $t (i32x4.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (v128.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (v128.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (v128.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (v128.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (v128.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (v128.or (i32x4.shl (local.get $s3) (i32.const 11)) (i32x4.shr_u (local.get $s3) (i32.const 21))))
        (local.set $mask (i32x4.bitmask (i32x4.lt_u (local.get $high) (local.get $limit))))
        (if (local.get $mask)
          (then
            ;; room for four more pairs, or stop: the caller widens and scans again
            (if (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end))
              (then (return (i32.const -1))))
            ;; each lane's pair is written, and kept (the cursor moves 8 bytes) only if its bit is set:
            ;; no branch a lane, as which lanes are kept is random
            (i32.store (local.get $out) (i32x4.extract_lane 0 (local.get $high)))
            (i32.store offset=4 (local.get $out) (i32.add (local.get $first) (local.get $step)))
            (local.set $out (i32.add (local.get $out) (i32.shl (i32.and (local.get $mask) (i32.const 1)) (i32.const 3))))
            (i32.store (local.get $out) (i32x4.extract_lane 1 (local.get $high)))
            (i32.store offset=4 (local.get $out) (i32.add (i32.add (local.get $first) (local.get $stride)) (local.get $step)))
            (local.set $out (i32.add (local.get $out) (i32.shl (i32.and (local.get $mask) (i32.const 2)) (i32.const 2))))
            (i32.store (local.get $out) (i32x4.extract_lane 2 (local.get $high)))
            (i32.store offset=4 (local.get $out)
              (i32.add (i32.add (local.get $first) (i32.shl (local.get $stride) (i32.const 1))) (local.get $step)))
            (local.set $out (i32.add (local.get $out) (i32.shl (i32.and (local.get $mask) (i32.const 4)) (i32.const 1))))
            (i32.store (local.get $out) (i32x4.extract_lane 3 (local.get $high)))
            (i32.store offset=4 (local.get $out)
              (i32.add (i32.add (local.get $first) (i32.mul (local.get $stride) (i32.const 3))) (local.get $step)))
            (local.set $out (i32.add (local.get $out) (i32.and (local.get $mask) (i32.const 8))))))
        (local.set $step (i32.add (local.get $step) (i32.const 1)))
        (br $next)))
    (v128.store (i32.const 0) (local.get $s0))
    (v128.store (i32.const 16) (local.get $s1))
    (v128.store (i32.const 32) (local.get $s2))
    (v128.store (i32.const 48) (local.get $s3))
    (i32.shr_u (i32.sub (local.get $out) (i32.const 64)) (i32.const 3))))
