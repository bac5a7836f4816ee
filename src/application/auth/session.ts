import type { Tier } from '#domain/subscription/subscription.ts';
import type { User } from '#domain/user/user.ts';
import type { AuthMethod, TokenService } from '../ports/token-service.ts';

export interface Account {
  user: User;
  tier: Tier;
}

export interface Session extends Account {
  token: string;
  expiresIn: number;
}

export function openSession(tokens: TokenService, account: Account, method: AuthMethod): Session {
  const issued = tokens.issue({ userId: account.user.id, tokenVersion: account.user.tokenVersion, method });
  return { ...account, token: issued.token, expiresIn: issued.expiresIn };
}
