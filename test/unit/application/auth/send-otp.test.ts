import { describe, expect, it } from 'vitest';
import { ForgotPassword } from '#application/auth/forgot-password.ts';
import { SendOtp } from '#application/auth/send-otp.ts';
import { SmsUnavailable } from '#application/ports/otp-sender.ts';
import { TooManyRequests } from '#domain/shared/domain-error.ts';
import { parseMobileNumber } from '#domain/user/mobile-number.ts';
import { UserNotFound } from '#domain/user/user-errors.ts';
import { RecordingOtpSender } from '#test/support/auth-doubles.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

/** A world whose codes go out by SMS (OTP_DELIVERY=twilio or log), not in the response. */
function aWorldWithSms() {
  return { ...aWorld(), sender: new RecordingOtpSender({ codeInResponse: false }) };
}

describe('SendOtp and ForgotPassword', () => {
  it('issues a code valid for the configured TTL and stores only its hash', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const issued = await new SendOtp(world).execute({ mobile: user.mobile });
    expect(issued.otp).toMatch(/^\d{6}$/);
    expect(issued).toMatchObject({ mobile: user.mobile, expiresIn: 300 });
    expect(issued.expiresAt).toEqual(new Date(world.clock.now().getTime() + 300_000));
    const [stored] = await world.otps.findUnused(user.mobile);
    expect(stored).toMatchObject({ purpose: 'login', attempts: 0 });
    expect(stored?.codeHash).toBe(world.codes.hash(issued.otp!));
    expect(stored?.codeHash).not.toBe(issued.otp);
    expect(world.sender.sent).toEqual([{ mobile: user.mobile, code: issued.otp, purpose: 'login' }]);
  });

  it('issues a password-reset code for forgot-password', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    await new ForgotPassword(world).execute({ mobile: user.mobile });
    expect((await world.otps.findUnused(user.mobile)).map((otp) => otp.purpose)).toEqual(['password_reset']);
  });

  it('replaces the previous unused code of the same purpose only', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    await new SendOtp(world).execute({ mobile: user.mobile });
    world.clock.advance(1_000);
    await new ForgotPassword(world).execute({ mobile: user.mobile });
    world.clock.advance(1_000);
    const latest = await new SendOtp(world).execute({ mobile: user.mobile });
    const unused = await world.otps.findUnused(user.mobile);
    expect(unused.map((otp) => otp.purpose)).toEqual(['login', 'password_reset']);
    expect(world.codes.matches(latest.otp!, unused[0]!.codeHash)).toBe(true);
  });

  it('refuses an unknown mobile when the code goes back in the response (the mocked SMS)', async () => {
    await expect(new SendOtp(aWorld()).execute({ mobile: '+919876543210' })).rejects.toBeInstanceOf(
      UserNotFound,
    );
  });

  it('shares five sends an hour between login and reset codes; the sixth is refused with a retry time', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const other = await givenUser(world);
    for (let i = 0; i < 3; i++) await new SendOtp(world).execute({ mobile: user.mobile });
    for (let i = 0; i < 2; i++) await new ForgotPassword(world).execute({ mobile: user.mobile });

    const refused = new SendOtp(world).execute({ mobile: user.mobile });
    await expect(refused).rejects.toBeInstanceOf(TooManyRequests);
    const error = (await refused.catch((caught: unknown) => caught)) as TooManyRequests;
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(3600);
    await expect(new ForgotPassword(world).execute({ mobile: user.mobile })).rejects.toBeInstanceOf(
      TooManyRequests,
    );
    expect(world.sender.sent.filter((sent) => sent.mobile === user.mobile)).toHaveLength(5);

    await expect(new SendOtp(world).execute({ mobile: other.mobile })).resolves.toMatchObject({
      mobile: other.mobile,
    });
  });

  it.each([
    ['SendOtp', SendOtp],
    ['ForgotPassword', ForgotPassword],
  ])(
    '%s by SMS answers an unknown mobile like a known one, without sending or storing a code',
    async (_, UseCase) => {
      const world = aWorldWithSms();
      const known = await givenUser(world);
      const unknown = '+919876500001';

      const toKnown = await new UseCase(world).execute({ mobile: known.mobile });
      const toUnknown = await new UseCase(world).execute({ mobile: unknown });

      expect(toKnown).toEqual({
        mobile: known.mobile,
        otp: null,
        expiresAt: expect.any(Date),
        expiresIn: 300,
      });
      expect(toUnknown).toEqual({ ...toKnown, mobile: unknown });
      expect(world.sender.sent.map((sent) => sent.mobile)).toEqual([known.mobile]);
      expect(await world.otps.findUnused(parseMobileNumber(unknown))).toEqual([]);
    },
  );

  it('counts sends to an unknown mobile against its hourly budget too', async () => {
    const world = aWorldWithSms();
    const unknown = '+919876500002';
    for (let i = 0; i < 5; i++) await new SendOtp(world).execute({ mobile: unknown });

    await expect(new ForgotPassword(world).execute({ mobile: unknown })).rejects.toBeInstanceOf(
      TooManyRequests,
    );
  });

  it('stores no code when the delivery fails, so the code that may have gone out never signs in', async () => {
    const world = aWorldWithSms();
    const user = await givenUser(world);
    world.sender.failure = new SmsUnavailable();

    await expect(new SendOtp(world).execute({ mobile: user.mobile })).rejects.toBeInstanceOf(SmsUnavailable);

    expect(world.sender.sent).toHaveLength(1);
    expect(await world.otps.findUnused(user.mobile)).toEqual([]);
  });
});
