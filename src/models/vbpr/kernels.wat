;; VBPR's row kernels (WebAssembly SIMD128 over the memory of util/arena; see models/vbpr/vbpr-core).
;; Compiled into kernels-wasm.ts by
;;   npm run build:wasm (scripts/build-wasm.mjs)
;; All pointers are byte offsets into the imported memory; row-index arrays are int32, and an index
;; array passed as -1 means the identity (row k is row k). Row widths `w` and half widths `dp` are
;; multiples of 4 floats. The pairwise score kernels are FREEDOM's (models/freedom/kernels.wat) and
;; Adam is LightGCN's (models/lightgcn/kernels.wat); these are the rest of a VBPR step.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Row r of an index array (or r itself when idx == -1).
  (func $row (param $idx i32) (param $k i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $idx) (i32.const 0))
      (then (local.get $k))
      (else (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))))))

  ;; Horizontal sum of the four lanes.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; assemble: the batch's item vectors, X[s] = [V[r] ; C[s] + B] for s < n, r = row(itemOf, s);
  ;; V and C rows and B are dp floats, X rows 2·dp.
  (func (export "assemble")
    (param $n i32) (param $itemOf i32) (param $V i32) (param $C i32) (param $B i32) (param $X i32)
    (param $dp i32)
    (local $s i32) (local $hb i32) (local $off i32) (local $v i32) (local $c i32) (local $x i32)
    (local.set $hb (i32.shl (local.get $dp) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $s) (local.get $n)))
        (local.set $v (i32.add (local.get $V)
          (i32.mul (call $row (local.get $itemOf) (local.get $s)) (local.get $hb))))
        (local.set $c (i32.add (local.get $C) (i32.mul (local.get $s) (local.get $hb))))
        (local.set $x (i32.add (local.get $X) (i32.mul (local.get $s) (i32.shl (local.get $hb) (i32.const 1)))))
        (local.set $off (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $off) (local.get $hb)))
            (v128.store (i32.add (local.get $x) (local.get $off))
              (v128.load (i32.add (local.get $v) (local.get $off))))
            (v128.store (i32.add (i32.add (local.get $x) (local.get $hb)) (local.get $off))
              (f32x4.add (v128.load (i32.add (local.get $c) (local.get $off)))
                         (v128.load (i32.add (local.get $B) (local.get $off)))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (br $cols)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows)))
  )

  ;; rowSq: out[k] = ||T[row(idx, k)]||^2 for k < n (rows of w floats).
  (func (export "rowSq")
    (param $n i32) (param $idx i32) (param $T i32) (param $w i32) (param $out i32)
    (local $k i32) (local $rb i32) (local $t i32) (local $off i32) (local $acc v128) (local $x v128)
    (local.set $rb (i32.shl (local.get $w) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $k) (local.get $n)))
        (local.set $t (i32.add (local.get $T)
          (i32.mul (call $row (local.get $idx) (local.get $k)) (local.get $rb))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $off (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $off) (local.get $rb)))
            (local.set $x (v128.load (i32.add (local.get $t) (local.get $off))))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $x) (local.get $x))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (br $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (call $hsum (local.get $acc)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rows)))
  )

  ;; scaleRows: G[r] += coef[k] * T[r] for k < n, r = row(idx, k), skipping coef[k] == 0 (rows of w floats).
  (func (export "scaleRows")
    (param $n i32) (param $idx i32) (param $T i32) (param $G i32) (param $coef i32) (param $w i32)
    (local $k i32) (local $rb i32) (local $ro i32) (local $off i32) (local $c f32) (local $cv v128) (local $p i32)
    (local.set $rb (i32.shl (local.get $w) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $k) (local.get $n)))
        (local.set $c (f32.load (i32.add (local.get $coef) (i32.shl (local.get $k) (i32.const 2)))))
        (if (f32.ne (local.get $c) (f32.const 0))
          (then
            (local.set $cv (f32x4.splat (local.get $c)))
            (local.set $ro (i32.mul (call $row (local.get $idx) (local.get $k)) (local.get $rb)))
            (local.set $off (i32.const 0))
            (block $colsDone
              (loop $cols
                (br_if $colsDone (i32.ge_s (local.get $off) (local.get $rb)))
                (local.set $p (i32.add (i32.add (local.get $G) (local.get $ro)) (local.get $off)))
                (v128.store (local.get $p)
                  (f32x4.add (v128.load (local.get $p))
                    (f32x4.mul (local.get $cv)
                      (v128.load (i32.add (i32.add (local.get $T) (local.get $ro)) (local.get $off))))))
                (local.set $off (i32.add (local.get $off) (i32.const 16)))
                (br $cols)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rows)))
  )

  ;; split: the item-vector gradient gX (n rows of 2·dp) into its halves, for s < n:
  ;;   gV[row(itemOf, s)] = gX[s][0:dp];  gCt[c·n + s] = gX[s][dp + c] (transposed, dp x n);
  ;;   gB += gX[s][dp:2dp] (gB is not cleared first).
  (func (export "split")
    (param $n i32) (param $itemOf i32) (param $gX i32) (param $gV i32) (param $gCt i32) (param $gB i32)
    (param $dp i32)
    (local $s i32) (local $hb i32) (local $off i32) (local $x i32) (local $v i32)
    (local $y v128) (local $nb i32) (local $t i32)
    (local.set $hb (i32.shl (local.get $dp) (i32.const 2)))
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $s) (local.get $n)))
        (local.set $x (i32.add (local.get $gX) (i32.mul (local.get $s) (i32.shl (local.get $hb) (i32.const 1)))))
        (local.set $v (i32.add (local.get $gV)
          (i32.mul (call $row (local.get $itemOf) (local.get $s)) (local.get $hb))))
        ;; gCt column s starts at gCt + 4·s; entry c lies n floats further per c
        (local.set $t (i32.add (local.get $gCt) (i32.shl (local.get $s) (i32.const 2))))
        (local.set $off (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $off) (local.get $hb)))
            (v128.store (i32.add (local.get $v) (local.get $off))
              (v128.load (i32.add (local.get $x) (local.get $off))))
            (local.set $y (v128.load (i32.add (i32.add (local.get $x) (local.get $hb)) (local.get $off))))
            (v128.store (i32.add (local.get $gB) (local.get $off))
              (f32x4.add (v128.load (i32.add (local.get $gB) (local.get $off))) (local.get $y)))
            (f32.store (local.get $t) (f32x4.extract_lane 0 (local.get $y)))
            (f32.store (i32.add (local.get $t) (local.get $nb)) (f32x4.extract_lane 1 (local.get $y)))
            (f32.store (i32.add (local.get $t) (i32.shl (local.get $nb) (i32.const 1))) (f32x4.extract_lane 2 (local.get $y)))
            (f32.store (i32.add (local.get $t) (i32.mul (local.get $nb) (i32.const 3))) (f32x4.extract_lane 3 (local.get $y)))
            (local.set $t (i32.add (local.get $t) (i32.shl (local.get $nb) (i32.const 2))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (br $cols)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows)))
  )
)
