import { Unauthorized } from '#domain/shared/domain-error.ts';
import type { User } from '#domain/user/user.ts';
import type { TokenClaims, TokenService } from '../ports/token-service.ts';
import type { UserRepository } from '../ports/user-repository.ts';

export interface Principal {
  user: User;
  claims: TokenClaims;
}

/** Turns a bearer token into its user: refused when invalid, expired, revoked by a password change, or the user is gone. */
export class Authenticate {
  private readonly deps: { tokens: TokenService; users: UserRepository };

  constructor(deps: { tokens: TokenService; users: UserRepository }) {
    this.deps = deps;
  }

  async execute(token: string): Promise<Principal> {
    const claims = this.deps.tokens.verify(token);
    if (!claims) throw new Unauthorized('The token is invalid or expired');
    const user = await this.deps.users.findById(claims.userId);
    if (!user) throw new Unauthorized('The account no longer exists');
    if (user.tokenVersion !== claims.tokenVersion) throw new Unauthorized('The token was revoked');
    return { user, claims };
  }
}
