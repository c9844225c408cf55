/**
 * @module models/bpr/bpr-worker
 * Worker-thread entry of BPR's Hogwild pool: builds its sampler part and a stepper over the
 * shared tables, then trains its part of an epoch on each "epoch" message and replies with the
 * summed loss and batch count.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Interactions } from '../../data/interactions.js';
import { TripleSampler } from '../../training/sampler.js';
import { BprStepper } from './bpr-core.js';
import type { HogwildReply, HogwildWorkerData } from './bpr-hogwild.js';

const input = workerData as HogwildWorkerData;
const train = new Interactions(
  input.nUsers,
  input.nItems,
  input.indptr,
  input.indices,
  new Float32Array(input.indices.length),
  new Float64Array(input.indices.length),
);
const sampler = new TripleSampler(train, {
  seed: input.samplerSeed,
  negatives: input.stepOptions.negatives,
  part: input.part,
  parts: input.parts,
});
const stepper = new BprStepper(input.tables, input.stepOptions);

parentPort?.on('message', () => {
  let reply: HogwildReply;
  try {
    let loss = 0;
    let batches = 0;
    for (const batch of sampler.epoch(input.batchSize)) {
      loss += stepper.step(batch);
      batches++;
    }
    reply = { ok: true, loss, batches };
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  parentPort?.postMessage(reply);
});
