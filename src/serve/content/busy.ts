/**
 * @module serve/content/busy
 * The two ways the server's encode service declines work, both UnavailableError (503, code
 * `unavailable`) with the message: too many encodes already waiting (the queue is bounded), and
 * an encode that ran past its time (its worker is terminated and replaced).
 */
import { UnavailableError } from '../../errors.js';

/** Too many encodes are waiting: retry later. */
export class EncodeBusyError extends UnavailableError {
  constructor(waiting: number, limit: number) {
    super(
      `the server is busy encoding media (${waiting} encodes waiting, the limit is ${limit}); retry later`,
    );
    this.name = 'EncodeBusyError';
  }
}

/** An encode ran longer than the service allows; its worker was stopped and replaced. */
export class EncodeTimeoutError extends UnavailableError {
  constructor(what: string, timeoutMs: number) {
    super(`encoding ${what} took longer than ${timeoutMs / 1000} s and was stopped`);
    this.name = 'EncodeTimeoutError';
  }
}
