;; The Monte Carlo VaR's tail scan, four lanes of one xoshiro128** stream at once (WebAssembly SIMD).
;; Lane L runs draws [first + L*stride, first + L*stride + steps) of the stream: the caller jumps
;; each lane's state ahead (tail-scan.ts), so the words are exactly the stream's, only read four at
;; a time. Words below the threshold are kept, with their draw indexes, without a branch a draw:
;; the kept lanes are packed to the front of a vector by a shuffle picked by the lanes' bitmask and
;; both vectors are stored every step, the output cursors moving by how many were kept. (A branch
;; on "any kept?" is taken about one step in five at random, and costs more than it saves.)
;; Compiled to tail-scan.wasm.ts by `pnpm --filter @closecross/quant build:wasm`.
(module
  (memory (export "memory") 1)
  ;; bytes 0..63: the four lanes' state, s0 s1 s2 s3, each an i32x4 (lane L in i32 lane L);
  ;; bytes 64..319: for each 4-bit mask, the byte shuffle that packs its lanes to the front;
  ;; from byte 320: the kept words, then (at 320 + 4 * (capacity + 4)) their draw indexes.
  (data (i32.const 64) "\80\80\80\80\80\80\80\80\80\80\80\80\80\80\80\80\00\01\02\03\80\80\80\80\80\80\80\80\80\80\80\80\04\05\06\07\80\80\80\80\80\80\80\80\80\80\80\80\00\01\02\03\04\05\06\07\80\80\80\80\80\80\80\80\08\09\0a\0b\80\80\80\80\80\80\80\80\80\80\80\80\00\01\02\03\08\09\0a\0b\80\80\80\80\80\80\80\80\04\05\06\07\08\09\0a\0b\80\80\80\80\80\80\80\80\00\01\02\03\04\05\06\07\08\09\0a\0b\80\80\80\80\0c\0d\0e\0f\80\80\80\80\80\80\80\80\80\80\80\80\00\01\02\03\0c\0d\0e\0f\80\80\80\80\80\80\80\80\04\05\06\07\0c\0d\0e\0f\80\80\80\80\80\80\80\80\00\01\02\03\04\05\06\07\0c\0d\0e\0f\80\80\80\80\08\09\0a\0b\0c\0d\0e\0f\80\80\80\80\80\80\80\80\00\01\02\03\08\09\0a\0b\0c\0d\0e\0f\80\80\80\80\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\80\80\80\80\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f")
  (func (export "scan")
    (param $steps i32) (param $threshold i32) (param $capacity i32) (param $first i32) (param $stride i32)
    (result i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t v128) (local $high v128) (local $limit v128) (local $index v128) (local $pack v128)
    (local $step i32) (local $mask i32) (local $words i32) (local $indexes i32) (local $end i32) (local $kept i32)
    (local.set $s0 (v128.load (i32.const 0)))
    (local.set $s1 (v128.load (i32.const 16)))
    (local.set $s2 (v128.load (i32.const 32)))
    (local.set $s3 (v128.load (i32.const 48)))
    (local.set $limit (i32x4.splat (local.get $threshold)))
    ;; each lane's draw index: first + L*stride, one more each step
    (local.set $index
      (i32x4.add
        (i32x4.splat (local.get $first))
        (i32x4.mul (i32x4.splat (local.get $stride)) (v128.const i32x4 0 1 2 3))))
    (local.set $words (i32.const 320))
    (local.set $indexes (i32.add (i32.const 320) (i32.shl (i32.add (local.get $capacity) (i32.const 4)) (i32.const 2))))
    ;; past this the next step's store could overrun the capacity: stop, the caller widens and scans again
    (local.set $end (i32.add (i32.const 320) (i32.shl (local.get $capacity) (i32.const 2))))
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
        ;; keep the lanes below the threshold, packed to the front
        (local.set $mask (i32x4.bitmask (i32x4.lt_u (local.get $high) (local.get $limit))))
        (local.set $pack (v128.load offset=64 (i32.shl (local.get $mask) (i32.const 4))))
        (v128.store (local.get $words) (i8x16.swizzle (local.get $high) (local.get $pack)))
        (v128.store (local.get $indexes) (i8x16.swizzle (local.get $index) (local.get $pack)))
        (local.set $kept (i32.shl (i32.popcnt (local.get $mask)) (i32.const 2)))
        (local.set $words (i32.add (local.get $words) (local.get $kept)))
        (local.set $indexes (i32.add (local.get $indexes) (local.get $kept)))
        (if (i32.gt_u (local.get $words) (local.get $end))
          (then (return (i32.const -1))))
        (local.set $index (i32x4.add (local.get $index) (v128.const i32x4 1 1 1 1)))
        (local.set $step (i32.add (local.get $step) (i32.const 1)))
        (br $next)))
    (v128.store (i32.const 0) (local.get $s0))
    (v128.store (i32.const 16) (local.get $s1))
    (v128.store (i32.const 32) (local.get $s2))
    (v128.store (i32.const 48) (local.get $s3))
    (i32.shr_u (i32.sub (local.get $words) (i32.const 320)) (i32.const 2))))
