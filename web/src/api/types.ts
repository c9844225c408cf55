/**
 * @module web/api/types
 * The shapes of the fusionrec HTTP API that the dashboard reads (see docs/API.md). Fields the
 * server may leave out are optional; the pages treat every optional field as possibly absent.
 */

export type ModalityState = 'present' | 'missing' | 'failed';
export type MediaKind = 'image' | 'audio';

export interface Item {
  id: string;
  text?: Record<string, string | undefined>;
  categories?: string[];
  labels?: string[];
  image?: string;
  audio?: string;
  timestamp?: number | string;
  hidden?: boolean;
  /** Free attributes such as price or year. */
  attributes?: Record<string, unknown>;
  modalities?: Partial<Record<string, ModalityState>>;
}

export interface ModelRef {
  name: string;
  version: string | number;
}

export interface Status {
  model: ModelRef | null;
  items: number;
  users: number;
  feedback: number;
  feedbackPerMinute: number;
  index?: { kind: 'hnsw' | 'brute' | string; size: number; dim: number } | null;
  auth?: { writeKeyRequired: boolean; readKeyRequired: boolean };
  startedAt?: string | number;
  /** The ingestion stream's lag (servers with a Redis cache, once the stream exists). */
  stream?: { stream: string; events: number; pending: number; undelivered: number; seconds: number };
}

export interface ItemPage {
  items: Item[];
  total: number;
}

export interface UserSummary {
  id: string;
  labels?: string[];
  feedbackCount?: number;
}

export interface UserPage {
  users: UserSummary[];
  total: number;
}

export interface FeedbackRow {
  item: Item | string;
  type: string;
  value?: number;
  timestamp?: number | string;
}

export interface Explanation {
  collaborative?: number;
  bias?: number;
  modalities?: Record<string, number>;
}

export interface ScoredItem {
  id: string;
  score: number;
  item?: Item;
  explanation?: Explanation;
  /** Search results: the modality that matched. */
  modality?: string;
}

export interface Recommendation {
  user: string;
  model: ModelRef | null;
  source: 'model' | 'popular' | 'latest' | string;
  arm?: { experiment: string; arm: string };
  impressionId?: string;
  items: ScoredItem[];
}

export interface ModelVersion {
  version: string | number;
  name: string;
  params?: Record<string, unknown>;
  createdAt?: string | number;
  active?: boolean;
  metrics?: Record<string, number>;
}

/** One epoch as a model report or an experiment's history records it. */
export interface EpochRecord {
  epoch: number;
  loss?: number;
  seconds?: number;
  trainSeconds?: number;
  valid?: number | Record<string, number>;
  improved?: boolean;
}

export interface ModelDetail extends ModelVersion {
  report?: {
    epochs?: EpochRecord[];
    history?: EpochRecord[];
    test?: Record<string, number>;
    metrics?: Record<string, number>;
    modalityWeights?: Record<string, number>;
    validMetric?: string;
    bestEpoch?: number;
    trainSeconds?: number;
    [key: string]: unknown;
  } | null;
}

/** A background job (GET /v1/jobs/{id}). */
export interface Job {
  id: string;
  kind?: string;
  status: 'queued' | 'running' | 'done' | 'failed' | string;
  model?: string;
  epoch?: number;
  maxEpochs?: number;
  version?: string | number;
  error?: string;
  /** When the new version goes live: never, always, if-better. */
  activate?: string;
  /** Whether it was activated, and why (once done). */
  activated?: boolean;
  activation?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface ReportSummary {
  id: string;
  kind: 'experiment' | 'ablation' | 'tune' | string;
  title?: string;
  createdAt?: string | number;
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

export interface ArmResult {
  name: string;
  version: string | number;
  share: number;
  impressions: number;
  clicks: number;
  conversions: number;
  ctr: number;
  ctrLow: number;
  ctrHigh: number;
  conversionRate: number;
  convLow: number;
  convHigh: number;
}

export interface ExperimentSummary {
  id: string;
  name: string;
  status?: string;
  arms?: { name: string; version: string | number; share: number }[];
  createdAt?: string | number;
}

export interface ExperimentDetail {
  id: string;
  name: string;
  status?: string;
  arms: ArmResult[];
  significance?: {
    test?: string;
    pValue?: number | null;
    verdict?: 'significant' | 'not significant' | 'insufficient data' | string;
    winner?: string | null;
    control?: string;
  } | null;
  timeseries?: {
    t: number | string;
    arm: string;
    impressions: number;
    clicks: number;
    conversions: number;
  }[];
}
