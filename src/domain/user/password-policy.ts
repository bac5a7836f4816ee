import { ValidationFailed } from '../shared/domain-error.ts';
import { characterCount, hasNul } from '../shared/text.ts';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export function checkPassword(password: string, path = 'password'): string {
  const length = characterCount(password);
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new ValidationFailed(path, `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
  }
  if (hasNul(password)) throw new ValidationFailed(path, 'must not contain a NUL character');
  return password;
}
