import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asCallerError, SqlError, type SqlErrorCode } from './errors.js';

class CallerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

const make = (code: SqlErrorCode, message: string, options?: { cause: unknown }) =>
  new CallerError(`CALLER_${code}`, message, options);

describe('asCallerError', () => {
  it("turns a SqlError into the caller's error with the same message and cause", () => {
    const cause = new Error('ECONNREFUSED');
    const mapped = asCallerError(new SqlError('SQL_UNAVAILABLE', 'cannot connect', { cause }), make);
    assert.ok(mapped instanceof CallerError);
    assert.equal(mapped.code, 'CALLER_SQL_UNAVAILABLE');
    assert.equal(mapped.message, 'cannot connect');
    assert.equal(mapped.cause, cause);
  });

  it('gives no cause when the SqlError had none', () => {
    const mapped = asCallerError(new SqlError('SQL_INVALID_OPTION', 'bad schema'), make) as Error;
    assert.equal(Object.hasOwn(mapped, 'cause'), false);
  });

  it('returns anything else unchanged', () => {
    const other = new TypeError('not ours');
    assert.equal(asCallerError(other, make), other);
    assert.equal(asCallerError('a string', make), 'a string');
  });
});
