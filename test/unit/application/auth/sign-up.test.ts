import { describe, expect, it } from 'vitest';
import { SignUp } from '#application/auth/sign-up.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import { MobileTaken } from '#domain/user/user-errors.ts';
import { sequentialId } from '#test/support/ids.ts';
import { aWorld } from '#test/support/world.ts';

describe('SignUp', () => {
  it('registers a Basic user under the normalized mobile, with a hashed password', async () => {
    const world = aWorld();
    const { user, tier } = await new SignUp(world).execute({
      mobile: '+91 98765-43210',
      name: ' Asha ',
      password: 'correct horse',
    });
    expect(tier).toBe('basic');
    expect(user).toMatchObject({
      id: sequentialId(1),
      mobile: '+919876543210',
      name: 'Asha',
      tokenVersion: 0,
    });
    expect(user.createdAt).toEqual(world.clock.now());
    const stored = await world.users.findByMobile('+919876543210' as MobileNumber);
    expect(stored?.passwordHash).not.toBe('correct horse');
    expect(await world.hasher.verify(stored!.passwordHash!, 'correct horse')).toBe(true);
  });

  it('registers a user without a password', async () => {
    const world = aWorld();
    const { user } = await new SignUp(world).execute({ mobile: '+919876543210' });
    expect(user).toMatchObject({ name: null, passwordHash: null, hasPassword: false });
  });

  it('refuses a mobile that is taken, however it is written', async () => {
    const world = aWorld();
    await new SignUp(world).execute({ mobile: '+919876543210' });
    await expect(new SignUp(world).execute({ mobile: '+91 (98765) 43210' })).rejects.toBeInstanceOf(
      MobileTaken,
    );
  });

  it('refuses a bad mobile or a short password and stores nothing', async () => {
    const world = aWorld();
    await expect(new SignUp(world).execute({ mobile: '98765' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'mobile' }],
    });
    await expect(
      new SignUp(world).execute({ mobile: '+919876543210', password: 'short' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'password' }],
    });
    expect(await world.users.findByMobile('+919876543210' as MobileNumber)).toBeNull();
  });
});
