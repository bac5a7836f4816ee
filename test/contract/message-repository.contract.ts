import { describe, expect, it } from 'vitest';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import { Message } from '#domain/chatroom/message.ts';
import { aChatroom, anExchange } from '#test/support/builders.ts';
import { at, eachTestOn, givens, type MakePersistence, NOT_UUIDS } from './persistence-givens.ts';

function ids(messages: Message[]): string[] {
  return messages.map((message) => message.id);
}

/** The MessageRepository port, as the use cases rely on it. */
export function messageRepositoryContract(name: string, make: MakePersistence): void {
  describe(`${name}: MessageRepository contract`, () => {
    const fixture = eachTestOn(make);
    const reopened = () => fixture().reopen();
    const { givenChatroom, givenExchanges } = givens(fixture);

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
      await fixture().chatrooms.delete(chatroom.id, chatroom.ownerId);
      const { prompt, reply } = anExchange({ chatroomId: chatroom.id });
      await expect(fixture().messages.addExchange(prompt, reply)).rejects.toBeInstanceOf(ChatroomNotFound);
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
      await fixture().messages.addExchange(first.prompt, first.reply);
      await fixture().messages.addExchange(second.prompt, second.reply);
      const page = await reopened().messages.page(chatroom.id, { limit: 2, before: second.reply });
      expect(ids(page.messages)).toEqual([first.reply.id, second.prompt.id]);
      expect(page.hasMore).toBe(true);
    });

    it('gives the last completed messages before a prompt as history, oldest first', async () => {
      const chatroom = await givenChatroom();
      const [e0, e1, e2, e3, e4, e5] = await givenExchanges(chatroom.id, 6);
      for (const exchange of [e0, e1, e3, e5])
        await fixture().messages.complete(exchange!.reply.id, 'answer', null);
      await fixture().messages.fail(e2!.reply.id, 'model down');
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
      expect(await fixture().messages.complete(reply.id, 'Hi!', tokenUsage)).toBe(true);
      expect(await fixture().messages.complete(reply.id, 'Again', null)).toBe(false);
      expect(await fixture().messages.fail(reply.id, 'late failure')).toBe(false);
      const found = await reopened().messages.findById(reply.id);
      expect(found).toMatchObject({ status: 'completed', content: 'Hi!', error: null, tokenUsage });
    });

    it('fails a pending reply once', async () => {
      const chatroom = await givenChatroom();
      const [{ reply }] = (await givenExchanges(chatroom.id, 1)) as [{ prompt: Message; reply: Message }];
      expect(await fixture().messages.fail(reply.id, 'model down')).toBe(true);
      expect(await fixture().messages.fail(reply.id, 'again')).toBe(false);
      expect(await fixture().messages.complete(reply.id, 'late answer', null)).toBe(false);
      const found = await reopened().messages.findById(reply.id);
      expect(found).toMatchObject({ status: 'failed', content: '', error: 'model down', tokenUsage: null });
    });

    it('lets exactly one of parallel writers end a pending reply', async () => {
      const chatroom = await givenChatroom();
      const [{ reply }] = (await givenExchanges(chatroom.id, 1)) as [{ prompt: Message; reply: Message }];
      const results = await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => fixture().messages.complete(reply.id, `answer ${i}`, null)),
        ...Array.from({ length: 5 }, (_, i) => fixture().messages.fail(reply.id, `error ${i}`)),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      const found = await reopened().messages.findById(reply.id);
      if (winner < 5) expect(found).toMatchObject({ status: 'completed', content: `answer ${winner}` });
      else expect(found).toMatchObject({ status: 'failed', error: `error ${winner - 5}` });
    });

    it('lists the replies still pending with their senders, oldest first, up to the limit', async () => {
      const chatroom = await givenChatroom();
      const exchanges = await givenExchanges(chatroom.id, 4);
      const other = await givenChatroom();
      const [elsewhere] = await givenExchanges(other.id, 1, 10);
      await fixture().messages.complete(exchanges[1]!.reply.id, 'done', null);
      await fixture().messages.fail(exchanges[2]!.reply.id, 'down');

      const pending = await reopened().messages.pendingReplies(10);
      expect(pending).toEqual([
        { replyId: exchanges[0]!.reply.id, userId: chatroom.ownerId, createdAt: at(0) },
        { replyId: exchanges[3]!.reply.id, userId: chatroom.ownerId, createdAt: at(3) },
        { replyId: elsewhere!.reply.id, userId: other.ownerId, createdAt: at(10) },
      ]);
      expect(await reopened().messages.pendingReplies(1)).toEqual([pending[0]]);
    });

    it.each(NOT_UUIDS)('answers "not found" for the id %j, which is not a UUID', async (id) => {
      const chatroom = await givenChatroom();
      const [exchange] = await givenExchanges(chatroom.id, 1);
      expect(await reopened().messages.findById(id)).toBeNull();
      expect(await reopened().messages.findInChatroom(chatroom.id, id)).toBeNull();
      expect(await reopened().messages.findInChatroom(id, exchange!.prompt.id)).toBeNull();
      expect(await reopened().messages.page(id, { limit: 10 })).toEqual({ messages: [], hasMore: false });
      expect(await fixture().messages.complete(id, 'answer', null)).toBe(false);
      expect(await fixture().messages.fail(id, 'down')).toBe(false);
    });
  });
}
