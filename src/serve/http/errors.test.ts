import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidInputError,
  InvalidRequestError,
  NotFoundError,
  NotSupportedError,
} from '../../errors.js';
import { errorResponse } from './errors.js';

describe('errorResponse', () => {
  it('a request error answers 400 with its field and "field: detail"', () => {
    const r = errorResponse(
      new InvalidRequestError('cursor', 'expected a cursor from a previous page, got "x"'),
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      code: 'invalid_input',
      message: 'cursor: expected a cursor from a previous page, got "x"',
      field: 'cursor',
    });
  });
  it('a batch position travels as the field, not parsed from the message', () => {
    const nf = errorResponse(new NotFoundError('unknown item "ghost" ([1].item)', { field: '[1].item' }));
    expect(nf.status).toBe(404);
    expect(nf.body.error.field).toBe('[1].item');
    const ns = errorResponse(
      new NotSupportedError('arms[1].version: cannot be served', { field: 'arms[1].version' }),
    );
    expect(ns.status).toBe(409);
    expect(ns.body.error.field).toBe('arms[1].version');
    // Without a field option nothing is guessed from the text.
    expect(
      errorResponse(new InvalidArgumentError('arms[0].name (x[2].y) is odd')).body.error.field,
    ).toBeUndefined();
  });
  it("a file importer's error shows field and detail, never the server's file path", () => {
    const r = errorResponse(
      new InvalidInputError({ file: '/srv/data/items.jsonl', line: 3, field: 'id' }, 'expected a string'),
    );
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('id: expected a string');
    expect(r.body.error.field).toBe('id');
    expect(JSON.stringify(r.body)).not.toContain('/srv/data');
  });
});
