/**
 * The A/B verdict sentence of the dashboard, without a browser: arm names are the operator's, so
 * an arm called "control" must not read "control control".
 */
import { describe, expect, it } from 'vitest';
import type { ExperimentDetail } from '../../web/src/api/types.js';
import { verdictSentence } from '../../web/src/verdict.js';

const arm = (name: string) => ({ name, impressions: 100, clicks: 10 }) as ExperimentDetail['arms'][number];

const detail = (control: string, winner: string): ExperimentDetail => ({
  id: 'e1',
  name: 'exp',
  status: 'running',
  createdAt: '2026-12-01T00:00:00Z',
  arms: [arm(control), arm('B')],
  significance: { test: 'two-proportion z', verdict: 'significant', pValue: 0.01, winner, control },
  timeseries: [],
});

describe('verdictSentence', () => {
  it('names the control arm once', () => {
    expect(verdictSentence(detail('control', 'B')).text).toBe(
      'Arm B wins: its CTR is significantly higher than that of the control arm (p = 0.0100).',
    );
    expect(verdictSentence(detail('A', 'B')).text).toBe(
      'Arm B wins: its CTR is significantly higher than that of the control arm A (p = 0.0100).',
    );
    expect(verdictSentence(detail('control', 'control')).text).toBe(
      'The control arm wins: its CTR is significantly higher (p = 0.0100).',
    );
    for (const c of ['control', 'A'])
      expect(verdictSentence(detail(c, 'B')).text).not.toMatch(/control control/i);
  });
});
