import { describe, expect, it } from 'vitest';
import { Authenticate } from '#application/auth/authenticate.ts';
import { ChangePassword } from '#application/auth/change-password.ts';
import { LogIn } from '#application/auth/log-in.ts';
import type { AuthMethod } from '#application/ports/token-service.ts';
import { Unauthorized } from '#domain/shared/domain-error.ts';
import { InvalidCurrentPassword } from '#domain/user/user-errors.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

async function signedIn(world: World, passwordHash: string | null, method: AuthMethod) {
  const user = await givenUser(world, { passwordHash });
  const { token } = world.tokens.issue({ userId: user.id, tokenVersion: 0, method });
  return { user, token, claims: world.tokens.verify(token)! };
}

function logIn(world: World, mobile: string, password: string) {
  return new LogIn({ ...world, decoyHash: world.hasher.hash('decoy') }).execute({ mobile, password });
}

function change(
  world: World,
  principal: Awaited<ReturnType<typeof signedIn>>,
  newPassword: string,
  currentPassword?: string,
) {
  return new ChangePassword(world).execute({ ...principal, newPassword, currentPassword });
}

describe('ChangePassword', () => {
  it('sets a first password without asking for a current one', async () => {
    const world = aWorld();
    const principal = await signedIn(world, null, 'otp');
    world.clock.advance(60 * 60_000);
    const session = await change(world, principal, 'brand new pass');
    expect(session.user.hasPassword).toBe(true);
    const signedInAgain = await logIn(world, principal.user.mobile, 'brand new pass');
    expect(signedInAgain.user.id).toBe(principal.user.id);
  });

  it('requires the current password once one is set', async () => {
    const world = aWorld();
    const principal = await signedIn(world, await world.hasher.hash('old password'), 'pwd');
    await expect(change(world, principal, 'brand new pass')).rejects.toBeInstanceOf(InvalidCurrentPassword);
    await expect(change(world, principal, 'brand new pass', 'not the password')).rejects.toBeInstanceOf(
      InvalidCurrentPassword,
    );
    await change(world, principal, 'brand new pass', 'old password');
    await expect(logIn(world, principal.user.mobile, 'old password')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect((await logIn(world, principal.user.mobile, 'brand new pass')).user.id).toBe(principal.user.id);
  });

  it('counts wrong current passwords as failed logins, so a stolen token cannot guess without limit', async () => {
    const world = aWorld();
    const principal = await signedIn(world, await world.hasher.hash('old password'), 'pwd');
    for (let guess = 0; guess < 10; guess++) {
      await expect(change(world, principal, 'brand new pass', `guess ${guess}`)).rejects.toBeInstanceOf(
        InvalidCurrentPassword,
      );
    }
    await expect(change(world, principal, 'brand new pass', 'old password')).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    });
    await expect(logIn(world, principal.user.mobile, 'old password')).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    });
  });

  it('lets a session opened with a code in the last 10 minutes skip the current password', async () => {
    const world = aWorld();
    const principal = await signedIn(world, await world.hasher.hash('forgotten pass'), 'otp');
    world.clock.advance(10 * 60_000 - 1);
    await change(world, principal, 'brand new pass');
    expect((await logIn(world, principal.user.mobile, 'brand new pass')).user.id).toBe(principal.user.id);
  });

  it('asks an older code session for the current password', async () => {
    const world = aWorld();
    const principal = await signedIn(world, await world.hasher.hash('forgotten pass'), 'otp');
    world.clock.advance(10 * 60_000);
    await expect(change(world, principal, 'brand new pass')).rejects.toBeInstanceOf(InvalidCurrentPassword);
  });

  it('revokes the tokens issued before the change and hands out a fresh one', async () => {
    const world = aWorld();
    const principal = await signedIn(world, await world.hasher.hash('old password'), 'pwd');
    const session = await change(world, principal, 'brand new pass', 'old password');
    const authenticate = new Authenticate(world);
    await expect(authenticate.execute(principal.token)).rejects.toBeInstanceOf(Unauthorized);
    await expect(authenticate.execute(session.token)).resolves.toMatchObject({ user: { tokenVersion: 1 } });
  });

  it('refuses a new password that breaks the policy, keeping the old one', async () => {
    const world = aWorld();
    const principal = await signedIn(world, await world.hasher.hash('old password'), 'pwd');
    await expect(change(world, principal, 'short', 'old password')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'newPassword' }],
    });
    expect((await world.users.findById(principal.user.id))?.tokenVersion).toBe(0);
  });
});

describe('Authenticate', () => {
  it('turns a valid token into its user', async () => {
    const world = aWorld();
    const { user, token } = await signedIn(world, null, 'otp');
    await expect(new Authenticate(world).execute(token)).resolves.toMatchObject({ user: { id: user.id } });
  });

  it('refuses a malformed token and the token of a deleted user', async () => {
    const world = aWorld();
    const { user, token } = await signedIn(world, null, 'otp');
    await expect(new Authenticate(world).execute('not-a-token')).rejects.toBeInstanceOf(Unauthorized);
    await world.users.delete(user.id);
    await expect(new Authenticate(world).execute(token)).rejects.toBeInstanceOf(Unauthorized);
  });
});
