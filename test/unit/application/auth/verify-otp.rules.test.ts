import { describe, expect, it } from 'vitest';
import { ForgotPassword } from '#application/auth/forgot-password.ts';
import { SendOtp } from '#application/auth/send-otp.ts';
import { VerifyOtp } from '#application/auth/verify-otp.ts';
import type { OtpRepository } from '#application/ports/otp-repository.ts';
import { Otp } from '#domain/user/otp.ts';
import { aMobile } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

async function setUp() {
  const world = aWorld();
  const user = await givenUser(world);
  return {
    world,
    user,
    sendLoginCode: async () => (await new SendOtp(world).execute({ mobile: user.mobile })).otp!,
    sendResetCode: async () => (await new ForgotPassword(world).execute({ mobile: user.mobile })).otp!,
    verify: (otp: string, otps: OtpRepository = world.otps) =>
      new VerifyOtp({ ...world, otps }).execute({ mobile: user.mobile, otp }),
  };
}

/** A six-digit code the sequential test codes (100001, …) never issue. */
const NEVER_ISSUED = '999999';

/** The world's codes, with another request acting between this request's read of the code and its consume. */
function withRequestBeforeConsume(
  otps: OtpRepository,
  other: (id: string) => Promise<unknown>,
): OtpRepository {
  return {
    replace: (otp) => otps.replace(otp),
    findUnused: (mobile) => otps.findUnused(mobile),
    recordFailedAttempt: (id) => otps.recordFailedAttempt(id),
    consume: async (id, now) => {
      await other(id);
      return otps.consume(id, now);
    },
  };
}

async function guessWrong(verify: (otp: string) => Promise<unknown>, times: number) {
  for (let i = 0; i < times; i++) await verify(NEVER_ISSUED).catch(() => undefined);
}

describe('VerifyOtp rules', () => {
  it.each([
    ['seven digits', '1234567'],
    ['a letter before six digits', 'a123456'],
    ['a letter after six digits', '123456a'],
    ['six letters', 'abcdef'],
    ['nothing', ''],
  ])('refuses %s as a malformed code, naming the otp field', async (_case, otp) => {
    const { verify, sendLoginCode } = await setUp();
    await sendLoginCode();
    await expect(verify(otp)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'otp', message: 'must be 6 digits' }],
    });
  });

  it('does not count a malformed code as a wrong guess', async () => {
    const { user, verify, sendLoginCode } = await setUp();
    const code = await sendLoginCode();
    for (let i = 0; i < 5; i++) await verify('12345').catch(() => undefined);
    await expect(verify(code)).resolves.toMatchObject({ user: { id: user.id } });
  });

  it('keeps a burned code burned after it expires', async () => {
    const { world, verify, sendLoginCode } = await setUp();
    const code = await sendLoginCode();
    await guessWrong(verify, 5);
    world.clock.advance(300_000);
    await expect(verify(code)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
  });

  it('answers a wrong guess after the code expired as invalid, however many times', async () => {
    const { world, verify, sendLoginCode } = await setUp();
    await sendLoginCode();
    world.clock.advance(300_000);
    for (let i = 0; i < 6; i++)
      await expect(verify(NEVER_ISSUED)).rejects.toMatchObject({ code: 'INVALID_OTP' });
  });

  it('counts a wrong guess against every live code, and is "too many" only once all are burned', async () => {
    const { user, verify, sendLoginCode, sendResetCode } = await setUp();
    await sendLoginCode();
    await guessWrong(verify, 3);
    const resetCode = await sendResetCode();

    await expect(verify(NEVER_ISSUED)).rejects.toMatchObject({ code: 'INVALID_OTP' });
    await expect(verify(NEVER_ISSUED)).rejects.toMatchObject({ code: 'INVALID_OTP' });
    await expect(verify(resetCode)).resolves.toMatchObject({ user: { id: user.id } });
  });

  it('refuses the right code as invalid when a parallel request used it first', async () => {
    const { world, verify, sendLoginCode } = await setUp();
    const code = await sendLoginCode();
    const usedMeanwhile = withRequestBeforeConsume(world.otps, (id) =>
      world.otps.consume(id, world.clock.now()),
    );
    await expect(verify(code, usedMeanwhile)).rejects.toMatchObject({ code: 'INVALID_OTP' });
  });

  it('refuses the right code as burned when a parallel fifth wrong guess landed first', async () => {
    const { world, verify, sendLoginCode, sendResetCode } = await setUp();
    const code = await sendLoginCode();
    await guessWrong(verify, 4);
    await sendResetCode();
    const burnedMeanwhile = withRequestBeforeConsume(world.otps, (id) => world.otps.recordFailedAttempt(id));
    await expect(verify(code, burnedMeanwhile)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
  });

  it('refuses a valid code for a mobile that has no user', async () => {
    const world: World = aWorld();
    const mobile = aMobile();
    await world.otps.replace(
      Otp.issue({
        id: world.ids.next(),
        mobile,
        purpose: 'login',
        codeHash: world.codes.hash('123456'),
        now: world.clock.now(),
        ttlSeconds: 300,
      }),
    );
    await expect(new VerifyOtp(world).execute({ mobile, otp: '123456' })).rejects.toMatchObject({
      code: 'INVALID_OTP',
    });
  });

  it('answers a wrong guess as invalid when a new code replaced the guessed one meanwhile', async () => {
    const { world, verify, sendLoginCode } = await setUp();
    await sendLoginCode();
    const replacedMeanwhile: OtpRepository = {
      replace: (otp) => world.otps.replace(otp),
      findUnused: (mobile) => world.otps.findUnused(mobile),
      consume: (id, now) => world.otps.consume(id, now),
      recordFailedAttempt: async (id) => {
        await sendLoginCode();
        return world.otps.recordFailedAttempt(id);
      },
    };
    await expect(verify(NEVER_ISSUED, replacedMeanwhile)).rejects.toMatchObject({ code: 'INVALID_OTP' });
  });
});
