import { describe, expect, it } from 'vitest';
import { ChangePassword } from '#application/auth/change-password.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

describe('ChangePassword and the failed-login budget', () => {
  it('gives back the attempt a right current password used, so changes never lock the account', async () => {
    const world = aWorld();
    let user = await givenUser(world, { passwordHash: await world.hasher.hash('password 0') });
    const { token } = world.tokens.issue({ userId: user.id, tokenVersion: 0, method: 'pwd' });
    const claims = world.tokens.verify(token)!;

    for (let i = 1; i <= 12; i++) {
      const session = await new ChangePassword(world).execute({
        user,
        claims,
        currentPassword: `password ${i - 1}`,
        newPassword: `password ${i}`,
      });
      user = session.user;
    }

    expect(await world.hasher.verify(user.passwordHash!, 'password 12')).toBe(true);
  });

  it('says why it refuses a guess at the current password once the budget is used up', async () => {
    const world = aWorld();
    const user = await givenUser(world, { passwordHash: await world.hasher.hash('the password') });
    const { token } = world.tokens.issue({ userId: user.id, tokenVersion: 0, method: 'pwd' });
    const change = (currentPassword: string) =>
      new ChangePassword(world).execute({
        user,
        claims: world.tokens.verify(token)!,
        currentPassword,
        newPassword: 'another password',
      });

    for (let i = 0; i < 10; i++) await change('a wrong guess').catch(() => undefined);

    await expect(change('the password')).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(/too many wrong passwords/i),
    });
  });
});
