import { ValidationFailed } from '../shared/domain-error.ts';
import type { UserId } from '../shared/ids.ts';
import { characterCount, hasNul } from '../shared/text.ts';
import type { MobileNumber } from './mobile-number.ts';

export const NAME_MAX_LENGTH = 100;

export interface UserProps {
  id: UserId;
  mobile: MobileNumber;
  name: string | null;
  passwordHash: string | null;
  tokenVersion: number;
  createdAt: Date;
}

export class User {
  readonly id: UserId;
  readonly mobile: MobileNumber;
  readonly name: string | null;
  readonly passwordHash: string | null;
  /** Bumped by a password change; tokens carry it, so older tokens stop working. */
  readonly tokenVersion: number;
  readonly createdAt: Date;

  constructor(props: UserProps) {
    this.id = props.id;
    this.mobile = props.mobile;
    this.name = props.name;
    this.passwordHash = props.passwordHash;
    this.tokenVersion = props.tokenVersion;
    this.createdAt = props.createdAt;
  }

  static register(input: {
    id: UserId;
    mobile: MobileNumber;
    name?: string | null;
    passwordHash?: string | null;
    now: Date;
  }): User {
    return new User({
      id: input.id,
      mobile: input.mobile,
      name: normalizeName(input.name),
      passwordHash: input.passwordHash ?? null,
      tokenVersion: 0,
      createdAt: input.now,
    });
  }

  get hasPassword(): boolean {
    return this.passwordHash !== null;
  }

  /** The user with a new password: the token version moves on, so every token issued before stops working. */
  withPassword(passwordHash: string): User {
    return new User({ ...this, passwordHash, tokenVersion: this.tokenVersion + 1 });
  }
}

export function normalizeName(name: string | null | undefined): string | null {
  if (name === undefined || name === null) return null;
  const trimmed = name.trim();
  if (trimmed.length === 0) return null;
  if (characterCount(trimmed) > NAME_MAX_LENGTH)
    throw new ValidationFailed('name', `must be at most ${NAME_MAX_LENGTH} characters`);
  if (hasNul(trimmed)) throw new ValidationFailed('name', 'must not contain a NUL character');
  return trimmed;
}
