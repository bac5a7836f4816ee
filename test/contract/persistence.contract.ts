import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SubscriptionStore } from '#application/ports/subscription-repository.ts';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import { Message } from '#domain/chatroom/message.ts';
import { Subscription } from '#domain/subscription/subscription.ts';
import { MAX_OTP_ATTEMPTS, Otp } from '#domain/user/otp.ts';
import { User } from '#domain/user/user.ts';
import { MobileTaken } from '#domain/user/user-errors.ts';
import {
  aBuiltId,
  aChatroom,
  aMobile,
  anExchange,
  anOtp,
  aSubscription,
  aUser,
  BUILT_AT,
} from '#test/support/builders.ts';
import type { PersistenceFixture, Repositories } from './fixtures.ts';

const DAY = '2026-11-23';

function at(seconds: number): Date {
  return new Date(BUILT_AT.getTime() + seconds * 1000);
}

function ids(messages: Message[]): string[] {
  return messages.map((message) => message.id);
}

/** Every repository port and the usage counter, as the use cases rely on them. Read-backs go through reopen(). */
export function persistenceContract(name: string, make: () => Promise<PersistenceFixture>): void {
  describe(`${name}: persistence contract`, () => {
    let fixture: PersistenceFixture;

    beforeEach(async () => {
      fixture = await make();
    });

    afterEach(async () => {
      await fixture.close();
    });

    const reopened = (): Repositories => fixture.reopen();

    async function givenUser(overrides: Parameters<typeof aUser>[0] = {}): Promise<User> {
      const user = aUser(overrides);
      await fixture.users.create(user);
      return user;
    }

    async function givenChatroom(ownerId?: string, createdAt = BUILT_AT): Promise<Chatroom> {
      const chatroom = aChatroom({ ownerId: ownerId ?? (await givenUser()).id, createdAt });
      await fixture.chatrooms.create(chatroom);
      return chatroom;
    }

    /** Stores `count` exchanges one second apart and returns their messages in order. */
    async function givenExchanges(chatroomId: string, count: number, start = 0) {
      const exchanges = [];
      for (let i = 0; i < count; i++) {
        const exchange = anExchange({ chatroomId, content: `prompt ${start + i}`, now: at(start + i) });
        await fixture.messages.addExchange(exchange.prompt, exchange.reply);
        exchanges.push(exchange);
      }
      return exchanges;
    }

    describe('UserRepository', () => {
      it('reads a created user back by id and by mobile', async () => {
        const user = await givenUser({ name: 'Ravi', passwordHash: 'hash-1' });
        const byId = await reopened().users.findById(user.id);
        expect(byId).toBeInstanceOf(User);
        expect(byId).toEqual(user);
        expect(await reopened().users.findByMobile(user.mobile)).toEqual(user);
      });

      it('keeps a user without name or password as nulls', async () => {
        const user = await givenUser({ name: null, passwordHash: null });
        const found = await reopened().users.findById(user.id);
        expect(found?.name).toBeNull();
        expect(found?.hasPassword).toBe(false);
      });

      it('answers null for an unknown id or mobile', async () => {
        await givenUser();
        expect(await reopened().users.findById(aUser().id)).toBeNull();
        expect(await reopened().users.findByMobile(aMobile())).toBeNull();
      });

      it('refuses a second user with the same mobile', async () => {
        const first = await givenUser();
        await expect(fixture.users.create(aUser({ mobile: first.mobile }))).rejects.toBeInstanceOf(
          MobileTaken,
        );
        expect(await reopened().users.findByMobile(first.mobile)).toEqual(first);
      });

      it('lets exactly one of two concurrent sign-ups with one mobile through', async () => {
        const mobile = aMobile();
        const results = await Promise.allSettled([
          fixture.users.create(aUser({ mobile })),
          fixture.users.create(aUser({ mobile })),
        ]);
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((result) => result.status === 'rejected');
        expect(rejected?.reason).toBeInstanceOf(MobileTaken);
      });

      it('stores a new password hash and bumps the token version each time', async () => {
        const user = await givenUser({ passwordHash: null });
        expect(await fixture.users.updatePassword(user.id, 'hash-a')).toBe(1);
        expect(await fixture.users.updatePassword(user.id, 'hash-b')).toBe(2);
        const found = await reopened().users.findById(user.id);
        expect(found?.passwordHash).toBe('hash-b');
        expect(found?.tokenVersion).toBe(2);
      });

      it('deletes a user', async () => {
        const user = await givenUser();
        const other = await givenUser();
        await fixture.users.delete(user.id);
        expect(await reopened().users.findById(user.id)).toBeNull();
        expect(await reopened().users.findByMobile(user.mobile)).toBeNull();
        expect(await reopened().users.findById(other.id)).toEqual(other);
      });
    });

    describe('OtpRepository', () => {
      it('reads a stored code back', async () => {
        const otp = anOtp({ mobile: aMobile() });
        await fixture.otps.replace(otp);
        const [found] = await reopened().otps.findUnused(otp.mobile);
        expect(found).toBeInstanceOf(Otp);
        expect(found).toEqual(otp);
      });

      it('replaces only the unused code of the same purpose, and lists the newest first', async () => {
        const mobile = aMobile();
        const oldLogin = anOtp({ mobile, purpose: 'login', createdAt: at(0) });
        const reset = anOtp({ mobile, purpose: 'password_reset', createdAt: at(1) });
        const newLogin = anOtp({ mobile, purpose: 'login', createdAt: at(2) });
        await fixture.otps.replace(oldLogin);
        await fixture.otps.replace(reset);
        await fixture.otps.replace(newLogin);
        expect((await reopened().otps.findUnused(mobile)).map((otp) => otp.id)).toEqual([
          newLogin.id,
          reset.id,
        ]);
      });

      it('lists only the unused codes of that mobile, expired ones included (the caller decides)', async () => {
        const mobile = aMobile();
        const used = anOtp({ mobile, purpose: 'login', createdAt: at(0) });
        const expired = anOtp({
          mobile,
          purpose: 'password_reset',
          createdAt: at(1),
          expiresAt: new Date('2000-01-01'),
        });
        await fixture.otps.replace(used);
        await fixture.otps.replace(expired);
        await fixture.otps.replace(anOtp({ mobile: aMobile() }));
        expect(await fixture.otps.consume(used.id, at(2), MAX_OTP_ATTEMPTS)).toBe(true);
        expect((await reopened().otps.findUnused(mobile)).map((otp) => otp.id)).toEqual([expired.id]);
      });

      it('counts wrong guesses atomically under parallel calls', async () => {
        const otp = anOtp({ mobile: aMobile() });
        await fixture.otps.replace(otp);
        const counts = await Promise.all(
          Array.from({ length: 10 }, () => fixture.otps.recordFailedAttempt(otp.id)),
        );
        expect([...counts].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        const [found] = await reopened().otps.findUnused(otp.mobile);
        expect(found?.attempts).toBe(10);
      });

      it('consumes a code once, also under parallel calls', async () => {
        const otp = anOtp({ mobile: aMobile() });
        await fixture.otps.replace(otp);
        const results = await Promise.all(
          Array.from({ length: 10 }, () => fixture.otps.consume(otp.id, at(10), MAX_OTP_ATTEMPTS)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await fixture.otps.consume(otp.id, at(11), MAX_OTP_ATTEMPTS)).toBe(false);
        expect(await reopened().otps.findUnused(otp.mobile)).toEqual([]);
      });

      it('refuses to consume a burned code, and consumes one just below the limit', async () => {
        const mobile = aMobile();
        const burned = anOtp({ mobile, purpose: 'login' });
        const nearlyBurned = anOtp({ mobile, purpose: 'password_reset' });
        await fixture.otps.replace(burned);
        await fixture.otps.replace(nearlyBurned);
        for (let i = 0; i < MAX_OTP_ATTEMPTS; i++) await fixture.otps.recordFailedAttempt(burned.id);
        for (let i = 0; i < MAX_OTP_ATTEMPTS - 1; i++)
          await fixture.otps.recordFailedAttempt(nearlyBurned.id);
        expect(await fixture.otps.consume(burned.id, at(10), MAX_OTP_ATTEMPTS)).toBe(false);
        expect(await fixture.otps.consume(nearlyBurned.id, at(10), MAX_OTP_ATTEMPTS)).toBe(true);
        const unused = await reopened().otps.findUnused(mobile);
        expect(unused.map((otp) => [otp.id, otp.isBurned])).toEqual([[burned.id, true]]);
      });
    });

    describe('ChatroomRepository', () => {
      it('reads a created chatroom back by id', async () => {
        const chatroom = await givenChatroom();
        const found = await reopened().chatrooms.findById(chatroom.id);
        expect(found).toBeInstanceOf(Chatroom);
        expect(found).toEqual(chatroom);
        expect(await reopened().chatrooms.findById(aChatroom().id)).toBeNull();
      });

      it('finds a chatroom only through its owner', async () => {
        const chatroom = await givenChatroom();
        const stranger = await givenUser();
        expect(await reopened().chatrooms.findOwned(chatroom.id, chatroom.ownerId)).toEqual(chatroom);
        expect(await reopened().chatrooms.findOwned(chatroom.id, stranger.id)).toBeNull();
      });

      it("lists the owner's chatrooms newest first, and nobody else's", async () => {
        const owner = await givenUser();
        const first = await givenChatroom(owner.id, at(0));
        const third = await givenChatroom(owner.id, at(2));
        const second = await givenChatroom(owner.id, at(1));
        await givenChatroom(undefined, at(3));
        const listed = await reopened().chatrooms.listOwned(owner.id);
        expect(listed.chatrooms.map((chatroom) => chatroom.id)).toEqual([third.id, second.id, first.id]);
        expect(listed.chatrooms[0]).toBeInstanceOf(Chatroom);
        expect(listed.fromCache).toBe(false);
        expect(await reopened().chatrooms.listOwned((await givenUser()).id)).toEqual({
          chatrooms: [],
          fromCache: false,
        });
      });

      it('saves a renamed chatroom', async () => {
        const chatroom = await givenChatroom();
        chatroom.rename('Renamed', at(60));
        await fixture.chatrooms.save(chatroom);
        const found = await reopened().chatrooms.findById(chatroom.id);
        expect(found?.title).toBe('Renamed');
        expect(found?.updatedAt).toEqual(at(60));
        expect(found?.createdAt).toEqual(chatroom.createdAt);
      });

      it('deletes a chatroom with its messages, only for its owner', async () => {
        const chatroom = await givenChatroom();
        const kept = await givenChatroom();
        const [exchange] = await givenExchanges(chatroom.id, 1);
        const [keptExchange] = await givenExchanges(kept.id, 1);
        const stranger = await givenUser();

        expect(await fixture.chatrooms.delete(chatroom.id, stranger.id)).toBe(false);
        expect(await reopened().chatrooms.findById(chatroom.id)).not.toBeNull();

        expect(await fixture.chatrooms.delete(chatroom.id, chatroom.ownerId)).toBe(true);
        expect(await reopened().chatrooms.findById(chatroom.id)).toBeNull();
        expect(await reopened().messages.findById(exchange!.prompt.id)).toBeNull();
        expect(await reopened().messages.findById(exchange!.reply.id)).toBeNull();
        expect(await reopened().messages.findById(keptExchange!.prompt.id)).not.toBeNull();
        expect(await fixture.chatrooms.delete(chatroom.id, chatroom.ownerId)).toBe(false);
      });
    });

    describe('MessageRepository', () => {
      it('stores a prompt with its pending reply', async () => {
        const chatroom = await givenChatroom();
        const [{ prompt, reply }] = (await givenExchanges(chatroom.id, 1)) as [
          { prompt: Message; reply: Message },
        ];
        const foundReply = await reopened().messages.findById(reply.id);
        expect(foundReply).toBeInstanceOf(Message);
        expect(foundReply).toEqual(reply);
        expect(foundReply?.isPending).toBe(true);
        expect(foundReply?.inReplyTo).toBe(prompt.id);
        expect(await reopened().messages.findInChatroom(chatroom.id, prompt.id)).toEqual(prompt);
      });

      it('refuses an exchange for a chatroom deleted meanwhile with ChatroomNotFound, storing nothing', async () => {
        const chatroom = await givenChatroom();
        await fixture.chatrooms.delete(chatroom.id, chatroom.ownerId);
        const { prompt, reply } = anExchange({ chatroomId: chatroom.id });
        await expect(fixture.messages.addExchange(prompt, reply)).rejects.toBeInstanceOf(ChatroomNotFound);
        expect(await reopened().messages.findById(prompt.id)).toBeNull();
      });

      it('finds a message in its own chatroom only', async () => {
        const chatroom = await givenChatroom();
        const other = await givenChatroom(chatroom.ownerId);
        const [exchange] = await givenExchanges(chatroom.id, 1);
        expect(await reopened().messages.findInChatroom(other.id, exchange!.prompt.id)).toBeNull();
        expect(await reopened().messages.findById(aChatroom().id)).toBeNull();
      });

      it('pages the latest messages oldest first and says whether older ones exist', async () => {
        const chatroom = await givenChatroom();
        const all = (await givenExchanges(chatroom.id, 5)).flatMap(({ prompt, reply }) => [prompt, reply]);
        await givenExchanges((await givenChatroom(chatroom.ownerId)).id, 2);

        const latest = await reopened().messages.page(chatroom.id, { limit: 4 });
        expect(ids(latest.messages)).toEqual(ids(all.slice(6)));
        expect(latest.hasMore).toBe(true);

        const exact = await reopened().messages.page(chatroom.id, { limit: 10 });
        expect(ids(exact.messages)).toEqual(ids(all));
        expect(exact.hasMore).toBe(false);

        const empty = await reopened().messages.page((await givenChatroom()).id, { limit: 10 });
        expect(empty).toEqual({ messages: [], hasMore: false });
      });

      it('pages backwards from a message by (createdAt, id)', async () => {
        const chatroom = await givenChatroom();
        const all = (await givenExchanges(chatroom.id, 5)).flatMap(({ prompt, reply }) => [prompt, reply]);

        const middle = await reopened().messages.page(chatroom.id, { limit: 2, before: all[6]! });
        expect(ids(middle.messages)).toEqual(ids(all.slice(4, 6)));
        expect(middle.hasMore).toBe(true);

        const oldest = await reopened().messages.page(chatroom.id, { limit: 4, before: all[4]! });
        expect(ids(oldest.messages)).toEqual(ids(all.slice(0, 4)));
        expect(oldest.hasMore).toBe(false);

        const sameInstant = await reopened().messages.page(chatroom.id, { limit: 1, before: all[9]! });
        expect(ids(sameInstant.messages)).toEqual([all[8]!.id]);
      });

      it('orders messages of the same instant by id', async () => {
        const chatroom = await givenChatroom();
        const first = anExchange({ chatroomId: chatroom.id, now: at(0) });
        const second = anExchange({ chatroomId: chatroom.id, now: at(0) });
        await fixture.messages.addExchange(first.prompt, first.reply);
        await fixture.messages.addExchange(second.prompt, second.reply);
        const page = await reopened().messages.page(chatroom.id, { limit: 2, before: second.reply });
        expect(ids(page.messages)).toEqual([first.reply.id, second.prompt.id]);
        expect(page.hasMore).toBe(true);
      });

      it('gives the last completed messages before a prompt as history, oldest first', async () => {
        const chatroom = await givenChatroom();
        const [e0, e1, e2, e3, e4, e5] = await givenExchanges(chatroom.id, 6);
        for (const exchange of [e0, e1, e3, e5])
          await fixture.messages.complete(exchange!.reply.id, 'answer', null);
        await fixture.messages.fail(e2!.reply.id, 'model down');
        await givenExchanges((await givenChatroom(chatroom.ownerId)).id, 2, 3);

        const history = await reopened().messages.historyBefore(e4!.prompt, 20);
        expect(ids(history)).toEqual(
          ids([e0!.prompt, e0!.reply, e1!.prompt, e1!.reply, e2!.prompt, e3!.prompt, e3!.reply]),
        );
        expect(history.every((message) => message.status === 'completed')).toBe(true);

        const lastThree = await reopened().messages.historyBefore(e4!.prompt, 3);
        expect(ids(lastThree)).toEqual(ids([e2!.prompt, e3!.prompt, e3!.reply]));
        expect(await reopened().messages.historyBefore(e0!.prompt, 20)).toEqual([]);
      });

      it('completes a pending reply once, keeping its content and token usage', async () => {
        const chatroom = await givenChatroom();
        const [{ reply }] = (await givenExchanges(chatroom.id, 1)) as [{ prompt: Message; reply: Message }];
        const tokenUsage = { promptTokens: 12, candidateTokens: 30, totalTokens: 42 };
        expect(await fixture.messages.complete(reply.id, 'Hi!', tokenUsage)).toBe(true);
        expect(await fixture.messages.complete(reply.id, 'Again', null)).toBe(false);
        expect(await fixture.messages.fail(reply.id, 'late failure')).toBe(false);
        const found = await reopened().messages.findById(reply.id);
        expect(found).toMatchObject({ status: 'completed', content: 'Hi!', error: null, tokenUsage });
      });

      it('fails a pending reply once', async () => {
        const chatroom = await givenChatroom();
        const [{ reply }] = (await givenExchanges(chatroom.id, 1)) as [{ prompt: Message; reply: Message }];
        expect(await fixture.messages.fail(reply.id, 'model down')).toBe(true);
        expect(await fixture.messages.fail(reply.id, 'again')).toBe(false);
        expect(await fixture.messages.complete(reply.id, 'late answer', null)).toBe(false);
        const found = await reopened().messages.findById(reply.id);
        expect(found).toMatchObject({ status: 'failed', content: '', error: 'model down', tokenUsage: null });
      });

      it('lets exactly one of parallel writers end a pending reply', async () => {
        const chatroom = await givenChatroom();
        const [{ reply }] = (await givenExchanges(chatroom.id, 1)) as [{ prompt: Message; reply: Message }];
        const results = await Promise.all([
          ...Array.from({ length: 5 }, (_, i) => fixture.messages.complete(reply.id, `answer ${i}`, null)),
          ...Array.from({ length: 5 }, (_, i) => fixture.messages.fail(reply.id, `error ${i}`)),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        const found = await reopened().messages.findById(reply.id);
        if (winner < 5) expect(found).toMatchObject({ status: 'completed', content: `answer ${winner}` });
        else expect(found).toMatchObject({ status: 'failed', error: `error ${winner - 5}` });
      });

      it('lists the replies still pending, oldest first, up to the limit', async () => {
        const chatroom = await givenChatroom();
        const exchanges = await givenExchanges(chatroom.id, 4);
        await givenExchanges((await givenChatroom()).id, 1);
        await fixture.messages.complete(exchanges[1]!.reply.id, 'done', null);
        await fixture.messages.fail(exchanges[2]!.reply.id, 'down');

        const pending = await reopened().messages.pendingReplies(10);
        expect(pending).toEqual(expect.arrayContaining([exchanges[0]!.reply.id, exchanges[3]!.reply.id]));
        expect(pending).toHaveLength(3);
        expect(pending.indexOf(exchanges[0]!.reply.id)).toBeLessThan(pending.indexOf(exchanges[3]!.reply.id));
        expect(await reopened().messages.pendingReplies(1)).toEqual([pending[0]]);
      });
    });

    describe('SubscriptionRepository', () => {
      it('reads a saved subscription back by user, customer and subscription id', async () => {
        const user = await givenUser();
        const subscription = aSubscription({ userId: user.id, status: 'active', lastEventAt: 1_790_000_000 });
        await fixture.subscriptions.save(subscription);
        const byUser = await reopened().subscriptions.findByUserId(user.id);
        expect(byUser).toBeInstanceOf(Subscription);
        expect(byUser).toEqual(subscription);
        expect(byUser?.tier).toBe('pro');
        expect(await reopened().subscriptions.findByCustomerId(subscription.customerId!)).toEqual(
          subscription,
        );
        expect(await reopened().subscriptions.findBySubscriptionId(subscription.subscriptionId!)).toEqual(
          subscription,
        );
      });

      it('answers null for unknown users, customers and subscriptions', async () => {
        await fixture.subscriptions.save(aSubscription({ userId: (await givenUser()).id, status: 'active' }));
        expect(await reopened().subscriptions.findByUserId((await givenUser()).id)).toBeNull();
        expect(await reopened().subscriptions.findByCustomerId('cus_unknown')).toBeNull();
        expect(await reopened().subscriptions.findBySubscriptionId('sub_unknown')).toBeNull();
      });

      it('saves changes over the existing subscription', async () => {
        const user = await givenUser();
        const subscription = aSubscription({ userId: user.id });
        await fixture.subscriptions.save(subscription);
        subscription.apply(
          { eventCreated: 1_790_000_000, subscriptionId: 'sub_new', status: 'past_due' },
          at(5),
        );
        await fixture.subscriptions.save(subscription);
        const found = await reopened().subscriptions.findByUserId(user.id);
        expect(found).toEqual(subscription);
        expect(await reopened().subscriptions.findBySubscriptionId('sub_new')).toEqual(subscription);
      });

      it('applies an event id once, then reports it as a duplicate without running it', async () => {
        const user = await givenUser();
        const eventId = `evt_${aBuiltId()}`;
        let runs = 0;
        const activate = async (store: SubscriptionStore) => {
          runs += 1;
          const subscription = (await store.findByUserId(user.id)) ?? Subscription.none(user.id, at(0));
          subscription.apply({ eventCreated: 1_790_000_000, status: 'active' }, at(1));
          await store.save(subscription);
        };
        expect(await fixture.subscriptions.applyEventOnce(eventId, activate)).toBe('applied');
        expect(await fixture.subscriptions.applyEventOnce(eventId, activate)).toBe('duplicate');
        expect(runs).toBe(1);
        expect((await reopened().subscriptions.findByUserId(user.id))?.status).toBe('active');
      });

      it('applies one of 10 parallel deliveries of an event', async () => {
        const user = await givenUser();
        await fixture.subscriptions.save(Subscription.none(user.id, at(0)));
        const eventId = `evt_${aBuiltId()}`;
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, () =>
            fixture.subscriptions.applyEventOnce(eventId, async (store) => {
              const subscription = await store.findByUserId(user.id);
              subscription!.apply({ eventCreated: 1_790_000_000, status: 'active' }, at(1));
              await store.save(subscription!);
            }),
          ),
        );
        expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(1);
        expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(9);
        expect((await reopened().subscriptions.findByUserId(user.id))?.status).toBe('active');
      });

      it('keeps nothing and does not claim the id when applying throws; a retry applies', async () => {
        const user = await givenUser();
        await fixture.subscriptions.save(Subscription.none(user.id, at(0)));
        const eventId = `evt_${aBuiltId()}`;
        const failure = new Error('apply failed');
        await expect(
          fixture.subscriptions.applyEventOnce(eventId, async (store) => {
            const subscription = await store.findByUserId(user.id);
            subscription!.apply(
              { eventCreated: 1_790_000_000, status: 'active', customerId: 'cus_half' },
              at(1),
            );
            await store.save(subscription!);
            throw failure;
          }),
        ).rejects.toBe(failure);
        const untouched = await reopened().subscriptions.findByUserId(user.id);
        expect(untouched).toMatchObject({ status: null, customerId: null, lastEventAt: null });

        const retried = await fixture.subscriptions.applyEventOnce(eventId, async (store) => {
          const subscription = await store.findByUserId(user.id);
          subscription!.apply({ eventCreated: 1_790_000_000, status: 'active' }, at(2));
          await store.save(subscription!);
        });
        expect(retried).toBe('applied');
        expect((await reopened().subscriptions.findByUserId(user.id))?.status).toBe('active');
      });

      it("never replaces a newer event's state by saving an older one over it", async () => {
        const user = await givenUser();
        const canceled = aSubscription({ userId: user.id, status: 'canceled', lastEventAt: 300 });
        await fixture.subscriptions.save(canceled);
        await fixture.subscriptions.save(
          aSubscription({ userId: user.id, status: 'active', lastEventAt: 200 }),
        );
        await fixture.subscriptions.save(
          aSubscription({ userId: user.id, status: 'active', lastEventAt: null }),
        );
        expect(await reopened().subscriptions.findByUserId(user.id)).toEqual(canceled);
      });

      /** Resolves when `signal` does, or after `ms` when a lock keeps the other side from getting there. */
      function signalOrAfter(signal: Promise<unknown>, ms: number): Promise<unknown> {
        return Promise.race([signal, new Promise((resolve) => setTimeout(resolve, ms))]);
      }

      it("lets an event read a user's first subscription only once a parallel event creating it has committed", async () => {
        const user = await givenUser();
        let olderFound: Subscription | null = null;
        const newerRead = Promise.withResolvers<void>();
        const olderRead = Promise.withResolvers<void>();
        const newer = fixture.subscriptions.applyEventOnce(`evt_${aBuiltId()}`, async (store) => {
          const subscription = (await store.findByUserId(user.id)) ?? Subscription.none(user.id, at(0));
          newerRead.resolve();
          await signalOrAfter(olderRead.promise, 300);
          subscription.apply({ eventCreated: 300, subscriptionId: 'sub_race', status: 'canceled' }, at(3));
          await store.save(subscription);
        });
        await newerRead.promise;
        const older = fixture.subscriptions.applyEventOnce(`evt_${aBuiltId()}`, async (store) => {
          olderFound = await store.findByUserId(user.id);
          olderRead.resolve();
          // Unless this read waited for the newer event, both read "no row yet": then save after it commits.
          await signalOrAfter(newer, 1_000);
          const subscription = olderFound ?? Subscription.none(user.id, at(0));
          if (
            subscription.apply({ eventCreated: 100, subscriptionId: 'sub_race', status: 'active' }, at(1))
          ) {
            await store.save(subscription);
          }
        });
        await Promise.all([newer, older]);
        expect(olderFound).toMatchObject({ status: 'canceled', lastEventAt: 300 });
        expect(await reopened().subscriptions.findByUserId(user.id)).toMatchObject({
          status: 'canceled',
          lastEventAt: 300,
        });
      });

      const finders = {
        findByUserId: (store: SubscriptionStore, stored: Subscription) => store.findByUserId(stored.userId),
        findByCustomerId: (store: SubscriptionStore, stored: Subscription) =>
          store.findByCustomerId(stored.customerId!),
        findBySubscriptionId: (store: SubscriptionStore, stored: Subscription) =>
          store.findBySubscriptionId(stored.subscriptionId!),
      };

      it.each(Object.keys(finders) as (keyof typeof finders)[])(
        'lets an event read a subscription (%s) only once a parallel event on it has committed',
        async (finder) => {
          const user = await givenUser();
          const stored = aSubscription({ userId: user.id, status: 'active', lastEventAt: 100 });
          await fixture.subscriptions.save(stored);
          const firstRead = Promise.withResolvers<void>();
          const secondRead = Promise.withResolvers<void>();
          const first = fixture.subscriptions.applyEventOnce(`evt_${aBuiltId()}`, async (store) => {
            const subscription = (await finders[finder](store, stored))!;
            firstRead.resolve();
            // Unless the second event waits for this one, it reads the row now, before this one is saved.
            await signalOrAfter(secondRead.promise, 300);
            subscription.apply({ eventCreated: 200, cancelAtPeriodEnd: true }, at(2));
            await store.save(subscription);
          });
          await firstRead.promise;
          const second = fixture.subscriptions.applyEventOnce(`evt_${aBuiltId()}`, async (store) => {
            const subscription = (await finders[finder](store, stored))!;
            secondRead.resolve();
            subscription.apply({ eventCreated: 300, status: 'past_due' }, at(3));
            await store.save(subscription);
          });
          await Promise.all([first, second]);
          expect(await reopened().subscriptions.findByUserId(user.id)).toMatchObject({
            status: 'past_due',
            cancelAtPeriodEnd: true,
            lastEventAt: 300,
          });
        },
      );

      it('links a customer to a user who has no subscription yet, as Basic', async () => {
        const user = await givenUser();
        expect(await fixture.subscriptions.linkCustomer(user.id, 'cus_linked', at(5))).toBe('cus_linked');
        expect(await reopened().subscriptions.findByCustomerId('cus_linked')).toEqual(
          new Subscription({ ...Subscription.none(user.id, at(5)), customerId: 'cus_linked' }),
        );
      });

      it('links a customer to a subscription that has none, keeping everything webhooks applied', async () => {
        const user = await givenUser();
        const paid = aSubscription({ userId: user.id, customerId: null, status: 'active', lastEventAt: 300 });
        await fixture.subscriptions.save(paid);
        expect(await fixture.subscriptions.linkCustomer(user.id, 'cus_linked', at(5))).toBe('cus_linked');
        expect(await reopened().subscriptions.findByUserId(user.id)).toEqual(
          new Subscription({ ...paid, customerId: 'cus_linked', updatedAt: at(5) }),
        );
      });

      it('keeps the customer linked first and answers it', async () => {
        const user = await givenUser();
        const linked = aSubscription({ userId: user.id, customerId: 'cus_first', status: 'canceled' });
        await fixture.subscriptions.save(linked);
        expect(await fixture.subscriptions.linkCustomer(user.id, 'cus_second', at(5))).toBe('cus_first');
        expect(await reopened().subscriptions.findByUserId(user.id)).toEqual(linked);
      });

      it('links one customer of 10 parallel links for a new user, and answers it to each', async () => {
        const user = await givenUser();
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            fixture.subscriptions.linkCustomer(user.id, `cus_${i}`, at(i)),
          ),
        );
        const stored = await reopened().subscriptions.findByUserId(user.id);
        expect(stored?.customerId).toMatch(/^cus_\d$/);
        expect(answers).toEqual(Array(10).fill(stored?.customerId));
      });
    });

    describe('UsageCounter', () => {
      it('admits prompts up to the limit and refuses the next, reporting the count', async () => {
        const user = await givenUser();
        expect(await fixture.usage.take(user.id, DAY, 2)).toEqual({ admitted: true, used: 1 });
        expect(await fixture.usage.take(user.id, DAY, 2)).toEqual({ admitted: true, used: 2 });
        expect(await fixture.usage.take(user.id, DAY, 2)).toEqual({ admitted: false, used: 2 });
        expect(await reopened().usage.used(user.id, DAY)).toBe(2);
      });

      it('counts without a limit when the limit is null', async () => {
        const user = await givenUser();
        for (let i = 1; i <= 3; i++)
          expect(await fixture.usage.take(user.id, DAY, null)).toEqual({ admitted: true, used: i });
        expect(await reopened().usage.used(user.id, DAY)).toBe(3);
      });

      it('admits exactly the limit of 10 parallel takes', async () => {
        const user = await givenUser();
        const takes = await Promise.all(
          Array.from({ length: 10 }, () => fixture.usage.take(user.id, DAY, 5)),
        );
        expect(takes.filter((take) => take.admitted)).toHaveLength(5);
        expect(
          takes
            .filter((take) => take.admitted)
            .map((take) => take.used)
            .sort((a, b) => a - b),
        ).toEqual([1, 2, 3, 4, 5]);
        expect(await reopened().usage.used(user.id, DAY)).toBe(5);
      });

      it('gives a prompt back, never below zero', async () => {
        const user = await givenUser();
        await fixture.usage.take(user.id, DAY, 1);
        await fixture.usage.giveBack(user.id, DAY);
        expect(await reopened().usage.used(user.id, DAY)).toBe(0);
        await fixture.usage.giveBack(user.id, DAY);
        expect(await reopened().usage.used(user.id, DAY)).toBe(0);
        expect(await fixture.usage.take(user.id, DAY, 1)).toEqual({ admitted: true, used: 1 });
      });

      it('counts each day and each user apart', async () => {
        const user = await givenUser();
        const other = await givenUser();
        await fixture.usage.take(user.id, DAY, 1);
        expect(await fixture.usage.take(user.id, '2026-11-24', 1)).toEqual({ admitted: true, used: 1 });
        expect(await fixture.usage.take(other.id, DAY, 1)).toEqual({ admitted: true, used: 1 });
        expect(await reopened().usage.used(user.id, DAY)).toBe(1);
        expect(await reopened().usage.used(user.id, '2026-11-22')).toBe(0);
      });
    });
  });
}
