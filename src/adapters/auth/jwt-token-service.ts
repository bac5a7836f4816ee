import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import type { AuthMethod, IssuedToken, TokenClaims, TokenService } from '#application/ports/token-service.ts';

const ISSUER = 'gemini-chat';
const AUDIENCE = 'gemini-chat-api';
const METHODS: ReadonlySet<string> = new Set<AuthMethod>(['otp', 'pwd']);

interface Payload {
  sub: string;
  iat: number;
  exp: number;
  ver: number;
  amr: string[];
}

/** Tokens whose signature and claims were checked, kept by their full text. */
const VERIFIED_KEPT = 10_000;

/**
 * HS256 tokens with iss/aud, verified with the algorithm pinned. The key is a prebuilt KeyObject:
 * jsonwebtoken re-derives a string secret on every call, which costs about 4x on this hot path.
 *
 * A token is verified once: its claims are then kept by the token's exact text (the most recently used
 * `verifiedKept`), and a later use of the same text checks only its expiry, against the clock, as jsonwebtoken
 * would. Any other text, a single character changed, is verified from scratch. Revocation is not decided here:
 * the token's version is compared with the user's on every request (Authenticate).
 */
export class JwtTokenService implements TokenService {
  private readonly key: KeyObject;
  private readonly expiresIn: jwt.SignOptions['expiresIn'];
  private readonly verified: LRUCache<string, { claims: TokenClaims; exp: number }>;

  constructor(options: { secret: string; expiresIn: string; verifiedKept?: number }) {
    this.key = createSecretKey(Buffer.from(options.secret, 'utf8'));
    this.verified = new LRUCache({ max: options.verifiedKept ?? VERIFIED_KEPT });
    this.expiresIn = /^\d+$/.test(options.expiresIn)
      ? Number(options.expiresIn)
      : (options.expiresIn as jwt.SignOptions['expiresIn']);
    // A lifetime jsonwebtoken cannot read would fail every sign-in; refuse it at start instead.
    this.issue({ userId: 'startup-check', tokenVersion: 0, method: 'otp' });
  }

  issue(claims: { userId: string; tokenVersion: number; method: AuthMethod }): IssuedToken {
    const token = jwt.sign({ ver: claims.tokenVersion, amr: [claims.method] }, this.key, {
      algorithm: 'HS256',
      subject: claims.userId,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwtid: randomUUID(),
      ...(this.expiresIn === undefined ? {} : { expiresIn: this.expiresIn }),
    });
    const payload = jwt.decode(token) as Payload;
    return { token, expiresIn: payload.exp - payload.iat };
  }

  verify(token: string): TokenClaims | null {
    const known = this.verified.get(token);
    if (known) {
      if (unexpired(known.exp)) return known.claims;
      this.verified.delete(token);
      return null;
    }
    let payload: Payload;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      }) as Payload;
    } catch {
      return null;
    }
    if (!wellFormed(payload)) return null;
    // Shared by every request that brings this token.
    const claims = Object.freeze(toClaims(payload));
    this.verified.set(token, { claims, exp: payload.exp });
    return claims;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Clock skew tolerated on `iat` between the machines that issue and verify tokens. */
const IAT_SKEW_SECONDS = 60;

/** A signature proves who wrote a token, not that its claims have the shape we issue: check them too. */
function wellFormed(payload: Payload): boolean {
  const method = payload.amr?.[0];
  const now = Date.now() / 1000;
  return (
    typeof payload.sub === 'string' &&
    UUID.test(payload.sub) &&
    Number.isSafeInteger(payload.ver) &&
    payload.ver >= 0 &&
    Number.isSafeInteger(payload.exp) &&
    Number.isSafeInteger(payload.iat) &&
    payload.iat > 0 &&
    payload.iat <= now + IAT_SKEW_SECONDS &&
    payload.exp > payload.iat &&
    typeof method === 'string' &&
    METHODS.has(method)
  );
}

/** jsonwebtoken's rule: a token expires at the start of its `exp` second. */
function unexpired(exp: number): boolean {
  return Math.floor(Date.now() / 1000) < exp;
}

function toClaims(payload: Payload): TokenClaims {
  return {
    userId: payload.sub,
    tokenVersion: payload.ver,
    method: payload.amr[0] as AuthMethod,
    issuedAt: new Date(payload.iat * 1000),
  };
}
