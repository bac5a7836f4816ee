import { describe, expect, it } from 'vitest';
import { checkTitle } from '#domain/chatroom/chatroom.ts';
import { checkContent } from '#domain/chatroom/message.ts';
import { parseMobileNumber } from '#domain/user/mobile-number.ts';
import { checkPassword } from '#domain/user/password-policy.ts';
import { normalizeName } from '#domain/user/user.ts';

/** The field problem a client shows next to the field: which field, and the rule it broke. */
function problemOf(check: () => unknown) {
  try {
    check();
  } catch (error) {
    return (error as { errors?: unknown }).errors;
  }
  throw new Error('the value was accepted');
}

describe('field rules tell the user what a valid value is', () => {
  it.each([
    ['an empty title', () => checkTitle('   '), 'title', /1 to 100 characters after trimming/],
    ['a title with a NUL', () => checkTitle('a\u0000b'), 'title', /NUL character/],
    ['empty content', () => checkContent(' '), 'content', /1 to 8000 characters after trimming/],
    ['content with a NUL', () => checkContent('a\u0000b'), 'content', /NUL character/],
    ['a short password', () => checkPassword('short', 'newPassword'), 'newPassword', /8 to 128 characters/],
    ['a password with a NUL', () => checkPassword('pass\u0000word'), 'password', /NUL character/],
    ['a long name', () => normalizeName('n'.repeat(101)), 'name', /at most 100 characters/],
    ['a name with a NUL', () => normalizeName('a\u0000b'), 'name', /NUL character/],
    ['a mobile number', () => parseMobileNumber('12345'), 'mobile', /E\.164/],
  ])('refuses %s, naming the field and the rule', (_case, check, path, rule) => {
    expect(problemOf(check)).toEqual([{ path, message: expect.stringMatching(rule) }]);
  });
});

describe('normalizeName', () => {
  it('keeps no name as null', () => {
    expect(normalizeName(null)).toBeNull();
    expect(normalizeName(undefined)).toBeNull();
  });

  it('accepts a name of exactly 100 characters', () => {
    expect(normalizeName('n'.repeat(100))).toHaveLength(100);
  });
});

describe('checkContent', () => {
  it('accepts a single character', () => {
    expect(checkContent(' ? ')).toBe('?');
  });
});
