import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JwtTokenService } from '#adapters/auth/jwt-token-service.ts';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123';
const USER = '01900000-0000-7000-8000-000000000001';

function service(options: { verifiedKept?: number } = {}) {
  return new JwtTokenService({ secret: SECRET, expiresIn: '600', ...options });
}

function issued(tokens: JwtTokenService, tokenVersion = 0) {
  return tokens.issue({ userId: USER, tokenVersion, method: 'otp' }).token;
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('JwtTokenService.verify', () => {
  it("checks a token's signature once, then only its expiry on each use", () => {
    const tokens = service();
    const token = issued(tokens, 2);
    const checks = vi.spyOn(jwt, 'verify');

    for (let use = 0; use < 3; use++) {
      expect(tokens.verify(token)).toMatchObject({ userId: USER, tokenVersion: 2, method: 'otp' });
    }
    expect(checks).toHaveBeenCalledTimes(1);
  });

  it('refuses a token it has accepted from the second its expiry names on, as jsonwebtoken does', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T12:00:00.000Z'));
    const tokens = service();
    const token = issued(tokens);
    const { exp } = jwt.decode(token) as jwt.JwtPayload;
    expect(tokens.verify(token)).not.toBeNull();

    vi.setSystemTime(exp! * 1000 - 1);
    expect(tokens.verify(token)).not.toBeNull();
    vi.setSystemTime(exp! * 1000);
    expect(tokens.verify(token)).toBeNull();
    expect(service().verify(token)).toBeNull();
  });

  it('verifies any other text from scratch: a kept signature on another payload is refused', () => {
    const tokens = service();
    const token = issued(tokens);
    expect(tokens.verify(token)).not.toBeNull();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as jwt.JwtPayload;
    const raised = Buffer.from(JSON.stringify({ ...claims, ver: 7 })).toString('base64url');

    expect(tokens.verify(`${header}.${raised}.${signature}`)).toBeNull();
    expect(tokens.verify(`${token}x`)).toBeNull();
  });

  it('keeps the most recently used tokens only: one left out is checked again', () => {
    const tokens = service({ verifiedKept: 2 });
    const [first, second, third] = [issued(tokens), issued(tokens), issued(tokens)];
    const checks = vi.spyOn(jwt, 'verify');

    for (const token of [first, second, first, third]) expect(tokens.verify(token)).not.toBeNull();
    expect(checks).toHaveBeenCalledTimes(3);
    // `second` was the least recently used when `third` came in.
    expect(tokens.verify(first)).not.toBeNull();
    expect(checks).toHaveBeenCalledTimes(3);
    expect(tokens.verify(second)).not.toBeNull();
    expect(checks).toHaveBeenCalledTimes(4);
  });
});
