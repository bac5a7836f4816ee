import { describe, expect, it } from 'vitest';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import { Message } from '#domain/chatroom/message.ts';
import { aBuiltId, anExchange, aSubscription } from '#test/support/builders.ts';
import { at, eachTestOn, givens, type MakePersistence } from './persistence-givens.ts';

const DAY = '2026-11-30';

/**
 * The MessageRepository methods of the send path (addCountedExchange, replyContext): the quota take and the
 * exchange as one write, and what a reply job reads before it calls the model, in one read.
 */
export function oneStatementMessagesContract(name: string, make: MakePersistence): void {
  describe(`${name}: MessageRepository one-statement send path`, () => {
    const fixture = eachTestOn(make);
    const reopened = () => fixture().reopen();
    const { givenUser, givenChatroom, givenExchanges } = givens(fixture);
    const counted = (
      prompt: Message,
      reply: Message,
      userId: string,
      limit: number | null,
      pro: number | null = limit,
    ) =>
      fixture().messages.addCountedExchange(prompt, reply, {
        userId,
        day: DAY,
        limits: { basic: limit, pro },
      });

    it('counts the prompt and stores the exchange while under the limit, and neither at the limit', async () => {
      const chatroom = await givenChatroom();
      const user = chatroom.ownerId;
      const first = anExchange({ chatroomId: chatroom.id, now: at(0) });
      const second = anExchange({ chatroomId: chatroom.id, now: at(1) });
      const third = anExchange({ chatroomId: chatroom.id, now: at(2) });

      expect(await counted(first.prompt, first.reply, user, 2)).toEqual({
        admitted: true,
        used: 1,
        tier: 'basic',
      });
      expect(await counted(second.prompt, second.reply, user, 2)).toEqual({
        admitted: true,
        used: 2,
        tier: 'basic',
      });
      expect(await counted(third.prompt, third.reply, user, 2)).toEqual({
        admitted: false,
        used: 2,
        tier: 'basic',
      });

      expect(await reopened().messages.findById(second.reply.id)).toEqual(second.reply);
      expect(await reopened().messages.findById(second.prompt.id)).toEqual(second.prompt);
      expect(await reopened().messages.findById(third.prompt.id)).toBeNull();
      expect(await reopened().messages.findById(third.reply.id)).toBeNull();
      expect(await reopened().usage.used(user, DAY)).toBe(2);
    });

    it('admits every prompt without a limit, and none with a limit of zero', async () => {
      const chatroom = await givenChatroom();
      const user = chatroom.ownerId;
      for (let i = 0; i < 3; i++) {
        const { prompt, reply } = anExchange({ chatroomId: chatroom.id, now: at(i) });
        expect(await counted(prompt, reply, user, null)).toEqual({
          admitted: true,
          used: i + 1,
          tier: 'basic',
        });
      }
      const other = await givenChatroom();
      const { prompt, reply } = anExchange({ chatroomId: other.id });
      expect(await counted(prompt, reply, other.ownerId, 0)).toEqual({
        admitted: false,
        used: 0,
        tier: 'basic',
      });
      expect(await reopened().messages.findById(prompt.id)).toBeNull();
    });

    it("counts a paying sender against the Pro limit, and one whose subscription ended against Basic's", async () => {
      const paying = await givenChatroom();
      await fixture().subscriptions.save(aSubscription({ userId: paying.ownerId, status: 'past_due' }));
      for (let i = 0; i < 3; i++) {
        const { prompt, reply } = anExchange({ chatroomId: paying.id, now: at(i) });
        expect(await counted(prompt, reply, paying.ownerId, 1, 3)).toEqual({
          admitted: true,
          used: i + 1,
          tier: 'pro',
        });
      }
      const fourth = anExchange({ chatroomId: paying.id, now: at(3) });
      expect(await counted(fourth.prompt, fourth.reply, paying.ownerId, 1, 3)).toEqual({
        admitted: false,
        used: 3,
        tier: 'pro',
      });

      const ended = await givenChatroom();
      await fixture().subscriptions.save(aSubscription({ userId: ended.ownerId, status: 'canceled' }));
      const first = anExchange({ chatroomId: ended.id, now: at(0) });
      const second = anExchange({ chatroomId: ended.id, now: at(1) });
      expect(await counted(first.prompt, first.reply, ended.ownerId, 1, 3)).toMatchObject({ tier: 'basic' });
      expect(await counted(second.prompt, second.reply, ended.ownerId, 1, 3)).toEqual({
        admitted: false,
        used: 1,
        tier: 'basic',
      });
    });

    it("refuses another user's chatroom, or an id that is no chatroom's, with ChatroomNotFound, counting nothing", async () => {
      const chatroom = await givenChatroom();
      const stranger = await givenUser();
      const { prompt, reply } = anExchange({ chatroomId: chatroom.id });
      await expect(counted(prompt, reply, stranger.id, 5)).rejects.toBeInstanceOf(ChatroomNotFound);
      for (const chatroomId of [aBuiltId(), 'not-a-uuid']) {
        const other = anExchange({ chatroomId });
        await expect(counted(other.prompt, other.reply, stranger.id, 5)).rejects.toBeInstanceOf(
          ChatroomNotFound,
        );
      }
      expect(await reopened().usage.used(stranger.id, DAY)).toBe(0);
      expect(await reopened().usage.used(chatroom.ownerId, DAY)).toBe(0);
      expect(await reopened().messages.findById(prompt.id)).toBeNull();
    });

    it('refuses an exchange for a chatroom deleted meanwhile with ChatroomNotFound, counting nothing', async () => {
      const chatroom = await givenChatroom();
      await fixture().chatrooms.delete(chatroom.id, chatroom.ownerId);
      const { prompt, reply } = anExchange({ chatroomId: chatroom.id });
      await expect(counted(prompt, reply, chatroom.ownerId, 5)).rejects.toBeInstanceOf(ChatroomNotFound);
      expect(await reopened().usage.used(chatroom.ownerId, DAY)).toBe(0);
      expect(await reopened().messages.findById(prompt.id)).toBeNull();
    });

    it('reads a reply with its prompt and the history before the prompt, as historyBefore gives it', async () => {
      const chatroom = await givenChatroom();
      const [e0, e1, e2, e3] = await givenExchanges(chatroom.id, 4);
      for (const exchange of [e0, e1]) await fixture().messages.complete(exchange!.reply.id, 'answer', null);
      await fixture().messages.fail(e2!.reply.id, 'model down');
      await givenExchanges((await givenChatroom(chatroom.ownerId)).id, 2, 5);

      const context = await reopened().messages.replyContext(e3!.reply.id, 20);
      expect(context?.reply).toEqual(e3!.reply);
      expect(context?.reply).toBeInstanceOf(Message);
      expect(context?.prompt).toEqual(e3!.prompt);
      expect(context?.history).toEqual(await reopened().messages.historyBefore(e3!.prompt, 20));
      expect(context?.history.map((m) => m.id)).toEqual(
        [e0!.prompt, e0!.reply, e1!.prompt, e1!.reply, e2!.prompt].map((m) => m.id),
      );

      const lastTwo = await reopened().messages.replyContext(e3!.reply.id, 2);
      expect(lastTwo?.history.map((m) => m.id)).toEqual([e1!.reply.id, e2!.prompt.id]);
      const firstReply = await reopened().messages.replyContext(e0!.reply.id, 20);
      expect(firstReply?.history).toEqual([]);
    });

    it('hands back the history before an admitted prompt when asked, as the reply job would read it, and none when refused', async () => {
      const chatroom = await givenChatroom();
      const user = chatroom.ownerId;
      const [e0, e1, e2] = await givenExchanges(chatroom.id, 3);
      for (const exchange of [e0, e1]) await fixture().messages.complete(exchange!.reply.id, 'answer', null);
      await fixture().messages.fail(e2!.reply.id, 'model down');
      await givenExchanges((await givenChatroom(user)).id, 2, 5);
      const next = anExchange({ chatroomId: chatroom.id, now: at(10) });
      const withHistory = (prompt: Message, reply: Message, limit: number, historyLength: number) =>
        fixture().messages.addCountedExchange(prompt, reply, {
          userId: user,
          day: DAY,
          limits: { basic: limit, pro: limit },
          historyLength,
        });

      const taken = await withHistory(next.prompt, next.reply, 5, 20);

      expect(taken).toMatchObject({ admitted: true, used: 1, tier: 'basic' });
      const context = await reopened().messages.replyContext(next.reply.id, 20);
      expect(taken.history).toEqual(context?.history);
      expect(taken.history?.map((m) => m.id)).toEqual(
        [e0!.prompt, e0!.reply, e1!.prompt, e1!.reply, e2!.prompt].map((m) => m.id),
      );
      expect(taken.history?.[0]).toBeInstanceOf(Message);
      const later = anExchange({ chatroomId: chatroom.id, now: at(11) });
      const lastTwo = await withHistory(later.prompt, later.reply, 5, 2);
      expect(lastTwo.history?.map((m) => m.id)).toEqual([e2!.prompt.id, next.prompt.id]);
      const refused = anExchange({ chatroomId: chatroom.id, now: at(12) });
      expect(await withHistory(refused.prompt, refused.reply, 2, 20)).toEqual({
        admitted: false,
        used: 2,
        tier: 'basic',
      });
      const fresh = await givenChatroom(user);
      const first = anExchange({ chatroomId: fresh.id, now: at(13) });
      expect((await withHistory(first.prompt, first.reply, 5, 20)).history).toEqual([]);
    });

    it('reads a reply whose prompt is gone with no prompt and no history, and no reply as null', async () => {
      const chatroom = await givenChatroom();
      const [e0] = await givenExchanges(chatroom.id, 1);
      await fixture().messages.complete(e0!.reply.id, 'answer', null);
      // A pending reply that answers a prompt no longer stored (in_reply_to has no foreign key).
      const { prompt, reply } = anExchange({ chatroomId: chatroom.id, now: at(5) });
      const orphan = new Message({ ...reply, inReplyTo: aBuiltId() });
      await fixture().messages.addExchange(prompt, orphan);

      const context = await reopened().messages.replyContext(orphan.id, 20);
      expect(context).toEqual({ reply: orphan, prompt: null, history: [] });
      expect(await reopened().messages.replyContext(aBuiltId(), 20)).toBeNull();
      expect(await reopened().messages.replyContext('not-a-uuid', 20)).toBeNull();
    });
  });
}
