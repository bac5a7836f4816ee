import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvent } from '#application/ports/payment-gateway.ts';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import { QuotaExceeded } from '#domain/quota/daily-quota.ts';
import { aMobile } from '#test/support/builders.ts';
import { FixedClock } from '#test/support/clock.ts';
import { aDatabaseProcess, type DatabaseProcess } from '#test/support/database-process.ts';

/** Fails instead of hanging when the one connection is deadlocked. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  const deadlock = sleep(ms).then(() => {
    throw new Error(`still waiting after ${ms} ms: the single connection is deadlocked`);
  });
  return Promise.race([work, deadlock]);
}

/** PGlite has one connection: a transaction must never wait for a query that needs that connection too. */
describe('the embedded database (one connection)', () => {
  const clock = new FixedClock();
  let dataDir: string;
  let service: DatabaseProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pglite-one-connection-'));
    service = await aDatabaseProcess({ url: undefined, poolMax: 1, dataDir, migrateOnStart: true }, clock);
  });

  afterAll(async () => {
    await service?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs a repository call made while applying an event inside that transaction', async () => {
    const { user } = await service.signUp({ mobile: aMobile() });
    const failure = new Error('apply failed');
    const applying = service.repositories.subscriptions.applyEventOnce(
      `evt_${crypto.randomUUID()}`,
      async () => {
        await service.repositories.users.updatePassword(user.id, 'hash-rolled-back');
        throw failure;
      },
    );
    await expect(within(10_000, applying)).rejects.toBe(failure);
    expect(await service.repositories.users.findById(user.id)).toMatchObject({
      passwordHash: null,
      tokenVersion: 0,
    });
  });

  it('finishes parallel event deliveries, sends and reads without deadlock, applying and counting exactly', async () => {
    const { user: payer } = await service.signUp({ mobile: aMobile() });
    const { user: sender } = await service.signUp({ mobile: aMobile() });
    const chatroom = Chatroom.open({ id: crypto.randomUUID(), ownerId: sender.id, now: clock.now() });
    await service.repositories.chatrooms.create(chatroom);
    // ApplyPaymentEvent reads the user through the user repository inside the event's transaction.
    const event: PaymentEvent = {
      id: `evt_${crypto.randomUUID()}`,
      created: 1_790_000_000,
      kind: 'checkout_completed',
      userId: payer.id,
      customerId: 'cus_embedded',
      subscriptionId: 'sub_embedded',
    };
    const deliveries = Array.from({ length: 10 }, () => service.applyPaymentEvent(event));
    const sends = Array.from({ length: 10 }, (_, i) =>
      service
        .sendMessage({
          userId: sender.id,
          chatroomId: chatroom.id,
          content: `prompt ${i}`,
          mode: 'async',
        })
        .catch((error: unknown) => error),
    );
    const reads = Array.from({ length: 10 }, () => service.repositories.chatrooms.listOwned(sender.id));

    const [outcomes, sent] = await within(
      15_000,
      Promise.all([Promise.all(deliveries), Promise.all(sends), ...reads]),
    );

    expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(1);
    expect(sent.filter((result) => result instanceof QuotaExceeded)).toHaveLength(5);
    expect((await service.repositories.subscriptions.findByUserId(payer.id))?.tier).toBe('pro');
  });
});
