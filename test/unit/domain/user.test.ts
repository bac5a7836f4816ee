import { describe, expect, it } from 'vitest';
import { ValidationFailed } from '#domain/shared/domain-error.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import { checkPassword } from '#domain/user/password-policy.ts';
import { User } from '#domain/user/user.ts';

const now = new Date('2026-11-23T10:00:00.000Z');
const mobile = '+919876543210' as MobileNumber;

describe('User.register', () => {
  it('starts at token version 0 with a trimmed name', () => {
    const user = User.register({ id: 'u1', mobile, name: '  Asha ', passwordHash: 'h', now });
    expect(user).toMatchObject({ name: 'Asha', tokenVersion: 0, createdAt: now, hasPassword: true });
  });

  it('keeps a blank or missing name as null, and no password as null', () => {
    expect(User.register({ id: 'u1', mobile, name: '   ', now })).toMatchObject({
      name: null,
      passwordHash: null,
    });
    expect(User.register({ id: 'u1', mobile, now }).hasPassword).toBe(false);
  });

  it.each(['x'.repeat(101), 'a\u0000b'])('refuses the name %j', (name) => {
    expect(() => User.register({ id: 'u1', mobile, name, now })).toThrow(ValidationFailed);
  });
});

describe('User.withPassword', () => {
  it('sets the password and moves the token version on, so older tokens stop working', () => {
    const user = User.register({ id: 'u1', mobile, now });
    const changed = user.withPassword('hash-a');
    expect(changed).toMatchObject({ passwordHash: 'hash-a', tokenVersion: 1, hasPassword: true });
    expect(changed.withPassword('hash-b').tokenVersion).toBe(2);
  });
});

describe('checkPassword', () => {
  it('accepts 8 to 128 characters', () => {
    expect(checkPassword('12345678')).toBe('12345678');
    expect(checkPassword('p'.repeat(128))).toHaveLength(128);
  });

  it.each(['1234567', 'p'.repeat(129), 'pass\u0000word'])('refuses %j', (password) => {
    expect(() => checkPassword(password, 'newPassword')).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ path: 'newPassword' })] }),
    );
  });
});
