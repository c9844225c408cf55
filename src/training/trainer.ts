/**
 * @module training/trainer
 * The epoch loop shared by iterative models: runs epochs 1..maxEpochs, times the training part
 * of each, reports it through FitOptions.onEpochEnd (where the caller evaluates and decides on
 * early stopping, as MMRec's trainer does) and stops on "stop".
 */
import { InvalidArgumentError } from '../errors.js';
import type { EpochInfo, FitOptions, FitReport } from '../models/recommender.js';

/** Default epoch bound when FitOptions.maxEpochs is absent (MMRec's `epochs: 1000`). */
export const DEFAULT_MAX_EPOCHS = 1000;

export interface RunEpochsExtra {
  /** Called after onEpochEnd, e.g. to checkpoint the best state. */
  checkpoint?: (info: EpochInfo) => void | Promise<void>;
  /** Asked after checkpoint: true ends training (a model's own stopping rule). */
  stop?: (info: EpochInfo) => boolean;
}

/**
 * Runs `epoch(e)` for e = 1..maxEpochs. `epoch` trains one epoch and returns its mean loss;
 * its wall time (only the training) is reported as EpochInfo.seconds and summed in
 * FitReport.trainSeconds. Stops early when onEpochEnd returns "stop".
 */
export async function runEpochs(
  options: FitOptions,
  epoch: (epoch: number) => number | Promise<number>,
  extra: RunEpochsExtra = {},
): Promise<FitReport> {
  const maxEpochs = options.maxEpochs ?? DEFAULT_MAX_EPOCHS;
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1) {
    throw new InvalidArgumentError(`maxEpochs must be a positive integer, got ${maxEpochs}`);
  }
  const losses: number[] = [];
  let trainSeconds = 0;
  let epochs = 0;
  for (let e = 1; e <= maxEpochs; e++) {
    const t0 = performance.now();
    const loss = await epoch(e);
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    losses.push(loss);
    epochs = e;
    const info: EpochInfo = { epoch: e, loss, seconds };
    const decision = (await options.onEpochEnd?.(info)) ?? 'continue';
    await extra.checkpoint?.(info);
    if (decision === 'stop' || extra.stop?.(info)) break;
  }
  return { epochs, trainSeconds, losses };
}
