/**
 * @module fusionrec
 * The public API of fusionrec, grouped by stage.
 */

export { fusionrecEnv } from './config/runtime.js';
// data model
export type { Dataset } from './data/dataset.js';
export { datasetSummary } from './data/dataset.js';
export { IdMap } from './data/id-map.js';
export { Interactions } from './data/interactions.js';
export { applyKcore, kcore } from './data/kcore.js';
export { type InteractionLog, LogBuilder, SPLIT_LABEL, selectRows } from './data/log.js';
export type { AttributeValue, FeedbackEvent, FeedbackType, Item, User } from './data/types.js';
// demo data
export { ensureDemo, generateDemo } from './demo/generate.js';
export { FeatureCache, openFeatureCache } from './encoders/cache.js';
// encoders
export type { EncodeResult, Encoder, EncoderInput, MediaKind } from './encoders/encoder.js';
export { createEncoder, ENCODERS, encoderNames } from './encoders/registry.js';
// errors
export * from './errors.js';
// evaluation
export {
  evaluateRanking,
  evaluateSplit,
  type RankingEvalOptions,
  type RankingEvalResult,
} from './eval/evaluator.js';
export * from './eval/metrics/index.js';
export * from './eval/significance.js';
// experiments
export { type LoadOptions, loadDataset, parseDatasetSpec } from './experiment/dataset-spec.js';
export {
  buildSplit,
  type ExperimentOptions,
  type ExperimentResult,
  type ModelResult,
  type ModelSpec,
  resultToJson,
  runExperiment,
} from './experiment/experiment.js';
export { formatExperiment, textTable } from './experiment/report.js';
export { type TuneOptions, type TuneResult, tune } from './experiment/tune.js';
// import
export * from './io/index.js';
export { type EncodeCatalogOptions, encodeCatalog, writeModalities } from './jobs/encode.js';
// numerics
export { DotScorer } from './math/dot-scorer.js';
export { type Ranked, topK, topKRanked } from './math/topk.js';
export { type FeatureModality, makeModality, modalityRow } from './modalities/modality.js';
export { type ArtifactManifest, readArtifact, readManifest, writeArtifact } from './models/artifact.js';
export { Bpr } from './models/bpr/bpr.js';
export { FactorRecommender } from './models/factor-base.js';
export { ItemKnn } from './models/item-knn/item-knn.js';
export { KernelModel } from './models/kernel-model.js';
export { LightGcn } from './models/lightgcn/lightgcn.js';
export { evaluateRating } from './models/mf-rating/evaluate-rating.js';
export { MfRating } from './models/mf-rating/mf-rating.js';
export { Popularity } from './models/popularity/popularity.js';
// models
export type {
  EpochDecision,
  EpochInfo,
  FitOptions,
  FitReport,
  Recommender,
  RecommendOptions,
  ScoringKernel,
  TrainingData,
} from './models/recommender.js';
export {
  createModel,
  getModel,
  loadModel,
  type ModelEntry,
  modelNames,
  registerModel,
} from './models/registry.js';
// splits
export * from './splits/index.js';
// training engine
export { Adam, type AdamOptions, Sgd } from './training/adam.js';
export { normalInit, xavierNormal, xavierUniform } from './training/init.js';
export * as losses from './training/losses.js';
export { type TripleBatch, TripleSampler } from './training/sampler.js';
export { runEpochs } from './training/trainer.js';
export { Rng } from './util/rng.js';
