import { describe, expect, it } from 'vitest';
import { ablationPlan } from './ablation.js';

describe('ablationPlan', () => {
  it('puts the full model first, then every proper subset, then the other fusion strategies', () => {
    const plan = ablationPlan({ name: 'fusion', params: { fusion: 'attention', dim: 32 } }, [
      'text',
      'audio',
      'image',
    ]);
    expect(plan.map((p) => p.label)).toEqual([
      'fusion[all]',
      'fusion[audio+image]',
      'fusion[audio+text]',
      'fusion[image+text]',
      'fusion[audio]',
      'fusion[image]',
      'fusion[text]',
      'fusion:concat',
      'fusion:weighted',
      'fusion:transformer',
    ]);
    expect(plan[0]!.params).toEqual({ fusion: 'attention', dim: 32, modalities: 'audio,image,text' });
    expect(plan[5]!.params!.modalities).toBe('image');
    expect(plan.at(-1)!.params).toMatchObject({
      fusion: 'transformer',
      modalities: 'audio,image,text',
      dim: 32,
    });
  });
  it('other content models get only the modality subsets', () => {
    expect(ablationPlan({ name: 'vbpr' }, ['a', 'b']).map((p) => p.label)).toEqual([
      'vbpr[all]',
      'vbpr[a]',
      'vbpr[b]',
    ]);
  });
  it('needs a modality', () => {
    expect(() => ablationPlan({ name: 'fusion' }, [])).toThrow(/at least one modality/);
  });
});
