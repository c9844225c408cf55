/**
 * @module eval/rank-worker
 * Worker-thread entry for ranking evaluation: receives a kernel and a task made of shared
 * typed arrays, evaluates its slice of users and posts "done".
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ScoringKernel } from '../models/recommender.js';
import { kernelScorer } from '../models/scoring.js';
import { evaluateRange, type RankingTask } from './ranking-core.js';

interface WorkerInput {
  kernel: ScoringKernel;
  task: RankingTask;
  from: number;
  to: number;
  batch: number;
}

const input = workerData as WorkerInput;
try {
  evaluateRange(input.task, kernelScorer(input.kernel), input.from, input.to, input.batch);
  parentPort?.postMessage({ ok: true });
} catch (err) {
  parentPort?.postMessage({
    ok: false,
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
}
