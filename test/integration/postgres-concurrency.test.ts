import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvent } from '#application/ports/payment-gateway.ts';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import { QuotaExceeded, quotaDay } from '#domain/quota/daily-quota.ts';
import { MobileTaken } from '#domain/user/user-errors.ts';
import { aMobile } from '#test/support/builders.ts';
import { FixedClock } from '#test/support/clock.ts';
import { aDatabaseProcess, type DatabaseProcess } from '#test/support/database-process.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';

const database = await createTestDatabase();
const clock = new FixedClock();

withServices([database], (database) => {
  /** Two service processes on one PostgreSQL database, each with its own connection pool. */
  describe('two processes on one PostgreSQL database', () => {
    let a: DatabaseProcess;
    let b: DatabaseProcess;

    beforeAll(async () => {
      const config = { url: database.url, poolMax: 5, dataDir: '', migrateOnStart: true };
      a = await aDatabaseProcess(config, clock);
      b = await aDatabaseProcess(config, clock);
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
      await database.drop();
    });

    async function aBasicUserWithChatroom() {
      const { user } = await a.signUp({ mobile: aMobile() });
      const chatroom = Chatroom.open({ id: crypto.randomUUID(), ownerId: user.id, now: clock.now() });
      await a.repositories.chatrooms.create(chatroom);
      return { user, chatroom };
    }

    it('admit exactly 5 of 10 concurrent sends by a Basic user', async () => {
      const { user, chatroom } = await aBasicUserWithChatroom();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? a : b).sendMessage({
            userId: user.id,
            chatroomId: chatroom.id,
            content: `prompt ${i}`,
            mode: 'async',
          }),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
      const refusals = results.filter((result) => result.status === 'rejected');
      expect(refusals.map((refusal) => refusal.reason)).toEqual(Array(5).fill(expect.any(QuotaExceeded)));
      expect(await b.repositories.usage.used(user.id, quotaDay(clock.now()))).toBe(5);
      const stored = await b.repositories.messages.page(chatroom.id, { limit: 100 });
      expect(stored.messages.filter((message) => message.role === 'user')).toHaveLength(5);
    });

    it('let a waiting send see the reply another scope completed', async () => {
      const { user, chatroom } = await aBasicUserWithChatroom();
      const sent = await a.sendMessage({
        userId: user.id,
        chatroomId: chatroom.id,
        content: 'Hello',
        mode: 'wait',
      });
      expect(sent.outcome).toBe('completed');
      expect(sent.reply.status).toBe('completed');
      expect(sent.reply.content).toContain('Hello');
    });

    it('apply one of 10 parallel deliveries of a Stripe event', async () => {
      const { user } = await a.signUp({ mobile: aMobile() });
      const event: PaymentEvent = {
        id: `evt_${crypto.randomUUID()}`,
        created: 1_790_000_000,
        kind: 'checkout_completed',
        userId: user.id,
        customerId: 'cus_parallel',
        subscriptionId: 'sub_parallel',
      };
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).applyPaymentEvent(event)),
      );
      expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(9);
      const subscription = await b.repositories.subscriptions.findByUserId(user.id);
      expect(subscription).toMatchObject({
        status: 'active',
        customerId: 'cus_parallel',
        subscriptionId: 'sub_parallel',
      });
      expect(subscription?.tier).toBe('pro');
    });

    /** A new user with the Stripe ids of one subscription, and its events as ApplyPaymentEvent receives them. */
    async function aPayer() {
      const { user } = await a.signUp({ mobile: aMobile() });
      const customerId = `cus_${crypto.randomUUID()}`;
      const subscriptionId = `sub_${crypto.randomUUID()}`;
      const checkoutCompleted = (created: number): PaymentEvent => ({
        id: `evt_${crypto.randomUUID()}`,
        created,
        kind: 'checkout_completed',
        userId: user.id,
        customerId,
        subscriptionId,
      });
      const subscriptionChanged = (status: 'active' | 'canceled', created: number): PaymentEvent => ({
        id: `evt_${crypto.randomUUID()}`,
        created,
        kind: 'subscription_changed',
        userId: user.id,
        customerId,
        subscriptionId,
        status,
        currentPeriodEnd: new Date(created * 1000),
        cancelAtPeriodEnd: false,
      });
      return { user, checkoutCompleted, subscriptionChanged };
    }

    it('end a subscription canceled when its deletion races an older update, 20 times out of 20', async () => {
      const ends = [];
      for (let round = 0; round < 20; round++) {
        const payer = await aPayer();
        await a.applyPaymentEvent(payer.checkoutCompleted(100));
        const updated = payer.subscriptionChanged('active', 200);
        const deleted = payer.subscriptionChanged('canceled', 300);
        const [first, second] = round % 2 === 0 ? [a, b] : [b, a];
        await Promise.all([first.applyPaymentEvent(updated), second.applyPaymentEvent(deleted)]);
        const subscription = await a.repositories.subscriptions.findByUserId(payer.user.id);
        ends.push({ status: subscription?.status, tier: subscription?.tier });
      }
      expect(ends).toEqual(Array(20).fill({ status: 'canceled', tier: 'basic' }));
    });

    it("end a new user's subscription canceled when its deletion races its checkout, 20 times out of 20", async () => {
      const ends = [];
      for (let round = 0; round < 20; round++) {
        const payer = await aPayer();
        const completed = payer.checkoutCompleted(100);
        const deleted = payer.subscriptionChanged('canceled', 300);
        const [first, second] = round % 2 === 0 ? [a, b] : [b, a];
        await Promise.all([first.applyPaymentEvent(completed), second.applyPaymentEvent(deleted)]);
        const subscription = await a.repositories.subscriptions.findByUserId(payer.user.id);
        ends.push({ status: subscription?.status, tier: subscription?.tier });
      }
      expect(ends).toEqual(Array(20).fill({ status: 'canceled', tier: 'basic' }));
    });

    it('let one of two concurrent sign-ups with one mobile through, and answer MOBILE_TAKEN to the other', async () => {
      const mobile = aMobile();
      const results = await Promise.allSettled([a.signUp({ mobile }), b.signUp({ mobile })]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((result) => result.status === 'rejected')?.reason).toBeInstanceOf(MobileTaken);
      expect(await a.repositories.users.findByMobile(mobile)).not.toBeNull();
    });

    it('run a repository call made while applying an event inside that transaction', async () => {
      const { user } = await a.signUp({ mobile: aMobile() });
      const failure = new Error('apply failed');
      await expect(
        a.repositories.subscriptions.applyEventOnce(`evt_${crypto.randomUUID()}`, async () => {
          await a.repositories.users.updatePassword(user.id, 'hash-rolled-back');
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await b.repositories.users.findById(user.id)).toMatchObject({
        passwordHash: null,
        tokenVersion: 0,
      });
    });
  });
});
