/**
 * @module util/progress
 * Progress bars for long steps: drawn on an interactive terminal (with the rate and an ETA from
 * the steps done so far), silent in CI and pipes.
 */

import cliProgress from 'cli-progress';
import { settings } from '../config/runtime.js';
import { environment } from '../env.js';

export interface Progress {
  update(done: number, info?: string): void;
  stop(): void;
}

const silent: Progress = { update: () => {}, stop: () => {} };

/** Whether progress bars are drawn (stderr is a TTY and CI is not set). */
export function progressEnabled(): boolean {
  if (!process.stderr.isTTY || environment().CI) return false;
  try {
    return settings().progress;
  } catch {
    return false;
  }
}

/** A bar of `total` steps titled `label`, or a silent one when not on a terminal. */
export function progress(label: string, total: number): Progress {
  if (!progressEnabled()) return silent;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {percentage}% ETA {eta_formatted} {info}`,
      etaBuffer: 50,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { info: '' });
  return {
    update: (done, info = '') => bar.update(done, { info }),
    stop: () => bar.stop(),
  };
}
