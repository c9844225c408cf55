/**
 * @module serve/train/validate
 * Checks a training request before it is accepted (`POST /v1/models/train` answers 400 at once
 * instead of queueing a job that fails later): the model exists and can be served, its parameters
 * have valid names, types and ranges (the model's own validation, which names the parameter, the
 * value given and the valid ones), the positive rules parse, and the sizes stay within the
 * server's limits (`dim`, `epochs`, `tuneBudgetSeconds`), and a tuned model has a default search
 * space.
 */
import { InvalidArgumentError } from '../../errors.js';
import { spaceModelNames } from '../../experiment/spaces.js';
import { parsePositiveRules } from '../../io/positive.js';
import { createModel, getModel, servableModelNames } from '../../models/registry.js';
import type { TrainSpec } from './train.js';

/** The server's upper bounds on one training job. */
export interface TrainLimits {
  /** Largest embedding width `params.dim` (default 1024). */
  maxDim: number;
  /** Largest `epochs` (default 1000). */
  maxEpochs: number;
  /** Largest auto-tuning budget `tuneBudgetSeconds` (default 3600). */
  maxTuneSeconds: number;
}

export const DEFAULT_TRAIN_LIMITS: TrainLimits = { maxDim: 1024, maxEpochs: 1000, maxTuneSeconds: 3600 };

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
  const budget = spec.tuneBudgetSeconds;
  if (budget !== undefined) {
    if (
      !(
        typeof budget === 'number' &&
        Number.isFinite(budget) &&
        budget > 0 &&
        budget <= limits.maxTuneSeconds
      )
    ) {
      throw new InvalidArgumentError(
        `"tuneBudgetSeconds" must be a number of seconds > 0 and <= ${limits.maxTuneSeconds} on this server, got ${JSON.stringify(budget)}`,
      );
    }
    if (!spaceModelNames().includes(spec.model)) {
      throw new InvalidArgumentError(`model "${spec.model}" has no default search space to auto-tune`);
    }
  }
  if (spec.positive) parsePositiveRules(spec.positive);
}
