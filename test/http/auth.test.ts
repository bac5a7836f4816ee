import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '#bootstrap/tokens.ts';
import { FixedClock } from '#test/support/clock.ts';
import {
  freshMobile,
  replace,
  signedInUser,
  startTestApp,
  type TestApp,
  type TestClient,
} from '#test/support/http.ts';
import {
  anIsoTime,
  aUuid,
  expectInvalidField,
  expectProblem,
  expectUnauthorized,
  nextUtcMidnight,
  otherCode,
} from './helpers.ts';

let app: TestApp;
let client: TestClient;
beforeAll(async () => {
  app = await startTestApp();
  client = app.client;
});
afterAll(() => app.close());

/** Logging in now works with `current` and is refused with `previous`. */
async function expectPasswordChanged(mobile: string, previous: string, current: string) {
  expectProblem(await client.post('/auth/login', { mobile, password: previous }), 401, 'INVALID_CREDENTIALS');
  expect((await client.post('/auth/login', { mobile, password: current })).status).toBe(200);
}

async function registered(input: { password?: string } = {}) {
  const mobile = freshMobile();
  const signup = await client.post('/auth/signup', { mobile, ...input });
  expect(signup.status).toBe(201);
  return { mobile, user: signup.body.user };
}

async function sendOtp(mobile: string, via: '/auth/send-otp' | '/auth/forgot-password' = '/auth/send-otp') {
  const sent = await client.post(via, { mobile });
  expect(sent.status).toBe(200);
  return sent.body.otp as string;
}

function verify(mobile: string, otp: string, on: TestClient = client) {
  return on.post('/auth/verify-otp', { mobile, otp });
}

describe('POST /auth/signup', () => {
  it('registers a user and answers 201 { user }', async () => {
    const mobile = freshMobile();

    const response = await client.post('/auth/signup', { mobile, name: 'Asha' });

    expect(response.status).toBe(201);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      user: { id: aUuid, mobile, name: 'Asha', hasPassword: false, tier: 'basic', createdAt: anIsoTime },
    });
  });

  it('stores and returns the mobile normalized, and a name left out is null', async () => {
    const spaced = await client.post('/auth/signup', { mobile: '+91 98765-43210' });
    const punctuated = await client.post('/auth/signup', {
      mobile: '+1 (415) 555.2671',
      password: 'long enough',
    });

    expect(spaced.status).toBe(201);
    expect(spaced.body.user).toMatchObject({ mobile: '+919876543210', name: null });
    expect(punctuated.body.user).toMatchObject({ mobile: '+14155552671', hasPassword: true });
  });

  it('answers 409 MOBILE_TAKEN for a number already registered, however it is typed', async () => {
    await client.post('/auth/signup', { mobile: '+44 7700 900123' });

    const again = await client.post('/auth/signup', { mobile: '+44-7700-900-123' });

    expectProblem(again, 409, 'MOBILE_TAKEN');
  });

  it.each([
    ['without a +', '919876543210'],
    ['with a leading 0', '+0919876543210'],
    ['too short', '+91 98765'],
    ['too long', '+1234567890123456'],
    ['with letters', '+91 98765 ABCDE'],
    ['empty', ''],
  ])('answers 400 for a mobile %s', async (_, mobile) => {
    expectInvalidField(await client.post('/auth/signup', { mobile }), 'mobile');
  });

  it('accepts passwords of 8 to 128 characters and refuses others with 400', async () => {
    const shortest = await client.post('/auth/signup', { mobile: freshMobile(), password: '12345678' });
    const longest = await client.post('/auth/signup', { mobile: freshMobile(), password: 'p'.repeat(128) });

    expect(shortest.status).toBe(201);
    expect(longest.status).toBe(201);
    expect(shortest.body.user.hasPassword).toBe(true);
    expectInvalidField(
      await client.post('/auth/signup', { mobile: freshMobile(), password: '1234567' }),
      'password',
    );
    expectInvalidField(
      await client.post('/auth/signup', { mobile: freshMobile(), password: 'p'.repeat(129) }),
      'password',
    );
  });
});

