import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { isDatabaseOutage, rethrowOutage } from '#adapters/persistence/postgres/database-outage.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';

/** An error as pg or Node raise it: a message and a code. */
function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe('isDatabaseOutage', () => {
  it.each([
    ['a refused connection', pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', pgError('read ECONNRESET', 'ECONNRESET')],
    ['a fast shutdown', pgError('terminating connection due to administrator command', '57P01')],
    ['a server shutting down', pgError('the database system is shutting down', '57P03')],
    ['a server starting up', pgError('the database system is starting up', '57P03')],
    ['no connection slot left', pgError('sorry, too many clients already', '53300')],
    ['a lost connection', pgError('Connection terminated unexpectedly')],
    ['a pool that gave no connection in time', pgError('timeout exceeded when trying to connect')],
    [
      'a refusal on every address',
      new AggregateError([pgError('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]),
    ],
    ['a refusal as MikroORM wraps it', new DriverException(pgError('connect ECONNREFUSED', 'ECONNREFUSED'))],
    ['a refusal as a cause', new Error('query failed', { cause: pgError('x', 'ECONNREFUSED') })],
  ])('says yes to %s', (_, error) => {
    expect(isDatabaseOutage(error)).toBe(true);
  });

  it.each([
    ['a unique violation', new UniqueConstraintViolationException(pgError('duplicate key', '23505'))],
    ['a syntax error', pgError('syntax error at or near "selec"', '42601')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['something not an error', 'ECONNREFUSED'],
  ])('says no to %s', (_, error) => {
    expect(isDatabaseOutage(error)).toBe(false);
  });
});

describe('rethrowOutage', () => {
  it('turns an outage into ServiceUnavailable(database) with a retry hint, keeping the cause', () => {
    const refused = pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    const thrown = (() => {
      try {
        rethrowOutage(refused);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(ServiceUnavailable);
    expect(thrown).toMatchObject({ service: 'database', retryAfterSeconds: 2, cause: refused });
  });

  it('lets any other error through as it is', () => {
    const bug = new TypeError('oops');
    expect(() => rethrowOutage(bug)).toThrow(bug);
  });
});
