import { describe, expect, it } from 'vitest';
import { ForgotPassword } from '#application/auth/forgot-password.ts';
import { SendOtp } from '#application/auth/send-otp.ts';
import { VerifyOtp } from '#application/auth/verify-otp.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import { InvalidOtp, OtpExpired, TooManyAttempts } from '#domain/user/user-errors.ts';
import { aSubscription } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

async function setUp() {
  const world = aWorld();
  const user = await givenUser(world);
  const issued = await new SendOtp(world).execute({ mobile: user.mobile });
  return {
    world,
    user,
    code: issued.otp!,
    verify: (otp: string) => new VerifyOtp(world).execute({ mobile: user.mobile, otp }),
  };
}

function wrong(code: string): string {
  return code === '999999' ? '999998' : '999999';
}

function claimsOf(world: World, token: string) {
  return world.tokens.verify(token);
}

describe('VerifyOtp', () => {
  it('opens a session marked as signed in with a code', async () => {
    const { world, user, verify, code } = await setUp();
    const session = await verify(code);
    expect(session).toMatchObject({ user: { id: user.id }, tier: 'basic', expiresIn: 3600 });
    expect(claimsOf(world, session.token)).toMatchObject({ userId: user.id, tokenVersion: 0, method: 'otp' });
  });

  it('accepts a code once', async () => {
    const { verify, code } = await setUp();
    await verify(code);
    await expect(verify(code)).rejects.toBeInstanceOf(InvalidOtp);
  });

  it('accepts a password-reset code too, and the mobile in any typed form', async () => {
    const world = aWorld();
    const user = await givenUser(world, { mobile: '+919876543210' as MobileNumber });
    const issued = await new ForgotPassword(world).execute({ mobile: user.mobile });
    const session = await new VerifyOtp(world).execute({ mobile: '+91 98765 43210', otp: issued.otp! });
    expect(session.user.id).toBe(user.id);
  });

  it('reports the tier of a Pro user', async () => {
    const { world, user, verify, code } = await setUp();
    await world.subscriptions.save(aSubscription({ userId: user.id, status: 'active' }));
    expect((await verify(code)).tier).toBe('pro');
  });

  it('accepts a code in its last millisecond', async () => {
    const { world, verify, code } = await setUp();
    world.clock.advance(299_999);
    await expect(verify(code)).resolves.toBeDefined();
  });

  it('refuses a code once it has expired', async () => {
    const { world, verify, code } = await setUp();
    world.clock.advance(300_000);
    await expect(verify(code)).rejects.toBeInstanceOf(OtpExpired);
  });

  it('burns the code on the fifth wrong guess, after which even the right code is refused', async () => {
    const { verify, code } = await setUp();
    for (let i = 0; i < 4; i++) await expect(verify(wrong(code))).rejects.toBeInstanceOf(InvalidOtp);
    await expect(verify(wrong(code))).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(verify(wrong(code))).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(verify(code)).rejects.toBeInstanceOf(TooManyAttempts);
  });

  it('lets a new code work after the old one burned', async () => {
    const { world, user, verify, code } = await setUp();
    for (let i = 0; i < 5; i++) await verify(wrong(code)).catch(() => undefined);
    world.clock.advance(1_000);
    const fresh = await new SendOtp(world).execute({ mobile: user.mobile });
    await expect(verify(fresh.otp!)).resolves.toMatchObject({ user: { id: user.id } });
  });

  it('refuses a guess when no code was sent, and a code that is not six digits', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    await expect(new VerifyOtp(world).execute({ mobile: user.mobile, otp: '123456' })).rejects.toBeInstanceOf(
      InvalidOtp,
    );
    await expect(new VerifyOtp(world).execute({ mobile: user.mobile, otp: '12345' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
