/**
 * @module errors
 * The whole error vocabulary of fusionrec. Every error carries a stable `code`, an optional
 * `cause`, and, for input problems, the place (`file`, `line`, `field`) it was found.
 */

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'NOT_SUPPORTED'
  | 'ALREADY_EXISTS'
  | 'NOT_FITTED'
  | 'MISMATCH'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface FusionrecErrorOptions {
  cause?: unknown;
  /**
   * The request or batch field at fault, as a path (`arms[1].version`, `items[3].id`): the HTTP
   * layer reports it as `error.field` without parsing the message.
   */
  field?: string;
}

/** Base class of every error fusionrec throws on purpose. */
export class FusionrecError extends Error {
  readonly code: ErrorCode;
  /** The field at fault, when one is (see {@link FusionrecErrorOptions.field}). */
  readonly field: string | undefined;
  constructor(code: ErrorCode, message: string, options: FusionrecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
  }
}

/** A caller passed an argument outside its valid values (name the argument and the valid values). */
export class InvalidArgumentError extends FusionrecError {
  constructor(message: string, options?: FusionrecErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** Where in an input file a problem was found. */
export interface InputLocation {
  file: string;
  /** 1-based line number; 0 when the problem concerns the whole file. */
  line: number;
  /** The field (column, JSON key) at fault, when one is. */
  field?: string;
}

/**
 * Bad input data. The message always reads `file:line: field "x": what was expected, got what`,
 * so that a user can open the file at the right line.
 */
export class InvalidInputError extends FusionrecError {
  readonly file: string;
  readonly line: number;
  readonly detail: string;
  constructor(where: InputLocation, detail: string, options?: FusionrecErrorOptions) {
    const place = where.line > 0 ? `${where.file}:${where.line}` : where.file;
    const field = where.field === undefined ? '' : ` field "${where.field}":`;
    super('INVALID_INPUT', `${place}:${field} ${detail}`, {
      ...options,
      ...(where.field !== undefined ? { field: where.field } : {}),
    });
    this.file = where.file;
    this.line = where.line;
    this.detail = detail;
  }
}

/**
 * A bad HTTP request (or stream event): the field at fault as a path in the request (`body`,
 * `Content-Type`, `cursor`, `[3].timestamp`) and what was expected. The message reads
 * `field: detail`; the HTTP layer answers 400 `invalid_input` with `error.field`.
 */
export class InvalidRequestError extends FusionrecError {
  readonly detail: string;
  constructor(field: string, detail: string, options?: Omit<FusionrecErrorOptions, 'field'>) {
    super('INVALID_INPUT', `${field}: ${detail}`, { ...options, field });
    this.detail = detail;
  }
}

/** A named thing (file, dataset, model, id) does not exist. */
export class NotFoundError extends FusionrecError {
  constructor(message: string, options?: FusionrecErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}

/** The operation is valid in general but not supported here (format, backend, model capability). */
export class NotSupportedError extends FusionrecError {
  constructor(message: string, options?: FusionrecErrorOptions) {
    super('NOT_SUPPORTED', message, options);
  }
}

/** Something with this identity already exists. */
export class AlreadyExistsError extends FusionrecError {
  constructor(message: string, options?: FusionrecErrorOptions) {
    super('ALREADY_EXISTS', message, options);
  }
}

/** A model was asked to score or save before it was trained or loaded. */
export class NotFittedError extends FusionrecError {
  constructor(model: string, options?: FusionrecErrorOptions) {
    super('NOT_FITTED', `model "${model}" is not fitted: call fit() or load() first`, options);
  }
}

/** Two things that must agree do not (a saved model and a dataset, a matrix and an id map). */
export class MismatchError extends FusionrecError {
  constructor(message: string, options?: FusionrecErrorOptions) {
    super('MISMATCH', message, options);
  }
}

/** A service the operation needs (the database) cannot be reached now; retrying later may work. */
export class UnavailableError extends FusionrecError {
  constructor(message: string, options?: FusionrecErrorOptions) {
    super('UNAVAILABLE', message, options);
  }
}

/** Turns anything thrown into a readable one-line message, following the `cause` chain. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && depth < 5; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(': caused by: ');
}
