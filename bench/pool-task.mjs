/**
 * @module bench/pool-task
 * Worker side of bench/pool.ts: one task function run by the three pools under comparison (ours,
 * the message loop of src/encoders/pool.ts; piscina; tinypool). Plain JavaScript, so that no pool's
 * start-up includes a TypeScript loader (except the `encode` task, which loads the project's
 * encoders through tsx in every pool alike).
 *
 * A task is `{ op, ... }`:
 * - `sum`: sums `data` (a Float32Array, copied or transferred) and returns the sum;
 * - `echo`: returns a new Float32Array of `n` floats, transferred back;
 * - `crash`: ends the worker thread (`process.exit(3)`) without answering;
 * - `throw`: throws an uncaught error from a timer and never answers;
 * - `spin`: busy-waits `ms` milliseconds (for cancellation), then returns `ms`;
 * - `encode`: encodes `inputs` with the built-in text encoder from `options` (state included; the
 *   task's, else the pool's workerData's), built once per worker, and returns one Float32Array (n x dims vectors, then n ok flags),
 *   transferred (piscina and tinypool move only a top-level result).
 * Under our loop, `workerData.role === 'ours'` and tasks arrive as messages `{ id, task }`.
 */
import { parentPort, workerData } from 'node:worker_threads';

// tinypool wraps the user's workerData as [private, user]; piscina and ours pass it as is
const wd = Array.isArray(workerData) ? workerData[1] : workerData;
const lib = wd?.entry ? await import(wd.entry) : undefined;
/** The library's "move" (transfer the result's buffer), identity under our loop. */
const move = lib?.move ?? lib?.Tinypool?.move ?? lib?.default?.move ?? ((v) => v);

let encoder;
async function encode(task) {
  if (!encoder) {
    const { register } = await import('tsx/esm/api');
    register();
    const { createEncoder } = await import(new URL('../src/encoders/registry.ts', import.meta.url).href);
    encoder = await createEncoder('text', 'builtin', task.options ?? wd.options);
  }
  const n = task.inputs.length;
  const r = await encoder.encode(task.inputs);
  const out = new Float32Array(n * encoder.dims + n);
  out.set(r.vectors.subarray(0, n * encoder.dims));
  for (let b = 0; b < n; b++) out[n * encoder.dims + b] = r.ok[b];
  return out;
}

function spin(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x >= 0 ? ms : -1;
}

/** Runs one task; returns [value, transferList] (the list is for our loop). */
async function run(task) {
  switch (task.op) {
    case 'sum': {
      let s = 0;
      for (let i = 0; i < task.data.length; i++) s += task.data[i];
      return [s, []];
    }
    case 'echo': {
      const out = new Float32Array(task.n);
      out[0] = task.n;
      return [out, [out.buffer]];
    }
    case 'crash':
      process.exit(3);
      return [undefined, []];
    case 'throw':
      setTimeout(() => {
        throw new Error('uncaught in worker');
      });
      return new Promise(() => {});
    case 'spin':
      return [spin(task.ms), []];
    case 'encode': {
      const out = await encode(task);
      return [out, [out.buffer]];
    }
    default:
      throw new Error(`unknown op ${task.op}`);
  }
}

/** The piscina / tinypool entry. */
export default async function task(t) {
  const [value] = await run(t);
  return value instanceof Float32Array ? move(value) : value;
}

if (wd?.role === 'ours') {
  // the loop of src/encoders/pool.ts: one task in flight per worker, result posted back with its id
  parentPort.on('message', async (msg) => {
    try {
      const [value, transfer] = await run(msg.task);
      parentPort.postMessage({ id: msg.id, value }, transfer);
    } catch (err) {
      parentPort.postMessage({ id: msg.id, error: String(err) });
    }
  });
  parentPort.postMessage({ ready: true });
}
