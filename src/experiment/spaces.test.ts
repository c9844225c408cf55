/**
 * @module experiment/spaces.test
 * Every registered model has a default space whose every draw (or grid point) the model accepts.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { modalityWeights } from '../models/freedom/params.js';
import { createModel, modelNames } from '../models/registry.js';
import { defaultSpace, freedomWeightChoices, spaceModelNames, withoutFixed } from './spaces.js';
import { gridSize, parseSearchSpace, trialParams } from './tune.js';

describe('default search spaces', () => {
  it('exist for every registered model', () => {
    expect(spaceModelNames()).toEqual(modelNames());
  });

  it.each(modelNames())('%s accepts every draw of its space', (name) => {
    const space = defaultSpace(name, { modalities: ['text', 'audio'] });
    if (Object.keys(space).length === 0) {
      expect(() => createModel(name, {})).not.toThrow();
      return;
    }
    parseSearchSpace(space); // well-formed domains
    const continuous = Object.values(space).some((d) => !Array.isArray(d));
    const points = continuous
      ? [1, 2, 3].flatMap((seed) => trialParams(space, 'random', { trials: 40, seed }))
      : trialParams(space, 'grid');
    if (!continuous) expect(points).toHaveLength(gridSize(space));
    for (const p of points) expect(() => createModel(name, p)).not.toThrow();
  });

  it('throws for an unknown model', () => {
    expect(() => defaultSpace('nope')).toThrow(InvalidArgumentError);
  });

  it("weighs FREEDOM's leading modality (text when present) against the others", () => {
    expect(freedomWeightChoices(['audio'])).toEqual(['auto']);
    const c = freedomWeightChoices(['audio', 'text', 'image']);
    expect(c[0]).toBe('auto');
    expect(c).toContain('text=0.8,audio=0.1,image=0.1');
    // hand-computed: text 0.8, audio and image 0.1 each, in the names' order
    expect(modalityWeights('text=0.8,audio=0.1,image=0.1', ['audio', 'text', 'image'])).toEqual([
      0.1, 0.8, 0.1,
    ]);
    expect(freedomWeightChoices(['a', 'b'])).toContain('a=0.7,b=0.3');
    for (const spec of c) {
      const w = modalityWeights(spec, ['audio', 'text', 'image']);
      expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    }
  });

  it('leaves fixed parameters out of the search', () => {
    const s = withoutFixed(defaultSpace('lightgcn'), { layers: 2, dim: 32 });
    expect(Object.keys(s).sort()).toEqual(['lr', 'reg']);
  });
});
