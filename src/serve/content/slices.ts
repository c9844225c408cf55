/**
 * @module serve/content/slices
 * Cuts long main-thread loops into short slices: `pause()` yields to the event loop (setImmediate,
 * so pending I/O and timers run first) once the current slice has run for `budgetMs`, so other
 * requests are answered between slices of a large batch.
 */

/** Default time one slice may hold the event loop. */
export const SLICE_MS = 5;

export class TimeSlicer {
  private start = performance.now();

  constructor(private readonly budgetMs = SLICE_MS) {}

  /** Yields to the event loop when the current slice is over budget. */
  async pause(): Promise<void> {
    if (performance.now() - this.start < this.budgetMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}
