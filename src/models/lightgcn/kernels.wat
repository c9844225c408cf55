;; LightGCN propagation kernels (WebAssembly SIMD128 over a shared memory, so that several threads run
;; them on disjoint row ranges of the same tables). Compiled into kernels-wasm.ts by
;;   npm run build:wasm (scripts/build-wasm.mjs)
;; All pointers are byte offsets into the imported memory; "none" is -1. Rows are `pd` floats wide
;; (pd a multiple of 4). A row's result never depends on which thread computes it.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; prop: sparse-dense product with an optional self term and scale, one output row per i:
  ;;   r = rows == -1 ? i : rows[i]                       (row of the CSR matrix)
  ;;   y[i] = scale * (selfX[s(r)] + sum_{k in row r} values[k] * x[c(indices[k])])
  ;; where c(j) = map == -1 ? j : map[j] (terms with c < 0 are skipped: x is then a compact table)
  ;; and s(r) = selfMap == -1 ? r : selfMap[r] (no self term when selfX == -1 or s < 0).
  ;; Accumulates 32 floats at a time in registers (8 x f32x4), then 4 at a time for the rest.
  (func (export "prop")
    (param $rows i32) (param $from i32) (param $to i32)
    (param $indptr i32) (param $indices i32) (param $values i32)
    (param $map i32) (param $x i32) (param $selfMap i32) (param $selfX i32)
    (param $y i32) (param $pd i32) (param $scale f32)
    (local $i i32) (local $r i32) (local $rb i32) (local $s i32) (local $e i32) (local $k i32)
    (local $j i32) (local $c i32) (local $p i32) (local $yp i32) (local $sp i32)
    (local $w v128) (local $sc v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $rb (i32.shl (local.get $pd) (i32.const 2)))
    (local.set $sc (f32x4.splat (local.get $scale)))
    (local.set $i (local.get $from))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $to)))
        (local.set $r (local.get $i))
        (if (i32.ge_s (local.get $rows) (i32.const 0))
          (then (local.set $r (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $s (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $e (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $yp (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $rb))))
        (local.set $sp (i32.const -1))
        (if (i32.ge_s (local.get $selfX) (i32.const 0))
          (then
            (local.set $c (local.get $r))
            (if (i32.ge_s (local.get $selfMap) (i32.const 0))
              (then (local.set $c (i32.load (i32.add (local.get $selfMap) (i32.shl (local.get $r) (i32.const 2)))))))
            (if (i32.ge_s (local.get $c) (i32.const 0))
              (then (local.set $sp (i32.add (local.get $selfX) (i32.mul (local.get $c) (local.get $rb))))))))
        (local.set $j (i32.const 0))
        ;; blocks of 32 floats
        (block $wideDone
          (loop $wideLoop
            (br_if $wideDone (i32.gt_s (i32.add (local.get $j) (i32.const 128)) (local.get $rb)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $k (local.get $s))
            (block $nbDone
              (loop $nbLoop
                (br_if $nbDone (i32.ge_s (local.get $k) (local.get $e)))
                (local.set $c (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))))
                (if (i32.ge_s (local.get $map) (i32.const 0))
                  (then (local.set $c (i32.load (i32.add (local.get $map) (i32.shl (local.get $c) (i32.const 2)))))))
                (if (i32.ge_s (local.get $c) (i32.const 0))
                  (then
                    (local.set $w (f32x4.splat (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2))))))
                    (local.set $p (i32.add (i32.add (local.get $x) (local.get $j)) (i32.mul (local.get $c) (local.get $rb))))
                    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $p)))))
                    (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $p)))))
                    (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $p)))))
                    (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $p)))))
                    (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $w) (v128.load offset=64 (local.get $p)))))
                    (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $w) (v128.load offset=80 (local.get $p)))))
                    (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $w) (v128.load offset=96 (local.get $p)))))
                    (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $w) (v128.load offset=112 (local.get $p)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $nbLoop)))
            (if (i32.ge_s (local.get $sp) (i32.const 0))
              (then
                (local.set $p (i32.add (local.get $sp) (local.get $j)))
                (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $p))))
                (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
                (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
                (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p))))
                (local.set $a4 (f32x4.add (local.get $a4) (v128.load offset=64 (local.get $p))))
                (local.set $a5 (f32x4.add (local.get $a5) (v128.load offset=80 (local.get $p))))
                (local.set $a6 (f32x4.add (local.get $a6) (v128.load offset=96 (local.get $p))))
                (local.set $a7 (f32x4.add (local.get $a7) (v128.load offset=112 (local.get $p))))))
            (local.set $p (i32.add (local.get $yp) (local.get $j)))
            (v128.store offset=0 (local.get $p) (f32x4.mul (local.get $a0) (local.get $sc)))
            (v128.store offset=16 (local.get $p) (f32x4.mul (local.get $a1) (local.get $sc)))
            (v128.store offset=32 (local.get $p) (f32x4.mul (local.get $a2) (local.get $sc)))
            (v128.store offset=48 (local.get $p) (f32x4.mul (local.get $a3) (local.get $sc)))
            (v128.store offset=64 (local.get $p) (f32x4.mul (local.get $a4) (local.get $sc)))
            (v128.store offset=80 (local.get $p) (f32x4.mul (local.get $a5) (local.get $sc)))
            (v128.store offset=96 (local.get $p) (f32x4.mul (local.get $a6) (local.get $sc)))
            (v128.store offset=112 (local.get $p) (f32x4.mul (local.get $a7) (local.get $sc)))
            (local.set $j (i32.add (local.get $j) (i32.const 128)))
            (br $wideLoop)))
        ;; remaining blocks of 4 floats
        (block $narrowDone
          (loop $narrowLoop
            (br_if $narrowDone (i32.ge_s (local.get $j) (local.get $rb)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $k (local.get $s))
            (block $nb1Done
              (loop $nb1Loop
                (br_if $nb1Done (i32.ge_s (local.get $k) (local.get $e)))
                (local.set $c (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))))
                (if (i32.ge_s (local.get $map) (i32.const 0))
                  (then (local.set $c (i32.load (i32.add (local.get $map) (i32.shl (local.get $c) (i32.const 2)))))))
                (if (i32.ge_s (local.get $c) (i32.const 0))
                  (then
                    (local.set $a0
                      (f32x4.add (local.get $a0)
                        (f32x4.mul
                          (f32x4.splat (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
                          (v128.load (i32.add (i32.add (local.get $x) (local.get $j)) (i32.mul (local.get $c) (local.get $rb)))))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $nb1Loop)))
            (if (i32.ge_s (local.get $sp) (i32.const 0))
              (then (local.set $a0 (f32x4.add (local.get $a0) (v128.load (i32.add (local.get $sp) (local.get $j)))))))
            (v128.store (i32.add (local.get $yp) (local.get $j)) (f32x4.mul (local.get $a0) (local.get $sc)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $narrowLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowLoop)))
  )

  ;; adam: dense Adam step (torch.optim.Adam's update) on rows [from, to) of table p, moments m, v:
  ;;   g = gscale * grad[r] (grad == -1: 0) + extra[slot[r]] (when slot[r] >= 0; none when extra == -1)
  ;;   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= stepSize * m / (sqrt(v) / bc2s + eps)
  ;; with stepSize = lr / (1 - b1^t) and bc2s = sqrt(1 - b2^t) computed by the caller.
  (func (export "adam")
    (param $from i32) (param $to i32) (param $p i32) (param $m i32) (param $v i32)
    (param $grad i32) (param $gscale f32) (param $slot i32) (param $extra i32) (param $pd i32)
    (param $stepSize f32) (param $b1 f32) (param $b2 f32) (param $eps f32) (param $bc2s f32)
    (local $r i32) (local $rb i32) (local $off i32) (local $end i32) (local $hasE i32) (local $delta i32)
    (local $c i32)
    (local $g v128) (local $mm v128) (local $vv v128)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128)
    (local $EPS v128) (local $SS v128) (local $BC v128) (local $GS v128)
    (local.set $rb (i32.shl (local.get $pd) (i32.const 2)))
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $SS (f32x4.splat (local.get $stepSize)))
    (local.set $BC (f32x4.splat (local.get $bc2s)))
    (local.set $GS (f32x4.splat (local.get $gscale)))
    (local.set $r (local.get $from))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $to)))
        (local.set $off (i32.mul (local.get $r) (local.get $rb)))
        (local.set $end (i32.add (local.get $off) (local.get $rb)))
        ;; the extra row's element at column offset `off` lies at off + delta
        (local.set $hasE (i32.const 0))
        (if (i32.and (i32.ge_s (local.get $slot) (i32.const 0)) (i32.ge_s (local.get $extra) (i32.const 0)))
          (then
            (local.set $c (i32.load (i32.add (local.get $slot) (i32.shl (local.get $r) (i32.const 2)))))
            (if (i32.ge_s (local.get $c) (i32.const 0))
              (then
                (local.set $hasE (i32.const 1))
                (local.set $delta
                  (i32.sub (i32.add (local.get $extra) (i32.mul (local.get $c) (local.get $rb))) (local.get $off)))))))
        (block $colsDone
          (loop $colLoop
            (br_if $colsDone (i32.ge_s (local.get $off) (local.get $end)))
            (local.set $g (v128.const i32x4 0 0 0 0))
            (if (i32.ge_s (local.get $grad) (i32.const 0))
              (then (local.set $g (f32x4.mul (local.get $GS) (v128.load (i32.add (local.get $grad) (local.get $off)))))))
            (if (local.get $hasE)
              (then (local.set $g (f32x4.add (local.get $g) (v128.load (i32.add (local.get $delta) (local.get $off)))))))
            (local.set $mm
              (f32x4.add (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $off))))
                         (f32x4.mul (local.get $C1) (local.get $g))))
            (local.set $vv
              (f32x4.add (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $off))))
                         (f32x4.mul (local.get $C2) (f32x4.mul (local.get $g) (local.get $g)))))
            (v128.store (i32.add (local.get $m) (local.get $off)) (local.get $mm))
            (v128.store (i32.add (local.get $v) (local.get $off)) (local.get $vv))
            (v128.store (i32.add (local.get $p) (local.get $off))
              (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $off)))
                (f32x4.div (f32x4.mul (local.get $SS) (local.get $mm))
                  (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $BC)) (local.get $EPS)))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (br $colLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
  )
)
