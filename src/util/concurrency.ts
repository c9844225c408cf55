/**
 * @module util/concurrency
 * Bounded concurrency for async work (decoding files, model calls).
 */

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
export async function forEachLimit(
  n: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}