describe('POST /auth/send-otp and /auth/forgot-password', () => {
  it('answers 200 OtpIssued with a 6-digit code valid for 5 minutes', async () => {
    const { mobile } = await registered();

    const before = Date.now();
    const response = await client.post('/auth/send-otp', { mobile: mobile.replace(/(\d{4})$/, ' $1') });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      mobile,
      otp: expect.stringMatching(/^\d{6}$/),
      expiresAt: anIsoTime,
      expiresIn: 300,
    });
    const expiresAt = Date.parse(response.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 299_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
  });

  it('answers forgot-password with OtpIssued too', async () => {
    const { mobile } = await registered({ password: 'old password' });

    const response = await client.post('/auth/forgot-password', { mobile });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      mobile,
      otp: expect.stringMatching(/^\d{6}$/),
      expiresAt: anIsoTime,
      expiresIn: 300,
    });
  });

  it('answers 404 USER_NOT_FOUND for an unregistered mobile, 400 for a bad one', async () => {
    expectProblem(await client.post('/auth/send-otp', { mobile: freshMobile() }), 404, 'USER_NOT_FOUND');
    expectProblem(
      await client.post('/auth/forgot-password', { mobile: freshMobile() }),
      404,
      'USER_NOT_FOUND',
    );
    expectInvalidField(await client.post('/auth/send-otp', { mobile: '12' }), 'mobile');
    expectInvalidField(await client.post('/auth/forgot-password', {}), 'mobile');
  });

  it('answers the 6th code in an hour with 429 TOO_MANY_REQUESTS and Retry-After', async () => {
    const { mobile } = await registered();
    for (let sent = 0; sent < 5; sent++)
      expect((await client.post('/auth/send-otp', { mobile })).status).toBe(200);

    const sixth = await client.post('/auth/send-otp', { mobile });

    expectProblem(sixth, 429, 'TOO_MANY_REQUESTS');
    const retryAfter = Number(sixth.headers.get('Retry-After'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });

  it('counts send-otp and forgot-password against one budget', async () => {
    const { mobile } = await registered();
    for (let sent = 0; sent < 3; sent++) await sendOtp(mobile);
    for (let sent = 0; sent < 2; sent++) await sendOtp(mobile, '/auth/forgot-password');

    const reset = await client.post('/auth/forgot-password', { mobile });
    const login = await client.post('/auth/send-otp', { mobile });

    expectProblem(reset, 429, 'TOO_MANY_REQUESTS');
    expect(reset.headers.get('Retry-After')).toMatch(/^\d+$/);
    expectProblem(login, 429, 'TOO_MANY_REQUESTS');
  });

  it('leaves the budget of other mobiles alone', async () => {
    const busy = await registered();
    const other = await registered();
    for (let sent = 0; sent < 6; sent++) await client.post('/auth/send-otp', { mobile: busy.mobile });

    expect((await client.post('/auth/send-otp', { mobile: other.mobile })).status).toBe(200);
  });

  it('leaves the code out of the body when OTP_DELIVERY=log', async () => {
    const logApp = await startTestApp({ env: { OTP_DELIVERY: 'log' } });
    try {
      const mobile = freshMobile();
      await logApp.client.post('/auth/signup', { mobile });

      const login = await logApp.client.post('/auth/send-otp', { mobile });
      const reset = await logApp.client.post('/auth/forgot-password', { mobile });

      for (const response of [login, reset]) {
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ mobile, expiresAt: anIsoTime, expiresIn: 300 });
      }
    } finally {
      await logApp.close();
    }
  });
});

