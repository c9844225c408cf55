/**
 * @module models/mf-rating/evaluate-rating
 * RMSE and MAE of a rating predictor over the stored (user, item, rating) triples of a split part.
 * An evaluation helper for callers (tests, scripts, a runner choosing epochs on RMSE); the model
 * itself (./mf-rating) does not use it.
 */
import type { Interactions } from '../../data/interactions.js';
import { mae, rmse } from '../../eval/metrics/rating.js';

/** Anything that predicts r̂(users[k], items[k]), such as MfRating. */
export interface RatingPredictor {
  predict(users: Int32Array, items: Int32Array): Float32Array;
}

/** RMSE and MAE of `model` over the stored (user, item, rating) triples of `part`. */
export function evaluateRating(model: RatingPredictor, part: Interactions): { rmse: number; mae: number } {
  const users = new Int32Array(part.nnz);
  for (let u = 0; u < part.nUsers; u++) users.fill(u, part.indptr[u]!, part.indptr[u + 1]!);
  const pred = model.predict(users, part.indices);
  return { rmse: rmse(pred, part.values), mae: mae(pred, part.values) };
}
