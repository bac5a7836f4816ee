import { describe, expect, it } from 'vitest';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import { aChatroom } from '#test/support/builders.ts';
import { at, eachTestOn, givens, type MakePersistence, NOT_UUIDS } from './persistence-givens.ts';

/** The ChatroomRepository port, as the use cases rely on it. */
export function chatroomRepositoryContract(name: string, make: MakePersistence): void {
  describe(`${name}: ChatroomRepository contract`, () => {
    const fixture = eachTestOn(make);
    const reopened = () => fixture().reopen();
    const { givenUser, givenChatroom, givenExchanges } = givens(fixture);

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
      const renamed = chatroom.rename('Renamed', at(60));
      await fixture().chatrooms.save(renamed);
      const found = await reopened().chatrooms.findById(chatroom.id);
      expect(found).toEqual(renamed);
      expect(found).toMatchObject({ title: 'Renamed', updatedAt: at(60), createdAt: chatroom.createdAt });
    });

    it('deletes a chatroom with its messages, only for its owner', async () => {
      const chatroom = await givenChatroom();
      const kept = await givenChatroom();
      const [exchange] = await givenExchanges(chatroom.id, 1);
      const [keptExchange] = await givenExchanges(kept.id, 1);
      const stranger = await givenUser();

      expect(await fixture().chatrooms.delete(chatroom.id, stranger.id)).toBe(false);
      expect(await reopened().chatrooms.findById(chatroom.id)).not.toBeNull();

      expect(await fixture().chatrooms.delete(chatroom.id, chatroom.ownerId)).toBe(true);
      expect(await reopened().chatrooms.findById(chatroom.id)).toBeNull();
      expect(await reopened().messages.findById(exchange!.prompt.id)).toBeNull();
      expect(await reopened().messages.findById(exchange!.reply.id)).toBeNull();
      expect(await reopened().messages.findById(keptExchange!.prompt.id)).not.toBeNull();
      expect(await fixture().chatrooms.delete(chatroom.id, chatroom.ownerId)).toBe(false);
    });

    it.each(NOT_UUIDS)('answers "not found" for the id %j, which is not a UUID', async (id) => {
      const chatroom = await givenChatroom();
      expect(await reopened().chatrooms.findById(id)).toBeNull();
      expect(await reopened().chatrooms.findOwned(id, chatroom.ownerId)).toBeNull();
      expect(await reopened().chatrooms.findOwned(chatroom.id, id)).toBeNull();
      expect(await reopened().chatrooms.listOwned(id)).toEqual({ chatrooms: [], fromCache: false });
      expect(await fixture().chatrooms.delete(id, chatroom.ownerId)).toBe(false);
    });
  });
}
