/**
 * @module serve/worker/train-params
 * What a queued training job carries and how it reads back: the job's params are the training
 * spec (serve/train/train TrainSpec, without `activate`) and the activation policy; its result is
 * the new version, its metrics and the activation decision; its progress is the latest
 * TrainProgress. {@link jobView} turns a stored job into the `Job` the HTTP API has always
 * answered (serve/train/jobs), so a server in queue mode keeps the response shapes.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { JobRecord } from '../../store/types.js';
import { ACTIVATION_POLICIES, type ActivationPolicy } from '../train/activation.js';
import type { Job } from '../train/jobs.js';
import type { TrainSpec } from '../train/train.js';

/** The job kind training jobs are queued under. */
export const TRAIN_KIND = 'train';

export interface TrainJobParams {
  spec: Omit<TrainSpec, 'activate'>;
  activate: ActivationPolicy;
}

/** What a finished training job stores as its result. */
export interface TrainJobResult {
  version: number;
  metrics: Record<string, number>;
  activated: boolean;
  activation: string;
}

export function trainJobParams(
  spec: Omit<TrainSpec, 'activate'>,
  activate: ActivationPolicy,
): TrainJobParams {
  return { spec, activate };
}

/** Reads a stored job's params back (InvalidArgumentError when they are not a training job's). */
export function readTrainParams(params: Record<string, unknown>): TrainJobParams {
  const spec = params.spec as TrainJobParams['spec'] | undefined;
  const activate = params.activate as ActivationPolicy;
  if (!spec || typeof spec !== 'object' || typeof spec.model !== 'string') {
    throw new InvalidArgumentError('a training job needs params.spec.model');
  }
  if (!ACTIVATION_POLICIES.includes(activate)) {
    throw new InvalidArgumentError(
      `a training job's params.activate must be one of ${ACTIVATION_POLICIES.join(', ')}, got ${JSON.stringify(activate)}`,
    );
  }
  return { spec, activate };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The API's view of a stored training job. */
export function jobView(r: JobRecord): Job {
  const spec = (r.params.spec ?? {}) as Partial<TrainSpec>;
  const job: Job = {
    id: String(r.id),
    kind: 'train',
    status: r.status,
    model: typeof spec.model === 'string' ? spec.model : '',
    params: spec.params ?? {},
    activate: (r.params.activate as ActivationPolicy) ?? 'never',
    createdAt: r.createdAt,
  };
  const p = r.progress ?? {};
  if (typeof p.phase === 'string') job.phase = p.phase;
  for (const k of ['epoch', 'maxEpochs', 'loss', 'valid'] as const) {
    const v = num(p[k]);
    if (v !== undefined) job[k] = v;
  }
  const res = (r.result ?? {}) as Partial<TrainJobResult>;
  if (num(res.version) !== undefined) job.version = res.version!;
  if (typeof res.activated === 'boolean') job.activated = res.activated;
  if (typeof res.activation === 'string') job.activation = res.activation;
  if (r.error !== undefined) job.error = r.error;
  if (r.startedAt !== undefined) job.startedAt = r.startedAt;
  if (r.finishedAt !== undefined) job.finishedAt = r.finishedAt;
  return job;
}
