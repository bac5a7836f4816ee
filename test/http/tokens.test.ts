import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { UserRepository } from '#application/ports/user-repository.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { decorate, signedInUser, startTestApp, TEST_JWT_SECRET, type TestApp } from '#test/support/http.ts';
import { aUuid, expectUnauthorized } from './helpers.ts';

const ISSUER = 'gemini-chat';
const AUDIENCE = 'gemini-chat-api';

let app: TestApp;
/** The app's users as stored: the API has no call that deletes one. */
let users: UserRepository;
beforeAll(async () => {
  const keepUsers = decorate(TOKENS.UserRepository, (bound) => {
    users = bound;
    return bound;
  });
  app = await startTestApp({ overrides: [keepUsers] });
});
afterAll(() => app.close());

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token shaped exactly like ours, with one thing changed by `options`. */
function forge(
  userId: string,
  options: jwt.SignOptions & { secret?: string; payload?: object } = {},
): string {
  const { secret = TEST_JWT_SECRET, payload = {}, ...signOptions } = options;
  return jwt.sign({ ver: 0, amr: ['otp'], ...payload }, secret, {
    algorithm: 'HS256',
    subject: userId,
    issuer: ISSUER,
    audience: AUDIENCE,
    jwtid: crypto.randomUUID(),
    expiresIn: 600,
    ...signOptions,
  });
}

function me(token: string) {
  return app.client.get('/user/me', { headers: { Authorization: `Bearer ${token}` } });
}

describe('tokens the service issues', () => {
  it('are HS256 JWTs with sub, iat, exp (1 hour), jti, iss and aud', async () => {
    const { token, user } = await signedInUser(app.client);

    const decoded = jwt.decode(token, { complete: true });

    expect(decoded?.header).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const payload = decoded?.payload as jwt.JwtPayload;
    expect(payload).toMatchObject({ sub: user.id, iss: ISSUER, aud: AUDIENCE, jti: aUuid });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
  });

  it('take their lifetime from JWT_EXPIRES_IN', async () => {
    const shortLived = await startTestApp({ env: { JWT_EXPIRES_IN: '2h' } });
    try {
      const { token } = await signedInUser(shortLived.client);
      const payload = jwt.decode(token) as jwt.JwtPayload;

      expect(payload.exp! - payload.iat!).toBe(7200);
    } finally {
      await shortLived.close();
    }
  });

  it('report that lifetime as the session’s expiresIn', async () => {
    const seconds = await startTestApp({ env: { JWT_EXPIRES_IN: '90' } });
    try {
      const { mobile } = await signedInUser(seconds.client);
      const { otp } = (await seconds.client.post('/auth/send-otp', { mobile })).body;

      const session = await seconds.client.post('/auth/verify-otp', { mobile, otp });

      expect(session.body.expiresIn).toBe(90);
      const payload = jwt.decode(session.body.token) as jwt.JwtPayload;
      expect(payload.exp! - payload.iat!).toBe(90);
    } finally {
      await seconds.close();
    }
  });

  it('are accepted when signed like ours (the control for the attacks below)', async () => {
    const { user } = await signedInUser(app.client);

    const response = await me(forge(user.id));

    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe(user.id);
  });
});

