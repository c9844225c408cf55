/**
 * @module serve/train/queue-full
 * The training queue is bounded: a request beyond the limit is answered 429 (Too Many Requests)
 * with the number waiting and the limit, instead of piling up jobs that run for hours.
 */
import { HTTPException } from 'hono/http-exception';

export class TrainQueueFullError extends HTTPException {
  /** `pending`: jobs running or waiting; `limit`: jobs allowed to wait behind the running one. */
  constructor(pending: number, limit: number) {
    super(429, {
      message: `too many training jobs queued (${pending} running or waiting; the server runs one and lets ${limit} wait, see --train-queue); retry when one has finished (GET /v1/jobs)`,
    });
    this.name = 'TrainQueueFullError';
  }
}
