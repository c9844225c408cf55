;; FREEDOM's dense kernels (WebAssembly SIMD128 over the shared memory of util/arena).
;; Compiled into kernels-wasm.ts by
;;   npm run build:wasm (scripts/build-wasm.mjs)
;; All pointers are byte offsets into the imported memory. Rows are `pd` floats wide (pd a multiple of
;; 4); row-index arrays are int32. Each kernel runs on one thread over its whole input.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Horizontal sum of the four lanes.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; pairDots: out[b] = <U[ua[b]], V[ia[b]] - V[ja[b]]> for b < n (pairwise ranking score differences).
  (func (export "pairDots")
    (param $n i32) (param $ua i32) (param $ia i32) (param $ja i32)
    (param $U i32) (param $V i32) (param $out i32) (param $pd i32)
    (local $b i32) (local $rb i32) (local $u i32) (local $i i32) (local $j i32) (local $off i32)
    (local $acc v128)
    (local.set $rb (i32.shl (local.get $pd) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $b) (local.get $n)))
        (local.set $u (i32.add (local.get $U)
          (i32.mul (i32.load (i32.add (local.get $ua) (i32.shl (local.get $b) (i32.const 2)))) (local.get $rb))))
        (local.set $i (i32.add (local.get $V)
          (i32.mul (i32.load (i32.add (local.get $ia) (i32.shl (local.get $b) (i32.const 2)))) (local.get $rb))))
        (local.set $j (i32.add (local.get $V)
          (i32.mul (i32.load (i32.add (local.get $ja) (i32.shl (local.get $b) (i32.const 2)))) (local.get $rb))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $off (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $off) (local.get $rb)))
            (local.set $acc
              (f32x4.add (local.get $acc)
                (f32x4.mul (v128.load (i32.add (local.get $u) (local.get $off)))
                  (f32x4.sub (v128.load (i32.add (local.get $i) (local.get $off)))
                             (v128.load (i32.add (local.get $j) (local.get $off)))))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (br $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 2))) (call $hsum (local.get $acc)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows)))
  )

  ;; pairGrads: for b < n, with c = coef[b]:
  ;;   gU[ua[b]] += c (V[ia[b]] - V[ja[b]]);  gV[ia[b]] += c U[ua[b]];  gV[ja[b]] -= c U[ua[b]]
  ;; in order of b (repeated rows accumulate). gU and gV must not overlap U and V.
  (func (export "pairGrads")
    (param $n i32) (param $ua i32) (param $ia i32) (param $ja i32)
    (param $U i32) (param $V i32) (param $coef i32) (param $gU i32) (param $gV i32) (param $pd i32)
    (local $b i32) (local $rb i32) (local $u i32) (local $i i32) (local $j i32) (local $off i32)
    (local $gu i32) (local $gi i32) (local $gj i32) (local $ru i32) (local $ri i32) (local $rj i32)
    (local $c v128) (local $uu v128) (local $p i32)
    (local.set $rb (i32.shl (local.get $pd) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $b) (local.get $n)))
        (local.set $ru (i32.mul (i32.load (i32.add (local.get $ua) (i32.shl (local.get $b) (i32.const 2)))) (local.get $rb)))
        (local.set $ri (i32.mul (i32.load (i32.add (local.get $ia) (i32.shl (local.get $b) (i32.const 2)))) (local.get $rb)))
        (local.set $rj (i32.mul (i32.load (i32.add (local.get $ja) (i32.shl (local.get $b) (i32.const 2)))) (local.get $rb)))
        (local.set $u (i32.add (local.get $U) (local.get $ru)))
        (local.set $i (i32.add (local.get $V) (local.get $ri)))
        (local.set $j (i32.add (local.get $V) (local.get $rj)))
        (local.set $gu (i32.add (local.get $gU) (local.get $ru)))
        (local.set $gi (i32.add (local.get $gV) (local.get $ri)))
        (local.set $gj (i32.add (local.get $gV) (local.get $rj)))
        (local.set $c (f32x4.splat (f32.load (i32.add (local.get $coef) (i32.shl (local.get $b) (i32.const 2))))))
        (local.set $off (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $off) (local.get $rb)))
            (local.set $uu (f32x4.mul (local.get $c) (v128.load (i32.add (local.get $u) (local.get $off)))))
            (local.set $p (i32.add (local.get $gu) (local.get $off)))
            (v128.store (local.get $p)
              (f32x4.add (v128.load (local.get $p))
                (f32x4.mul (local.get $c)
                  (f32x4.sub (v128.load (i32.add (local.get $i) (local.get $off)))
                             (v128.load (i32.add (local.get $j) (local.get $off)))))))
            (local.set $p (i32.add (local.get $gi) (local.get $off)))
            (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $uu)))
            (local.set $p (i32.add (local.get $gj) (local.get $off)))
            (v128.store (local.get $p) (f32x4.sub (v128.load (local.get $p)) (local.get $uu)))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (br $cols)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows)))
  )

  ;; gemmRows: T[q] = sum_{c < din} X[rows[q]][c] * W[c] for q < count, where X rows are `xs` bytes
  ;; apart, W is din x pd and T count x pd. Two output rows at a time over 32-float column blocks
  ;; (16 accumulators), then 4-float blocks for the rest; a last odd row alone.
  (func (export "gemmRows")
    (param $count i32) (param $rows i32) (param $X i32) (param $xs i32) (param $din i32)
    (param $W i32) (param $T i32) (param $pd i32)
    (local $q i32) (local $rb i32) (local $x0 i32) (local $x1 i32) (local $t0 i32) (local $t1 i32)
    (local $j i32) (local $c i32) (local $p i32) (local $two i32)
    (local $s0 v128) (local $s1 v128) (local $w v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $b4 v128) (local $b5 v128) (local $b6 v128) (local $b7 v128)
    (local.set $rb (i32.shl (local.get $pd) (i32.const 2)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_s (local.get $q) (local.get $count)))
        (local.set $two (i32.lt_s (i32.add (local.get $q) (i32.const 1)) (local.get $count)))
        (local.set $x0 (i32.add (local.get $X)
          (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 2)))) (local.get $xs))))
        (local.set $x1 (local.get $x0))
        (if (local.get $two)
          (then (local.set $x1 (i32.add (local.get $X)
            (i32.mul (i32.load offset=4 (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 2)))) (local.get $xs))))))
        (local.set $t0 (i32.add (local.get $T) (i32.mul (local.get $q) (local.get $rb))))
        (local.set $t1 (i32.add (local.get $t0) (local.get $rb)))
        (local.set $j (i32.const 0))
        (block $wideDone
          (loop $wide
            (br_if $wideDone (i32.gt_s (i32.add (local.get $j) (i32.const 128)) (local.get $rb)))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0)) (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $b0 (v128.const i32x4 0 0 0 0)) (local.set $b1 (v128.const i32x4 0 0 0 0))
            (local.set $b2 (v128.const i32x4 0 0 0 0)) (local.set $b3 (v128.const i32x4 0 0 0 0))
            (local.set $b4 (v128.const i32x4 0 0 0 0)) (local.set $b5 (v128.const i32x4 0 0 0 0))
            (local.set $b6 (v128.const i32x4 0 0 0 0)) (local.set $b7 (v128.const i32x4 0 0 0 0))
            (local.set $c (i32.const 0))
            (block $cDone
              (loop $cLoop
                (br_if $cDone (i32.ge_s (local.get $c) (local.get $din)))
                (local.set $s0 (f32x4.splat (f32.load (i32.add (local.get $x0) (i32.shl (local.get $c) (i32.const 2))))))
                (local.set $s1 (f32x4.splat (f32.load (i32.add (local.get $x1) (i32.shl (local.get $c) (i32.const 2))))))
                (local.set $p (i32.add (i32.add (local.get $W) (local.get $j)) (i32.mul (local.get $c) (local.get $rb))))
                (local.set $w (v128.load offset=0 (local.get $p)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s0) (local.get $w))))
                (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $s1) (local.get $w))))
                (local.set $w (v128.load offset=16 (local.get $p)))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s0) (local.get $w))))
                (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $s1) (local.get $w))))
                (local.set $w (v128.load offset=32 (local.get $p)))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s0) (local.get $w))))
                (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $s1) (local.get $w))))
                (local.set $w (v128.load offset=48 (local.get $p)))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s0) (local.get $w))))
                (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $s1) (local.get $w))))
                (local.set $w (v128.load offset=64 (local.get $p)))
                (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s0) (local.get $w))))
                (local.set $b4 (f32x4.add (local.get $b4) (f32x4.mul (local.get $s1) (local.get $w))))
                (local.set $w (v128.load offset=80 (local.get $p)))
                (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s0) (local.get $w))))
                (local.set $b5 (f32x4.add (local.get $b5) (f32x4.mul (local.get $s1) (local.get $w))))
                (local.set $w (v128.load offset=96 (local.get $p)))
                (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s0) (local.get $w))))
                (local.set $b6 (f32x4.add (local.get $b6) (f32x4.mul (local.get $s1) (local.get $w))))
                (local.set $w (v128.load offset=112 (local.get $p)))
                (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s0) (local.get $w))))
                (local.set $b7 (f32x4.add (local.get $b7) (f32x4.mul (local.get $s1) (local.get $w))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $cLoop)))
            (local.set $p (i32.add (local.get $t0) (local.get $j)))
            (v128.store offset=0 (local.get $p) (local.get $a0))
            (v128.store offset=16 (local.get $p) (local.get $a1))
            (v128.store offset=32 (local.get $p) (local.get $a2))
            (v128.store offset=48 (local.get $p) (local.get $a3))
            (v128.store offset=64 (local.get $p) (local.get $a4))
            (v128.store offset=80 (local.get $p) (local.get $a5))
            (v128.store offset=96 (local.get $p) (local.get $a6))
            (v128.store offset=112 (local.get $p) (local.get $a7))
            (if (local.get $two)
              (then
                (local.set $p (i32.add (local.get $t1) (local.get $j)))
                (v128.store offset=0 (local.get $p) (local.get $b0))
                (v128.store offset=16 (local.get $p) (local.get $b1))
                (v128.store offset=32 (local.get $p) (local.get $b2))
                (v128.store offset=48 (local.get $p) (local.get $b3))
                (v128.store offset=64 (local.get $p) (local.get $b4))
                (v128.store offset=80 (local.get $p) (local.get $b5))
                (v128.store offset=96 (local.get $p) (local.get $b6))
                (v128.store offset=112 (local.get $p) (local.get $b7))))
            (local.set $j (i32.add (local.get $j) (i32.const 128)))
            (br $wide)))
        ;; remaining 4-float column blocks
        (block $narrowDone
          (loop $narrow
            (br_if $narrowDone (i32.ge_s (local.get $j) (local.get $rb)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $b0 (v128.const i32x4 0 0 0 0))
            (local.set $c (i32.const 0))
            (block $c1Done
              (loop $c1Loop
                (br_if $c1Done (i32.ge_s (local.get $c) (local.get $din)))
                (local.set $w (v128.load
                  (i32.add (i32.add (local.get $W) (local.get $j)) (i32.mul (local.get $c) (local.get $rb)))))
                (local.set $a0 (f32x4.add (local.get $a0)
                  (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $x0) (i32.shl (local.get $c) (i32.const 2))))) (local.get $w))))
                (local.set $b0 (f32x4.add (local.get $b0)
                  (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $x1) (i32.shl (local.get $c) (i32.const 2))))) (local.get $w))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $c1Loop)))
            (v128.store (i32.add (local.get $t0) (local.get $j)) (local.get $a0))
            (if (local.get $two) (then (v128.store (i32.add (local.get $t1) (local.get $j)) (local.get $b0))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $narrow)))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (br $rowLoop)))
  )

  ;; gemmTN: dW[c] += sum_{q < count} X[rows[q]][c] * dT[q] for c < din (dW din x pd, dT count x pd),
  ;; four rows q at a time (a row past count is row q again with weight 0).
  (func (export "gemmTN")
    (param $count i32) (param $rows i32) (param $X i32) (param $xs i32) (param $din i32)
    (param $dT i32) (param $dW i32) (param $pd i32)
    (local $q i32) (local $rb i32) (local $k i32) (local $c i32) (local $off i32) (local $p i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $t0 i32) (local $t1 i32) (local $t2 i32) (local $t3 i32)
    (local $m1 f32) (local $m2 f32) (local $m3 f32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $rb (i32.shl (local.get $pd) (i32.const 2)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_s (local.get $q) (local.get $count)))
        ;; rows q..q+3; a row past count repeats row q with multiplier 0
        (local.set $x0 (i32.add (local.get $X)
          (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 2)))) (local.get $xs))))
        (local.set $t0 (i32.add (local.get $dT) (i32.mul (local.get $q) (local.get $rb))))
        (local.set $x1 (local.get $x0)) (local.set $t1 (local.get $t0)) (local.set $m1 (f32.const 0))
        (local.set $x2 (local.get $x0)) (local.set $t2 (local.get $t0)) (local.set $m2 (f32.const 0))
        (local.set $x3 (local.get $x0)) (local.set $t3 (local.get $t0)) (local.set $m3 (f32.const 0))
        (if (i32.lt_s (i32.add (local.get $q) (i32.const 1)) (local.get $count))
          (then
            (local.set $x1 (i32.add (local.get $X)
              (i32.mul (i32.load offset=4 (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 2)))) (local.get $xs))))
            (local.set $t1 (i32.add (local.get $t0) (local.get $rb)))
            (local.set $m1 (f32.const 1))))
        (if (i32.lt_s (i32.add (local.get $q) (i32.const 2)) (local.get $count))
          (then
            (local.set $x2 (i32.add (local.get $X)
              (i32.mul (i32.load offset=8 (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 2)))) (local.get $xs))))
            (local.set $t2 (i32.add (local.get $t1) (local.get $rb)))
            (local.set $m2 (f32.const 1))))
        (if (i32.lt_s (i32.add (local.get $q) (i32.const 3)) (local.get $count))
          (then
            (local.set $x3 (i32.add (local.get $X)
              (i32.mul (i32.load offset=12 (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 2)))) (local.get $xs))))
            (local.set $t3 (i32.add (local.get $t2) (local.get $rb)))
            (local.set $m3 (f32.const 1))))
        (local.set $c (i32.const 0))
        (block $cDone
          (loop $cLoop
            (br_if $cDone (i32.ge_s (local.get $c) (local.get $din)))
            (local.set $k (i32.shl (local.get $c) (i32.const 2)))
            (local.set $s0 (f32x4.splat (f32.load (i32.add (local.get $x0) (local.get $k)))))
            (local.set $s1 (f32x4.splat (f32.mul (local.get $m1) (f32.load (i32.add (local.get $x1) (local.get $k))))))
            (local.set $s2 (f32x4.splat (f32.mul (local.get $m2) (f32.load (i32.add (local.get $x2) (local.get $k))))))
            (local.set $s3 (f32x4.splat (f32.mul (local.get $m3) (f32.load (i32.add (local.get $x3) (local.get $k))))))
            (local.set $p (i32.add (local.get $dW) (i32.mul (local.get $c) (local.get $rb))))
            (local.set $off (i32.const 0))
            (block $colsDone
              (loop $cols
                (br_if $colsDone (i32.ge_s (local.get $off) (local.get $rb)))
                (v128.store (i32.add (local.get $p) (local.get $off))
                  (f32x4.add
                    (f32x4.add (v128.load (i32.add (local.get $p) (local.get $off)))
                      (f32x4.add
                        (f32x4.mul (local.get $s0) (v128.load (i32.add (local.get $t0) (local.get $off))))
                        (f32x4.mul (local.get $s1) (v128.load (i32.add (local.get $t1) (local.get $off))))))
                    (f32x4.add
                      (f32x4.mul (local.get $s2) (v128.load (i32.add (local.get $t2) (local.get $off))))
                      (f32x4.mul (local.get $s3) (v128.load (i32.add (local.get $t3) (local.get $off)))))))
                (local.set $off (i32.add (local.get $off) (i32.const 16)))
                (br $cols)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cLoop)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $rowLoop)))
  )

  ;; gemmNT: dX[rows[q]][c] = <dT[q], W[c]> for q < count, c < din (overwrites those entries), four
  ;; columns c at a time.
  (func (export "gemmNT")
    (param $count i32) (param $rows i32) (param $dT i32) (param $W i32) (param $din i32)
    (param $dX i32) (param $xs i32) (param $pd i32)
    (local $q i32) (local $rb i32) (local $c i32) (local $off i32) (local $t i32) (local $xo i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $tv v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $rb (i32.shl (local.get $pd) (i32.const 2)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_s (local.get $q) (local.get $count)))
        (local.set $t (i32.add (local.get $dT) (i32.mul (local.get $q) (local.get $rb))))
        (local.set $xo (i32.add (local.get $dX)
          (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 2)))) (local.get $xs))))
        (local.set $c (i32.const 0))
        ;; four columns at a time
        (block $c4Done
          (loop $c4
            (br_if $c4Done (i32.gt_s (i32.add (local.get $c) (i32.const 4)) (local.get $din)))
            (local.set $w0 (i32.add (local.get $W) (i32.mul (local.get $c) (local.get $rb))))
            (local.set $w1 (i32.add (local.get $w0) (local.get $rb)))
            (local.set $w2 (i32.add (local.get $w1) (local.get $rb)))
            (local.set $w3 (i32.add (local.get $w2) (local.get $rb)))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $off (i32.const 0))
            (block $colsDone
              (loop $cols
                (br_if $colsDone (i32.ge_s (local.get $off) (local.get $rb)))
                (local.set $tv (v128.load (i32.add (local.get $t) (local.get $off))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $tv) (v128.load (i32.add (local.get $w0) (local.get $off))))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $tv) (v128.load (i32.add (local.get $w1) (local.get $off))))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $tv) (v128.load (i32.add (local.get $w2) (local.get $off))))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $tv) (v128.load (i32.add (local.get $w3) (local.get $off))))))
                (local.set $off (i32.add (local.get $off) (i32.const 16)))
                (br $cols)))
            (f32.store offset=0 (i32.add (local.get $xo) (i32.shl (local.get $c) (i32.const 2))) (call $hsum (local.get $a0)))
            (f32.store offset=4 (i32.add (local.get $xo) (i32.shl (local.get $c) (i32.const 2))) (call $hsum (local.get $a1)))
            (f32.store offset=8 (i32.add (local.get $xo) (i32.shl (local.get $c) (i32.const 2))) (call $hsum (local.get $a2)))
            (f32.store offset=12 (i32.add (local.get $xo) (i32.shl (local.get $c) (i32.const 2))) (call $hsum (local.get $a3)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $c4)))
        ;; remaining columns one by one
        (block $c1Done
          (loop $c1
            (br_if $c1Done (i32.ge_s (local.get $c) (local.get $din)))
            (local.set $w0 (i32.add (local.get $W) (i32.mul (local.get $c) (local.get $rb))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $off (i32.const 0))
            (block $cols1Done
              (loop $cols1
                (br_if $cols1Done (i32.ge_s (local.get $off) (local.get $rb)))
                (local.set $a0 (f32x4.add (local.get $a0)
                  (f32x4.mul (v128.load (i32.add (local.get $t) (local.get $off))) (v128.load (i32.add (local.get $w0) (local.get $off))))))
                (local.set $off (i32.add (local.get $off) (i32.const 16)))
                (br $cols1)))
            (f32.store (i32.add (local.get $xo) (i32.shl (local.get $c) (i32.const 2))) (call $hsum (local.get $a0)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $c1)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $rowLoop)))
  )
)
