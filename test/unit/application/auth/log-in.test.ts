import { describe, expect, it } from 'vitest';
import { LogIn } from '#application/auth/log-in.ts';
import { TooManyRequests } from '#domain/shared/domain-error.ts';
import { InvalidCredentials } from '#domain/user/user-errors.ts';
import { aMobile } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

function logIn(world: World) {
  return new LogIn({ ...world, decoyHash: world.hasher.hash('decoy password') });
}

async function setUp() {
  const world = aWorld();
  const user = await givenUser(world, { passwordHash: await world.hasher.hash('correct horse') });
  return {
    world,
    user,
    attempt: (password: string) => logIn(world).execute({ mobile: user.mobile, password }),
  };
}

describe('LogIn', () => {
  it('opens a session marked as signed in with a password', async () => {
    const { world, user, attempt } = await setUp();
    const session = await attempt('correct horse');
    expect(session).toMatchObject({ user: { id: user.id }, tier: 'basic' });
    expect(world.tokens.verify(session.token)).toMatchObject({ userId: user.id, method: 'pwd' });
  });

  it('answers alike for an unknown mobile, a user without a password and a wrong password', async () => {
    const { world, attempt } = await setUp();
    const passwordless = await givenUser(world, { passwordHash: null });
    const failures = await Promise.all([
      attempt('wrong horse').catch((error: unknown) => error),
      logIn(world)
        .execute({ mobile: passwordless.mobile, password: 'anything at all' })
        .catch((error: unknown) => error),
      logIn(world)
        .execute({ mobile: aMobile(), password: 'correct horse' })
        .catch((error: unknown) => error),
    ]);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(InvalidCredentials);
      expect((failure as Error).message).toBe(new InvalidCredentials().message);
    }
  });

  it('locks the mobile out after 10 failures, even for the right password', async () => {
    const { attempt } = await setUp();
    for (let i = 0; i < 10; i++)
      await expect(attempt('wrong horse')).rejects.toBeInstanceOf(InvalidCredentials);
    const locked = await attempt('correct horse').catch((error: unknown) => error);
    expect(locked).toBeInstanceOf(TooManyRequests);
    expect((locked as TooManyRequests).retryAfterSeconds).toBeGreaterThan(0);
    expect((locked as TooManyRequests).retryAfterSeconds).toBeLessThanOrEqual(900);
  });

  it('does not count a successful login as a failure', async () => {
    const { attempt } = await setUp();
    for (let i = 0; i < 9; i++) await attempt('wrong horse').catch(() => undefined);
    await attempt('correct horse');
    await expect(attempt('wrong horse')).rejects.toBeInstanceOf(InvalidCredentials);
    await expect(attempt('wrong horse')).rejects.toBeInstanceOf(TooManyRequests);
  });

  it('refuses more than 10 parallel guesses', async () => {
    const { attempt } = await setUp();
    const results = await Promise.allSettled(Array.from({ length: 15 }, () => attempt('wrong horse')));
    const reasons = results.map((result) => (result.status === 'rejected' ? result.reason : null));
    expect(reasons.filter((reason) => reason instanceof InvalidCredentials)).toHaveLength(10);
    expect(reasons.filter((reason) => reason instanceof TooManyRequests)).toHaveLength(5);
  });
});