describe('POST /auth/verify-otp', () => {
  it('exchanges the code for a Bearer Session whose token works', async () => {
    const { mobile, user } = await registered();
    const otp = await sendOtp(mobile);

    const response = await verify(mobile, otp);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 3600, user });
    expect((await client.get('/user/me', { token: response.body.token })).status).toBe(200);
  });

  it('answers a wrong code with 401 INVALID_OTP', async () => {
    const { mobile } = await registered();
    const otp = await sendOtp(mobile);

    expectProblem(await verify(mobile, otherCode(otp)), 401, 'INVALID_OTP');
  });

  it('answers 401 INVALID_OTP when no code was sent, even for an unknown mobile', async () => {
    const { mobile } = await registered();

    expectProblem(await verify(mobile, '123456'), 401, 'INVALID_OTP');
    expectProblem(await verify(freshMobile(), '123456'), 401, 'INVALID_OTP');
  });

  it('answers 400 for a code that is not 6 digits', async () => {
    const { mobile } = await registered();

    expectInvalidField(await verify(mobile, '12345'), 'otp');
    expectInvalidField(await verify(mobile, 'abcdef'), 'otp');
    expectInvalidField(await client.post('/auth/verify-otp', { mobile }), 'otp');
  });

  it('burns the code on the 5th wrong guess: 429 TOO_MANY_ATTEMPTS, even for the right code', async () => {
    const { mobile } = await registered();
    const otp = await sendOtp(mobile);
    const wrong = otherCode(otp);
    for (let guess = 1; guess <= 4; guess++) expectProblem(await verify(mobile, wrong), 401, 'INVALID_OTP');

    expectProblem(await verify(mobile, wrong), 429, 'TOO_MANY_ATTEMPTS');
    expectProblem(await verify(mobile, otp), 429, 'TOO_MANY_ATTEMPTS');
    expectProblem(await verify(mobile, wrong), 429, 'TOO_MANY_ATTEMPTS');
  });

  it('starts over with a new code after the old one burned', async () => {
    const { mobile } = await registered();
    const burned = await sendOtp(mobile);
    for (let guess = 1; guess <= 5; guess++) await verify(mobile, otherCode(burned));

    const fresh = await sendOtp(mobile);

    expectProblem(await verify(mobile, otherCode(fresh)), 401, 'INVALID_OTP');
    expect((await verify(mobile, fresh)).status).toBe(200);
  });

  it('lets at most 4 of many parallel wrong guesses answer 401; the rest get 429', async () => {
    const { mobile } = await registered();
    const otp = await sendOtp(mobile);
    const wrong = otherCode(otp);

    const responses = await Promise.all(Array.from({ length: 12 }, () => verify(mobile, wrong)));

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(8);
    expectProblem(await verify(mobile, otp), 429, 'TOO_MANY_ATTEMPTS');
  });

  it('accepts a code once: the same code again answers 401', async () => {
    const { mobile } = await registered();
    const otp = await sendOtp(mobile);

    expect((await verify(mobile, otp)).status).toBe(200);
    expectProblem(await verify(mobile, otp), 401, 'INVALID_OTP');
  });

  it('lets a new code replace the unused one of the same purpose', async () => {
    const { mobile } = await registered();
    let first = await sendOtp(mobile);
    let second = await sendOtp(mobile);
    // Two draws of a CSPRNG can coincide (1 in a million); draw again so the test means what it says.
    while (second === first) [first, second] = [second, await sendOtp(mobile)];

    expectProblem(await verify(mobile, first), 401, 'INVALID_OTP');
    expect((await verify(mobile, second)).status).toBe(200);
  });

  it('accepts a code of either purpose, and a reset code does not replace a login code', async () => {
    const { mobile, user } = await registered({ password: 'old password' });
    const login = await sendOtp(mobile);
    const reset = await sendOtp(mobile, '/auth/forgot-password');

    const withLogin = await verify(mobile, login);
    const withReset = await verify(mobile, reset);

    expect(withLogin.status).toBe(200);
    expect(withReset.status).toBe(200);
    expect(withReset.body).toMatchObject({ tokenType: 'Bearer', user: { id: user.id } });
  });
});

describe('OTP expiry (fixed clock)', () => {
  let clock: FixedClock;
  let timed: TestApp;
  beforeAll(async () => {
    clock = new FixedClock('2026-11-23T10:00:00.000Z');
    timed = await startTestApp({ overrides: [replace(TOKENS.Clock, clock)] });
  });
  afterAll(() => timed.close());

  async function codeFor(mobile: string) {
    await timed.client.post('/auth/signup', { mobile });
    return (await timed.client.post('/auth/send-otp', { mobile })).body;
  }

  it('dates the code by the clock', async () => {
    const issued = await codeFor(freshMobile());

    expect(issued).toMatchObject({ expiresAt: '2026-11-23T10:05:00.000Z', expiresIn: 300 });
  });

  it('accepts a code just before 300 s', async () => {
    const mobile = freshMobile();
    const { otp } = await codeFor(mobile);

    clock.advance(299_000);

    expect((await verify(mobile, otp, timed.client)).status).toBe(200);
  });

  it('answers 401 OTP_EXPIRED after 300 s', async () => {
    const mobile = freshMobile();
    const { otp } = await codeFor(mobile);

    clock.advance(300_001);

    expectProblem(await verify(mobile, otp, timed.client), 401, 'OTP_EXPIRED');
  });

  it('reports usage for the clock’s UTC day in GET /user/me', async () => {
    clock.set('2026-11-23T18:30:00.000Z');
    const { token, user } = await signedInUser(timed.client);

    const me = await timed.client.get('/user/me', { token });

    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      user,
      usage: { used: 0, limit: 5, remaining: 5, resetsAt: '2026-11-24T00:00:00.000Z' },
    });
  });
});

