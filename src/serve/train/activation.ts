/**
 * @module serve/train/activation
 * When a version trained by the server goes live. `never` (the default): it is stored and waits
 * for `POST /v1/models/{version}/activate`; `always`: it replaces the served model when its job
 * finishes; `if-better`: it replaces the served model only when its validation Recall@20 (from its
 * training report) is higher than the active version's, or when no model is served yet.
 */
import type { Store } from '../../store/types.js';

export type ActivationPolicy = 'never' | 'always' | 'if-better';

export const ACTIVATION_POLICIES: readonly ActivationPolicy[] = ['never', 'always', 'if-better'];

/** The metric `if-better` compares (the one training stops early on). */
export const ACTIVATION_METRIC = 'recall@20';

/** A request's `activate` field as a policy (`true` = always, `false` = never). */
export function policyOf(
  activate: boolean | ActivationPolicy | undefined,
  fallback: ActivationPolicy,
): ActivationPolicy {
  if (activate === undefined) return fallback;
  if (activate === true) return 'always';
  if (activate === false) return 'never';
  return activate;
}

export interface ActivationDecision {
  activate: boolean;
  /** Why, in words (shown in the job). */
  reason: string;
}

async function validMetric(store: Store, version: number): Promise<number | undefined> {
  const v = await store.getModelVersion(version);
  const valid = v?.report.valid as Record<string, unknown> | undefined;
  const m = valid?.[ACTIVATION_METRIC];
  return typeof m === 'number' && Number.isFinite(m) ? m : undefined;
}

/** Whether the new `version` should be activated under `policy`. */
export async function decideActivation(
  store: Store,
  policy: ActivationPolicy,
  version: number,
): Promise<ActivationDecision> {
  if (policy === 'always') return { activate: true, reason: 'activate: always' };
  if (policy === 'never') {
    return { activate: false, reason: `stored inactive; POST /v1/models/${version}/activate serves it` };
  }
  const active = await store.activeModelVersion();
  if (active === undefined) return { activate: true, reason: 'if-better: no model was served' };
  const [mine, theirs] = await Promise.all([validMetric(store, version), validMetric(store, active)]);
  const fmt = (x: number | undefined) => (x === undefined ? 'none' : x.toFixed(4));
  const cmp = `valid ${ACTIVATION_METRIC} ${fmt(mine)} against ${fmt(theirs)} of active version ${active}`;
  if (mine !== undefined && (theirs === undefined || mine > theirs))
    return { activate: true, reason: `if-better: ${cmp}` };
  return { activate: false, reason: `if-better: not better (${cmp}); stored inactive` };
}
