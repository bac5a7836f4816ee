import type { UserId } from '#domain/shared/ids.ts';

/** How the holder proved who they are: a one-time code or a password. */
export type AuthMethod = 'otp' | 'pwd';

export interface TokenClaims {
  userId: UserId;
  tokenVersion: number;
  method: AuthMethod;
  issuedAt: Date;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

/** Signed bearer tokens. verify() returns null for any token it does not accept. */
export interface TokenService {
  issue(claims: { userId: UserId; tokenVersion: number; method: AuthMethod }): IssuedToken;
  verify(token: string): TokenClaims | null;
}
