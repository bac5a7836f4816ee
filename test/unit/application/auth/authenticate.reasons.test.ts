import { describe, expect, it } from 'vitest';
import { Authenticate } from '#application/auth/authenticate.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

/** A client tells its user why they must sign in again: the 401's detail says which of these it was. */
describe('Authenticate refusal reasons', () => {
  it('says the token is invalid or expired', async () => {
    const world = aWorld();
    await expect(new Authenticate(world).execute('not a token')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/invalid or expired/),
    });
  });

  it('says the account no longer exists', async () => {
    const world = aWorld();
    const { token } = world.tokens.issue({ userId: 'deleted-user', tokenVersion: 0, method: 'otp' });
    await expect(new Authenticate(world).execute(token)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/no longer exists/),
    });
  });

  it('says the token was revoked by a password change', async () => {
    const world = aWorld();
    const user = await givenUser(world, { tokenVersion: 1 });
    const { token } = world.tokens.issue({ userId: user.id, tokenVersion: 0, method: 'pwd' });
    await expect(new Authenticate(world).execute(token)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/revoked/),
    });
  });
});
