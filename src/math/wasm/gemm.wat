;; fusionrec SIMD matrix product (WebAssembly SIMD128). Compiled to gemm-wasm.ts by scripts/build-wasm.mjs.
;;
;; gemm(a, b, c, n, k, m, accumulate):
;;   C[n x m] (+)= A[n x k] . B[k x m], all row-major float32 at byte offsets a, b, c of the
;;   exported memory. m must be a multiple of 4 (callers pad). Two rows of A by sixteen columns
;;   of B are kept in eight SIMD accumulators over the whole k loop, so each loaded row strip of
;;   B serves two rows; leftover columns go four at a time, a leftover row one at a time.
;;   accumulate = 0 overwrites C, 1 adds to it.
(module
  (memory (export "memory") 1)
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $c i32) (param $n i32) (param $k i32) (param $m i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $p i32) (local $mb i32) (local $kb i32)
    (local $ar0 i32) (local $ar1 i32) (local $bp i32) (local $cr0 i32) (local $cr1 i32)
    (local $x0 v128) (local $x1 v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $mb (i32.shl (local.get $m) (i32.const 2)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $ar0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $kb))))
        (local.set $cr0 (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $mb))))
        ;; second row: the next one, or the same row again when i is the last (its result is not stored)
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
          (then
            (local.set $ar1 (i32.add (local.get $ar0) (local.get $kb)))
            (local.set $cr1 (i32.add (local.get $cr0) (local.get $mb))))
          (else
            (local.set $ar1 (local.get $ar0))
            (local.set $cr1 (i32.const -1))))
        (local.set $j (i32.const 0))
        ;; sixteen columns at a time
        (block $wideDone
          (loop $wide
            (br_if $wideDone (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $mb)))
            (local.set $s0 (v128.const f32x4 0 0 0 0)) (local.set $s1 (v128.const f32x4 0 0 0 0))
            (local.set $s2 (v128.const f32x4 0 0 0 0)) (local.set $s3 (v128.const f32x4 0 0 0 0))
            (local.set $t0 (v128.const f32x4 0 0 0 0)) (local.set $t1 (v128.const f32x4 0 0 0 0))
            (local.set $t2 (v128.const f32x4 0 0 0 0)) (local.set $t3 (v128.const f32x4 0 0 0 0))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (local.set $p (i32.const 0))
            (block $kDone
              (loop $kl
                (br_if $kDone (i32.ge_u (local.get $p) (local.get $kb)))
                (local.set $x0 (v128.load32_splat (i32.add (local.get $ar0) (local.get $p))))
                (local.set $x1 (v128.load32_splat (i32.add (local.get $ar1) (local.get $p))))
                (local.set $b0 (v128.load (local.get $bp)))
                (local.set $b1 (v128.load offset=16 (local.get $bp)))
                (local.set $b2 (v128.load offset=32 (local.get $bp)))
                (local.set $b3 (v128.load offset=48 (local.get $bp)))
                (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $x0) (local.get $b0))))
                (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $x0) (local.get $b1))))
                (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $x0) (local.get $b2))))
                (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $x0) (local.get $b3))))
                (local.set $t0 (f32x4.add (local.get $t0) (f32x4.mul (local.get $x1) (local.get $b0))))
                (local.set $t1 (f32x4.add (local.get $t1) (f32x4.mul (local.get $x1) (local.get $b1))))
                (local.set $t2 (f32x4.add (local.get $t2) (f32x4.mul (local.get $x1) (local.get $b2))))
                (local.set $t3 (f32x4.add (local.get $t3) (f32x4.mul (local.get $x1) (local.get $b3))))
                (local.set $bp (i32.add (local.get $bp) (local.get $mb)))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $kl)))
            (if (local.get $acc)
              (then
                (local.set $s0 (f32x4.add (local.get $s0) (v128.load (i32.add (local.get $cr0) (local.get $j)))))
                (local.set $s1 (f32x4.add (local.get $s1) (v128.load offset=16 (i32.add (local.get $cr0) (local.get $j)))))
                (local.set $s2 (f32x4.add (local.get $s2) (v128.load offset=32 (i32.add (local.get $cr0) (local.get $j)))))
                (local.set $s3 (f32x4.add (local.get $s3) (v128.load offset=48 (i32.add (local.get $cr0) (local.get $j)))))))
            (v128.store (i32.add (local.get $cr0) (local.get $j)) (local.get $s0))
            (v128.store offset=16 (i32.add (local.get $cr0) (local.get $j)) (local.get $s1))
            (v128.store offset=32 (i32.add (local.get $cr0) (local.get $j)) (local.get $s2))
            (v128.store offset=48 (i32.add (local.get $cr0) (local.get $j)) (local.get $s3))
            (if (i32.ne (local.get $cr1) (i32.const -1))
              (then
                (if (local.get $acc)
                  (then
                    (local.set $t0 (f32x4.add (local.get $t0) (v128.load (i32.add (local.get $cr1) (local.get $j)))))
                    (local.set $t1 (f32x4.add (local.get $t1) (v128.load offset=16 (i32.add (local.get $cr1) (local.get $j)))))
                    (local.set $t2 (f32x4.add (local.get $t2) (v128.load offset=32 (i32.add (local.get $cr1) (local.get $j)))))
                    (local.set $t3 (f32x4.add (local.get $t3) (v128.load offset=48 (i32.add (local.get $cr1) (local.get $j)))))))
                (v128.store (i32.add (local.get $cr1) (local.get $j)) (local.get $t0))
                (v128.store offset=16 (i32.add (local.get $cr1) (local.get $j)) (local.get $t1))
                (v128.store offset=32 (i32.add (local.get $cr1) (local.get $j)) (local.get $t2))
                (v128.store offset=48 (i32.add (local.get $cr1) (local.get $j)) (local.get $t3))))
            (local.set $j (i32.add (local.get $j) (i32.const 64)))
            (br $wide)))
        ;; four columns at a time
        (block $narrowDone
          (loop $narrow
            (br_if $narrowDone (i32.ge_u (local.get $j) (local.get $mb)))
            (local.set $s0 (v128.const f32x4 0 0 0 0))
            (local.set $t0 (v128.const f32x4 0 0 0 0))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (local.set $p (i32.const 0))
            (block $kDone2
              (loop $kl2
                (br_if $kDone2 (i32.ge_u (local.get $p) (local.get $kb)))
                (local.set $b0 (v128.load (local.get $bp)))
                (local.set $s0 (f32x4.add (local.get $s0)
                  (f32x4.mul (v128.load32_splat (i32.add (local.get $ar0) (local.get $p))) (local.get $b0))))
                (local.set $t0 (f32x4.add (local.get $t0)
                  (f32x4.mul (v128.load32_splat (i32.add (local.get $ar1) (local.get $p))) (local.get $b0))))
                (local.set $bp (i32.add (local.get $bp) (local.get $mb)))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $kl2)))
            (if (local.get $acc)
              (then (local.set $s0 (f32x4.add (local.get $s0) (v128.load (i32.add (local.get $cr0) (local.get $j)))))))
            (v128.store (i32.add (local.get $cr0) (local.get $j)) (local.get $s0))
            (if (i32.ne (local.get $cr1) (i32.const -1))
              (then
                (if (local.get $acc)
                  (then (local.set $t0 (f32x4.add (local.get $t0) (v128.load (i32.add (local.get $cr1) (local.get $j)))))))
                (v128.store (i32.add (local.get $cr1) (local.get $j)) (local.get $t0))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $narrow)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $rows)))))
