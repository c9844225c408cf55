/**
 * @module experiment/ablation
 * The ablation plan of a multimodal model: the model with all modalities first (the baseline the
 * others are compared with), then every non-empty proper subset of the modalities, then — for
 * the fusion model — every other fusion strategy over all modalities. All run on one split with
 * one seed, so the paired significance tests of the experiment runner apply.
 */
import { InvalidArgumentError } from '../errors.js';
import { FUSION_STRATEGIES } from '../models/fusion/params.js';
import type { ModelSpec } from './experiment.js';

export function ablationPlan(base: ModelSpec, modalities: readonly string[]): ModelSpec[] {
  if (modalities.length === 0) {
    throw new InvalidArgumentError(
      'an ablation needs a dataset with at least one modality (attach with --modality)',
    );
  }
  const params = { ...(base.params ?? {}) };
  const label = base.label ?? base.name;
  const all = [...modalities].sort();
  const plan: ModelSpec[] = [
    { name: base.name, params: { ...params, modalities: all.join(',') }, label: `${label}[all]` },
  ];
  const n = all.length;
  const subsets: string[][] = [];
  for (let mask = 1; mask < (1 << n) - 1; mask++) subsets.push(all.filter((_, k) => mask & (1 << k)));
  subsets.sort((a, b) => b.length - a.length || a.join().localeCompare(b.join()));
  for (const s of subsets) {
    plan.push({
      name: base.name,
      params: { ...params, modalities: s.join(',') },
      label: `${label}[${s.join('+')}]`,
    });
  }
  if (base.name === 'fusion') {
    const current = (params.fusion as string | undefined) ?? 'weighted';
    for (const f of FUSION_STRATEGIES) {
      if (f === current) continue;
      plan.push({
        name: base.name,
        params: { ...params, fusion: f, modalities: all.join(',') },
        label: `${label}:${f}`,
      });
    }
  }
  return plan;
}
