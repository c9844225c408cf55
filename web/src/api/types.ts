/**
 * @module web/api/types
 * The shapes of the fusionrec HTTP API that the dashboard reads, named from the types generated
 * out of the server's own OpenAPI document (./generated.ts, by scripts/gen-api-types.mjs), so a
 * change of the server's JSON breaks the dashboard's type check instead of its pages. Only the
 * stored report bodies (model reports, experiment reports) are declared here by hand: the API
 * serves them as opaque JSON (`report`, `body`), written by src/experiment.
 */
import type { components, paths } from './generated.js';

type Schemas = components['schemas'];

/** The JSON body of the 200 answer to `GET path`. */
export type GetBody<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer B } } } };
}
  ? B
  : never;

export type Item = Schemas['Item'];
export type ModalityState = NonNullable<Item['modalities'][keyof Item['modalities']]>;
export type MediaKind = 'image' | 'audio';
export type Status = Schemas['Status'];
export type ItemPage = GetBody<'/v1/items'>;
export type UserSummary = Schemas['User'];
export type UserPage = GetBody<'/v1/users'>;
export type FeedbackRow = GetBody<'/v1/users/{id}/feedback'>['feedback'][number];
export type Explanation = Schemas['Explanation'];
export type Recommendation = Schemas['Recommendations'];
export type ModelRef = NonNullable<Recommendation['model']>;

type RecommendedItem = Recommendation['items'][number];
type FoundItem = Schemas['SearchResults']['items'][number];
/**
 * An item with a score: a recommendation (with its explanation and the rules that moved it), a
 * similar item, or a search result (with the modality that matched).
 */
export type ScoredItem = Schemas['ScoredItems']['items'][number] &
  Partial<Pick<RecommendedItem, 'explanation' | 'rules'>> &
  Partial<Pick<FoundItem, 'modality'>>;

export type ModelVersion = Schemas['ModelVersion'];
/** GET /v1/models/{version}: the version and its stored training report. */
export type ModelDetail = Omit<GetBody<'/v1/models/{version}'>, 'report'> & { report: ModelReport | null };
/** A background job (GET /v1/jobs/{id}). */
export type Job = Schemas['Job'];
export type ReportSummary = Schemas['ReportSummary'];
export type ExperimentSummary = Schemas['Experiment'];
/** One arm of an experiment with its counts and confidence intervals. */
export type ArmResult = Schemas['ExperimentReport'] extends { arms?: (infer A)[] } ? A : never;
/** GET /v1/experiments/{id} (the document marks `arms` optional, an artefact of zod's extend). */
export type ExperimentDetail = Omit<Schemas['ExperimentReport'], 'arms'> & { arms: ArmResult[] };

// ---- Stored report bodies: opaque JSON in the API, written by src/experiment ----

/** One epoch as a model report or an experiment's history records it. */
export interface EpochRecord {
  epoch: number;
  loss?: number;
  seconds?: number;
  trainSeconds?: number;
  valid?: number | Record<string, number>;
  improved?: boolean;
}

/** A model version's training report (`report` of GET /v1/models/{version}). */
export interface ModelReport {
  epochs?: EpochRecord[];
  history?: EpochRecord[];
  test?: Record<string, number>;
  metrics?: Record<string, number>;
  modalityWeights?: Record<string, number>;
  validMetric?: string;
  bestEpoch?: number;
  trainSeconds?: number;
  [key: string]: unknown;
}

/** One model's result in an experiment report (src/experiment/experiment.ts, resultToJson). */
export interface ReportModelResult {
  model: string;
  label?: string;
  params?: Record<string, unknown>;
  metrics?: Record<string, number>;
  validMetrics?: Record<string, number>;
  bestEpoch?: number;
  epochs?: number;
  trainSecondsPerEpoch?: number;
  history?: EpochRecord[];
  modalityWeights?: Record<string, number>;
  /** What the model learned at its best epoch (`describe()`), e.g. `{ modalityWeights }`. */
  learned?: Record<string, unknown>;
}

export interface ReportComparison {
  baseline: string;
  model: string;
  metric: string;
  meanDiff: number;
  tTestP: number;
  wilcoxonP: number;
  ciLow: number;
  ciHigh: number;
}
export type ExposureFigures = Schemas['ExposureFigures'];
export type FairnessPage = GetBody<'/v1/fairness'>;
export type ReviewRecord = Schemas['ReviewRecord'];
export type ReviewPage = GetBody<'/v1/review'>;
export type RulesPage = GetBody<'/v1/rules'>;
