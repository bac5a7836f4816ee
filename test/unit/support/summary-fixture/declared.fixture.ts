import { beforeAll, describe, expect, it } from 'vitest';
import { type ServiceUnavailable, type TestDatabase, withServices } from '#test/support/services.ts';

/** What createTestDatabase() answers without a database. */
const missing = { available: false, reason: 'no database in this fixture' } as
  | TestDatabase
  | ServiceUnavailable;

describe('tests that run', () => {
  it('passes', () => expect(1).toBe(1));
  it('passes too', () => expect(2).toBe(2));
  it('fails', () => expect(1).toBe(2));
  it.skip('is skipped', () => {});
  it.todo('is to do');
});

describe.skip('a skipped group', () => {
  it('one', () => {});
  it('two', () => {});
});

withServices([missing], (database) => {
  it('needs the database', () => expect(database).toBeDefined());
  it('needs it again', () => expect(database).toBeDefined());
  it('and once more', () => expect(database).toBeDefined());
});

describe('a group whose setup fails', () => {
  beforeAll(() => {
    throw new Error('setup failed');
  });
  it('never runs', () => {});
});