describe('refused tokens: 401 UNAUTHORIZED with WWW-Authenticate: Bearer error="invalid_token"', () => {
  it('no Authorization header', async () => {
    expectUnauthorized(await app.client.get('/user/me'));
    expectUnauthorized(await app.client.get('/chatroom'));
    expectUnauthorized(await app.client.post('/chatroom', {}));
  });

  it.each([
    ['a bare scheme', 'Bearer'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['not a JWT', 'Bearer not-a-token'],
    ['two segments', 'Bearer abc.def'],
    ['garbage segments', 'Bearer abc.def.ghi'],
  ])('a malformed header: %s', async (_, header) => {
    expectUnauthorized(await app.client.get('/user/me', { headers: { Authorization: header } }));
  });

  it('a token without the Bearer scheme', async () => {
    const { user } = await signedInUser(app.client);

    expectUnauthorized(await app.client.get('/user/me', { headers: { Authorization: forge(user.id) } }));
  });

  it('alg "none"', async () => {
    const { user } = await signedInUser(app.client);
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      sub: user.id,
      ver: 0,
      amr: ['otp'],
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now,
      exp: now + 600,
      jti: 'x',
    };

    expectUnauthorized(await me(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`));
    expectUnauthorized(await me(`${base64url({ alg: 'none' })}.${base64url(payload)}.c2lnbmF0dXJl`));
  });

  it.each(['HS384', 'HS512'] as const)(
    'another HMAC algorithm (%s) with the same secret',
    async (algorithm) => {
      const { user } = await signedInUser(app.client);

      expectUnauthorized(await me(forge(user.id, { algorithm })));
    },
  );

  it('the wrong key', async () => {
    const { user } = await signedInUser(app.client);

    expectUnauthorized(await me(forge(user.id, { secret: 'another-secret-another-secret-0123456789' })));
  });

  it('a tampered payload (the subject swapped, the signature kept)', async () => {
    const victim = await signedInUser(app.client);
    const attacker = await signedInUser(app.client);
    const [header, payload, signature] = attacker.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());

    const tampered = `${header}.${base64url({ ...claims, sub: victim.user.id })}.${signature}`;

    expectUnauthorized(await me(tampered));
  });

  it('an expired token', async () => {
    const { user } = await signedInUser(app.client);
    const now = Math.floor(Date.now() / 1000);

    const expired = forge(user.id, { payload: { iat: now - 3660 }, expiresIn: 3600 });
    expect((jwt.decode(expired) as jwt.JwtPayload).exp).toBe(now - 60);

    expectUnauthorized(await me(expired));
  });

  it('a token accepted before, once it has expired', async () => {
    const { user } = await signedInUser(app.client);
    const token = forge(user.id, { expiresIn: 600 });
    expect((await me(token)).status).toBe(200);

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(((jwt.decode(token) as jwt.JwtPayload).exp ?? 0) * 1000);
      expectUnauthorized(await me(token));
    } finally {
      vi.useRealTimers();
    }
  });

  it('a signed token whose claims do not have the shape we issue', async () => {
    const { user } = await signedInUser(app.client);
    const now = Math.floor(Date.now() / 1000);

    for (const sub of ['', "' OR 1=1 --", 'not-a-uuid', `${user.id}x`]) {
      expectUnauthorized(await me(forge(sub)));
    }
    expectUnauthorized(await me(forge(user.id, { payload: { ver: '0' } })));
    expectUnauthorized(await me(forge(user.id, { payload: { ver: 0.5 } })));
    expectUnauthorized(await me(forge(user.id, { payload: { amr: ['magic'] } })));
    expectUnauthorized(await me(forge(user.id, { noTimestamp: true })));
    expectUnauthorized(await me(forge(user.id, { payload: { iat: now + 3600 }, expiresIn: 7200 })));
    const signedByHand = (claims: object) => {
      const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
      const mac = createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url');
      return `${unsigned}.${mac}`;
    };
    const claims = { sub: user.id, ver: 0, amr: ['otp'], iss: ISSUER, aud: AUDIENCE, exp: now + 600 };
    expect((await me(signedByHand({ ...claims, iat: now }))).status).toBe(200);
    expectUnauthorized(await me(signedByHand({ ...claims, iat: 'yesterday' })));
  });

  it('a signed token without an expiry', async () => {
    const { user } = await signedInUser(app.client);
    const forever = jwt.sign({ ver: 0, amr: ['otp'] }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      subject: user.id,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect((jwt.decode(forever) as jwt.JwtPayload).exp).toBeUndefined();

    expectUnauthorized(await me(forever));
  });

  it('the wrong issuer or audience', async () => {
    const { user } = await signedInUser(app.client);

    expectUnauthorized(await me(forge(user.id, { issuer: 'someone-else' })));
    expectUnauthorized(await me(forge(user.id, { audience: 'another-api' })));
  });

  it('a token revoked by a password change', async () => {
    const { token } = await signedInUser(app.client);
    const changed = await app.client.post(
      '/auth/change-password',
      { newPassword: 'brand new pass' },
      { token },
    );
    expect(changed.status).toBe(200);

    expectUnauthorized(await me(token));
    expectUnauthorized(await app.client.get('/chatroom', { token }));
    expect((await me(changed.body.token)).status).toBe(200);
  });

  it('a token whose user no longer exists', async () => {
    const { token, user } = await signedInUser(app.client);
    expect((await me(token)).status).toBe(200);

    await users.delete(user.id);

    expectUnauthorized(await me(token));
  });
});
