;; fusionrec SIMD kernels (WebAssembly SIMD128). Compiled to dot-wasm.ts by scripts/build-wasm.mjs.
;;
;; block4(u0, u1, u2, u3, v, nItems, dim, o0, o1, o2, o3):
;;   for every item i < nItems: o_r[i] = <U_r, V[i]> for the four user rows U_r at byte offsets u_r,
;;   V row-major (nItems x dim floats) at byte offset v. dim must be a multiple of 4. Pointers are byte
;;   offsets into the exported memory; outputs are float32 rows of nItems.
(module
  (memory (export "memory") 1)
  (func (export "block4")
    (param $u0 i32) (param $u1 i32) (param $u2 i32) (param $u3 i32)
    (param $v i32) (param $n i32) (param $d i32)
    (param $o0 i32) (param $o1 i32) (param $o2 i32) (param $o3 i32)
    (local $i i32) (local $k i32) (local $rowBytes i32) (local $vp i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $x v128)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $vp (local.get $v))
    (local.set $i (i32.const 0))
    (block $done
      (loop $items
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $kdone
          (loop $dims
            (br_if $kdone (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $x (v128.load (i32.add (local.get $vp) (local.get $k))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $u0) (local.get $k))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $u1) (local.get $k))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $u2) (local.get $k))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $u3) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $dims)))
        (f32.store (i32.add (local.get $o0) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (f32.store (i32.add (local.get $o1) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a1)) (f32x4.extract_lane 1 (local.get $a1)))
            (f32.add (f32x4.extract_lane 2 (local.get $a1)) (f32x4.extract_lane 3 (local.get $a1)))))
        (f32.store (i32.add (local.get $o2) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a2)) (f32x4.extract_lane 1 (local.get $a2)))
            (f32.add (f32x4.extract_lane 2 (local.get $a2)) (f32x4.extract_lane 3 (local.get $a2)))))
        (f32.store (i32.add (local.get $o3) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a3)) (f32x4.extract_lane 1 (local.get $a3)))
            (f32.add (f32x4.extract_lane 2 (local.get $a3)) (f32x4.extract_lane 3 (local.get $a3)))))
        (local.set $vp (i32.add (local.get $vp) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $items)))
  )
)