describe('POST /auth/login', () => {
  it('answers 200 Session for the right password, with the mobile in any typed form', async () => {
    const { mobile, user } = await registered({ password: 'correct horse' });

    const response = await client.post('/auth/login', {
      mobile: `${mobile.slice(0, 3)} ${mobile.slice(3, 8)}-${mobile.slice(8)}`,
      password: 'correct horse',
    });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 3600, user });
    expect((await client.get('/user/me', { token: response.body.token })).status).toBe(200);
  });

  it('answers 401 INVALID_CREDENTIALS alike for an unknown mobile, a user without password and a wrong password', async () => {
    const withPassword = await registered({ password: 'correct horse' });
    const withoutPassword = await registered();

    const responses = [
      await client.post('/auth/login', { mobile: freshMobile(), password: 'correct horse' }),
      await client.post('/auth/login', { mobile: withoutPassword.mobile, password: 'correct horse' }),
      await client.post('/auth/login', { mobile: withPassword.mobile, password: 'wrong horse' }),
    ];

    const bodies = responses.map((response) => expectProblem(response, 401, 'INVALID_CREDENTIALS'));
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
  });

  it('answers 400 for a missing password or a bad mobile', async () => {
    expectInvalidField(await client.post('/auth/login', { mobile: freshMobile() }), 'password');
    expectInvalidField(await client.post('/auth/login', { mobile: 'nope', password: 'whatever1' }), 'mobile');
  });

  it('answers 429 after 10 failures in 15 minutes, even for the right password', async () => {
    const { mobile } = await registered({ password: 'correct horse' });
    for (let failure = 1; failure <= 10; failure++) {
      expectProblem(
        await client.post('/auth/login', { mobile, password: `wrong ${failure}` }),
        401,
        'INVALID_CREDENTIALS',
      );
    }

    const eleventh = await client.post('/auth/login', { mobile, password: 'correct horse' });

    expectProblem(eleventh, 429, 'TOO_MANY_REQUESTS');
    expect(Number(eleventh.headers.get('Retry-After'))).toBeGreaterThan(0);
  });

  it('does not count successful logins as failures', async () => {
    const { mobile } = await registered({ password: 'correct horse' });
    for (let round = 0; round < 11; round++) {
      expect((await client.post('/auth/login', { mobile, password: 'correct horse' })).status).toBe(200);
    }
  });
});

