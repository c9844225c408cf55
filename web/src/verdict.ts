/**
 * @module web/verdict
 * The A/B page's verdict as a sentence: who wins on CTR and how sure we are. Arm names are
 * operators' words, so an arm called "control" reads "the control arm", not "control control".
 */
import type { ExperimentDetail } from './api/types.js';
import { pValue } from './format.js';

/** "the control arm" or "the control arm A". */
function controlArm(name: string | undefined): string {
  return !name || name.toLowerCase() === 'control' ? 'the control arm' : `the control arm ${name}`;
}

/** The server's verdict as a sentence, and the style of its box. */
export function verdictSentence(d: ExperimentDetail): { text: string; tone: 'sig' | 'open' | 'wait' } {
  const s = d.significance;
  const p = pValue(s?.pValue);
  const control = s?.control ?? d.arms[0]?.name;
  switch (s?.verdict) {
    case 'significant': {
      if (s.winner && s.winner === control) {
        const who = controlArm(control);
        return {
          text: `${who[0]!.toUpperCase()}${who.slice(1)} wins: its CTR is significantly higher (p = ${p}).`,
          tone: 'sig',
        };
      }
      return {
        text: `Arm ${s.winner ?? '?'} wins: its CTR is significantly higher than that of ${controlArm(control)} (p = ${p}).`,
        tone: 'sig',
      };
    }
    case 'not significant':
      return { text: `No significant difference in CTR (p = ${p}).`, tone: 'open' };
    case 'insufficient data':
      if (d.arms.every((a) => a.impressions === 0))
        return { text: 'No impressions yet: no verdict before lists are served to each arm.', tone: 'wait' };
      return {
        text: `Not enough data yet: every arm needs more impressions (p = ${p} so far).`,
        tone: 'wait',
      };
    default:
      return { text: s?.verdict ? `${s.verdict} (p = ${p})` : 'No verdict yet.', tone: 'wait' };
  }
}
