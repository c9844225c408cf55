/**
 * @module serve/train/validate
 * Checks a training request before it is accepted (`POST /v1/models/train` answers 400 at once
 * instead of queueing a job that fails later): the model exists and can be served, its parameters
 * have valid names, types and ranges (the model's own validation, which names the parameter, the
 * value given and the valid ones), the positive rules parse, and the sizes stay within the
 * server's limits (`dim`, `epochs`).
 */
import { InvalidArgumentError } from '../../errors.js';
import { parsePositiveRules } from '../../io/positive.js';
import { createModel, getModel, servableModelNames } from '../../models/registry.js';
import type { TrainSpec } from './train.js';

/** The server's upper bounds on one training job. */
export interface TrainLimits {
  /** Largest embedding width `params.dim` (default 1024). */
  maxDim: number;
  /** Largest `epochs` (default 1000). */
  maxEpochs: number;
}

export const DEFAULT_TRAIN_LIMITS: TrainLimits = { maxDim: 1024, maxEpochs: 1000 };

/** Throws InvalidArgumentError for the first problem of `spec` (see the module comment). */
export function validateTrainSpec(spec: TrainSpec, limits: TrainLimits = DEFAULT_TRAIN_LIMITS): void {
  const entry = getModel(spec.model);
  if (entry.servable !== true) {
    throw new InvalidArgumentError(
      `model "${spec.model}" cannot be served (it has no user and item vectors to rank by); ` +
        `servable models: ${servableModelNames().join(', ')}`,
    );
  }
  const model = createModel(spec.model, spec.params ?? {});
  const dim = (model.params as { dim?: unknown }).dim;
  if (typeof dim === 'number' && dim > limits.maxDim) {
    throw new InvalidArgumentError(
      `${spec.model}: parameter "dim" must be an integer from 1 to ${limits.maxDim} on this server, got ${JSON.stringify(spec.params?.dim)}`,
    );
  }
  if (
    spec.epochs !== undefined &&
    !(Number.isInteger(spec.epochs) && spec.epochs >= 1 && spec.epochs <= limits.maxEpochs)
  ) {
    throw new InvalidArgumentError(
      `"epochs" must be an integer from 1 to ${limits.maxEpochs} on this server, got ${JSON.stringify(spec.epochs)}`,
    );
  }
  if (spec.positive) parsePositiveRules(spec.positive);
}