describe('POST /auth/change-password', () => {
  it('sets a first password without currentPassword and returns a fresh token; older tokens stop working', async () => {
    const { mobile, token } = await signedInUser(client);

    const changed = await client.post('/auth/change-password', { newPassword: 'first password' }, { token });

    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600, user: { hasPassword: true } });
    expect(changed.body.token).not.toBe(token);
    expectUnauthorized(await client.get('/user/me', { token }));
    expect((await client.get('/user/me', { token: changed.body.token })).body.user.hasPassword).toBe(true);
    expect((await client.post('/auth/login', { mobile, password: 'first password' })).status).toBe(200);
  });

  it('requires the right currentPassword once a password is set: 403 INVALID_CURRENT_PASSWORD', async () => {
    const { mobile } = await registered({ password: 'first password' });
    const { token } = (await client.post('/auth/login', { mobile, password: 'first password' })).body;

    const missing = await client.post('/auth/change-password', { newPassword: 'second password' }, { token });
    const wrong = await client.post(
      '/auth/change-password',
      { newPassword: 'second password', currentPassword: 'not the password' },
      { token },
    );

    expectProblem(missing, 403, 'INVALID_CURRENT_PASSWORD');
    expectProblem(wrong, 403, 'INVALID_CURRENT_PASSWORD');
    expect((await client.post('/auth/login', { mobile, password: 'first password' })).status).toBe(200);
    const right = await client.post(
      '/auth/change-password',
      { newPassword: 'second password', currentPassword: 'first password' },
      { token },
    );
    expect(right.status).toBe(200);
    await expectPasswordChanged(mobile, 'first password', 'second password');
  });

  it('needs currentPassword after a password was just set with the returned token', async () => {
    const { token } = await signedInUser(client);
    const first = await client.post('/auth/change-password', { newPassword: 'first password' }, { token });

    const again = await client.post(
      '/auth/change-password',
      { newPassword: 'second password' },
      { token: first.body.token },
    );

    expectProblem(again, 403, 'INVALID_CURRENT_PASSWORD');
  });

  it('resets a forgotten password: forgot-password → verify-otp → change-password with only newPassword', async () => {
    const { mobile } = await registered({ password: 'forgotten one' });
    const otp = await sendOtp(mobile, '/auth/forgot-password');
    const session = await verify(mobile, otp);

    const changed = await client.post(
      '/auth/change-password',
      { newPassword: 'remembered one' },
      { token: session.body.token },
    );

    expect(changed.status).toBe(200);
    expectUnauthorized(await client.get('/user/me', { token: session.body.token }));
    expect((await client.get('/user/me', { token: changed.body.token })).status).toBe(200);
    await expectPasswordChanged(mobile, 'forgotten one', 'remembered one');
  });

  it('answers 400 for a new password outside 8..128 characters, 401 without a token', async () => {
    const { token } = await signedInUser(client);

    expectInvalidField(
      await client.post('/auth/change-password', { newPassword: 'short' }, { token }),
      'newPassword',
    );
    expectInvalidField(
      await client.post('/auth/change-password', { newPassword: 'p'.repeat(129) }, { token }),
      'newPassword',
    );
    expectInvalidField(await client.post('/auth/change-password', {}, { token }), 'newPassword');
    expectUnauthorized(await client.post('/auth/change-password', { newPassword: 'long enough' }));
  });
});

describe('the 10-minute window of a one-time-code session (fixed clock)', () => {
  // Tokens carry the real issue time; the use case compares it with the clock, so the clock starts at the real now.
  let clock: FixedClock;
  let timed: TestApp;
  beforeAll(async () => {
    clock = new FixedClock(new Date());
    timed = await startTestApp({ overrides: [replace(TOKENS.Clock, clock)] });
  });
  afterAll(() => timed.close());

  async function otpSessionOfUserWithPassword() {
    const mobile = freshMobile();
    await timed.client.post('/auth/signup', { mobile, password: 'old password' });
    const { otp } = (await timed.client.post('/auth/forgot-password', { mobile })).body;
    return { mobile, token: (await verify(mobile, otp, timed.client)).body.token as string };
  }

  it('lets a 9-minute-old session set a new password without the current one', async () => {
    const { token } = await otpSessionOfUserWithPassword();

    clock.advance(9 * 60_000);

    expect(
      (await timed.client.post('/auth/change-password', { newPassword: 'new password' }, { token })).status,
    ).toBe(200);
  });

  it('makes a session older than 10 minutes give currentPassword', async () => {
    const { token } = await otpSessionOfUserWithPassword();

    clock.advance(10 * 60_000 + 5_000);

    const without = await timed.client.post(
      '/auth/change-password',
      { newPassword: 'new password' },
      { token },
    );
    const withCurrent = await timed.client.post(
      '/auth/change-password',
      { newPassword: 'new password', currentPassword: 'old password' },
      { token },
    );
    expectProblem(without, 403, 'INVALID_CURRENT_PASSWORD');
    expect(withCurrent.status).toBe(200);
  });
});

describe('GET /user/me', () => {
  it('answers the user and today’s usage', async () => {
    const { token, user } = await signedInUser(client);

    const response = await client.get('/user/me', { token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      user: { ...user, hasPassword: false, tier: 'basic' },
      usage: { used: 0, limit: 5, remaining: 5, resetsAt: anIsoTime },
    });
    expect([nextUtcMidnight(new Date(Date.now() - 5_000)), nextUtcMidnight(new Date())]).toContain(
      response.body.usage.resetsAt,
    );
  });

  it('answers 401 without a token', async () => {
    expectUnauthorized(await client.get('/user/me'));
  });
});
