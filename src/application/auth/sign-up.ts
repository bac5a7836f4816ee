import { parseMobileNumber } from '#domain/user/mobile-number.ts';
import { checkPassword } from '#domain/user/password-policy.ts';
import { User } from '#domain/user/user.ts';
import { MobileTaken } from '#domain/user/user-errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { PasswordHasher } from '../ports/password-hasher.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import type { Account } from './session.ts';

export interface SignUpInput {
  mobile: string;
  name?: string | null | undefined;
  password?: string | undefined;
}

export interface SignUpDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  ids: IdGenerator;
  clock: Clock;
}

export class SignUp {
  private readonly deps: SignUpDeps;

  constructor(deps: SignUpDeps) {
    this.deps = deps;
  }

  async execute(input: SignUpInput): Promise<Account> {
    const { users, hasher, ids, clock } = this.deps;
    const mobile = parseMobileNumber(input.mobile);
    const password = input.password === undefined ? undefined : checkPassword(input.password);
    if (await users.findByMobile(mobile)) throw new MobileTaken();
    const passwordHash = password === undefined ? null : await hasher.hash(password);
    const user = User.register({ id: ids.next(), mobile, name: input.name, passwordHash, now: clock.now() });
    await users.create(user);
    return { user, tier: 'basic' };
  }
}
