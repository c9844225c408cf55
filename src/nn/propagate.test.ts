import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { LogBuilder } from '../data/log.js';
import { normalizedAdjacency, spmm } from '../math/spmm.js';
import { Rng } from '../util/rng.js';
import { propagateLayers } from './propagate.js';

/** (1/(L+1)) Σ_k Â^k x with the plain-JS product, straight from the definition. */
function reference(adj: ReturnType<typeof normalizedAdjacency>, x: Float32Array, d: number, layers: number) {
  const out = Float64Array.from(x);
  let cur = x;
  for (let k = 0; k < layers; k++) {
    cur = spmm(adj, cur, d);
    for (let i = 0; i < out.length; i++) out[i]! += cur[i]!;
  }
  return out.map((v) => v / (layers + 1));
}

function graph(seed: number, nUsers: number, nItems: number) {
  const rng = new Rng(seed);
  const log = new LogBuilder();
  for (let u = 0; u < nUsers; u++) for (let i = 0; i < nItems; i++) if (rng.next() < 0.3) log.push(u, i);
  return normalizedAdjacency(Interactions.fromLog(log.build(), nUsers, nItems));
}

describe('propagateLayers (WebAssembly SIMD)', () => {
  const a = graph(1, 9, 13);
  const b = graph(2, 5, 7);
  for (const d of [1, 6, 8, 64, 70])
    for (const layers of [0, 1, 3]) {
      it(`matches the JS product (d ${d}, ${layers} layers), switching between two graphs`, () => {
        const rng = new Rng(d * 10 + layers);
        for (const adj of [a, b, a]) {
          const x = Float32Array.from({ length: adj.nRows * d }, () => rng.normal());
          const out = new Float32Array(x.length).fill(5);
          propagateLayers(adj, x, d, layers, out);
          const ref = reference(adj, x, d, layers);
          for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(ref[i]!, 5);
        }
      });
    }
});
