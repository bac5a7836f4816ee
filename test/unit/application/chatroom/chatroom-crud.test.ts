import { describe, expect, it } from 'vitest';
import { CreateChatroom } from '#application/chatroom/create-chatroom.ts';
import { DeleteChatroom } from '#application/chatroom/delete-chatroom.ts';
import { GetChatroom } from '#application/chatroom/get-chatroom.ts';
import { ListChatrooms } from '#application/chatroom/list-chatrooms.ts';
import { GetMessage, ListMessages } from '#application/chatroom/list-messages.ts';
import { RenameChatroom } from '#application/chatroom/rename-chatroom.ts';
import { ChatroomNotFound, MessageNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message } from '#domain/chatroom/message.ts';
import { ValidationFailed } from '#domain/shared/domain-error.ts';
import { anExchange } from '#test/support/builders.ts';
import { sequentialId } from '#test/support/ids.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

async function setUp() {
  const world = aWorld();
  const owner = await givenUser(world);
  const stranger = await givenUser(world);
  const chatroom = await new CreateChatroom(world).execute({ userId: owner.id, title: ' Ideas ' });
  return { world, owner, stranger, chatroom };
}

/** Stores `count` exchanges one second apart and returns their messages oldest first. */
async function givenMessages(world: World, chatroomId: string, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) {
    world.clock.advance(1_000);
    const { prompt, reply } = anExchange({ chatroomId, content: `prompt ${i}`, now: world.clock.now() });
    await world.messages.addExchange(prompt, reply);
    messages.push(prompt, reply);
  }
  return messages;
}

describe('CreateChatroom', () => {
  it('opens a chatroom for the user with a trimmed or default title', async () => {
    const { world, owner, chatroom } = await setUp();
    expect(chatroom).toMatchObject({ ownerId: owner.id, title: 'Ideas', createdAt: world.clock.now() });
    const untitled = await new CreateChatroom(world).execute({ userId: owner.id });
    expect(untitled.title).toBe('New chat');
    expect(await world.chatrooms.findOwned(untitled.id, owner.id)).toEqual(untitled);
  });

  it('refuses a bad title and stores nothing', async () => {
    const { world, stranger } = await setUp();
    await expect(
      new CreateChatroom(world).execute({ userId: stranger.id, title: '  ' }),
    ).rejects.toBeInstanceOf(ValidationFailed);
    expect((await world.chatrooms.listOwned(stranger.id)).chatrooms).toEqual([]);
  });
});

describe('ListChatrooms', () => {
  it("lists the user's chatrooms, newest first, and nobody else's", async () => {
    const { world, owner, stranger, chatroom } = await setUp();
    world.clock.advance(1_000);
    const newer = await new CreateChatroom(world).execute({ userId: owner.id, title: 'Newer' });
    await new CreateChatroom(world).execute({ userId: stranger.id });
    expect(await new ListChatrooms(world).execute({ userId: owner.id })).toEqual({
      chatrooms: [newer, chatroom],
      fromCache: false,
    });
  });
});

describe('GetChatroom', () => {
  it('returns the chatroom with its latest 50 messages, oldest first, and whether older ones exist', async () => {
    const { world, owner, chatroom } = await setUp();
    const messages = await givenMessages(world, chatroom.id, 26);
    const result = await new GetChatroom(world).execute({ userId: owner.id, chatroomId: chatroom.id });
    expect(result.chatroom).toEqual(chatroom);
    expect(result.messages.map((message) => message.id)).toEqual(
      messages.slice(2).map((message) => message.id),
    );
    expect(result.hasMore).toBe(true);
  });

  it("answers not found for another user's chatroom, an unknown id and a non-UUID id", async () => {
    const { world, stranger, owner, chatroom } = await setUp();
    const get = new GetChatroom(world);
    await expect(get.execute({ userId: stranger.id, chatroomId: chatroom.id })).rejects.toBeInstanceOf(
      ChatroomNotFound,
    );
    await expect(get.execute({ userId: owner.id, chatroomId: sequentialId(999) })).rejects.toBeInstanceOf(
      ChatroomNotFound,
    );
    await expect(get.execute({ userId: owner.id, chatroomId: 'not-a-uuid' })).rejects.toBeInstanceOf(
      ChatroomNotFound,
    );
  });
});

describe('RenameChatroom', () => {
  it('renames the chatroom of its owner', async () => {
    const { world, owner, chatroom } = await setUp();
    world.clock.advance(5_000);
    const renamed = await new RenameChatroom(world).execute({
      userId: owner.id,
      chatroomId: chatroom.id,
      title: 'Plans',
    });
    expect(renamed).toMatchObject({
      title: 'Plans',
      updatedAt: world.clock.now(),
      createdAt: chatroom.createdAt,
    });
    expect((await world.chatrooms.findById(chatroom.id))?.title).toBe('Plans');
  });

  it("refuses someone else's chatroom and a bad title", async () => {
    const { world, owner, stranger, chatroom } = await setUp();
    const rename = new RenameChatroom(world);
    await expect(
      rename.execute({ userId: stranger.id, chatroomId: chatroom.id, title: 'Mine' }),
    ).rejects.toBeInstanceOf(ChatroomNotFound);
    await expect(
      rename.execute({ userId: owner.id, chatroomId: chatroom.id, title: '' }),
    ).rejects.toBeInstanceOf(ValidationFailed);
    expect((await world.chatrooms.findById(chatroom.id))?.title).toBe('Ideas');
  });
});

describe('DeleteChatroom', () => {
  it('deletes the chatroom with its messages for its owner only', async () => {
    const { world, owner, stranger, chatroom } = await setUp();
    const [message] = await givenMessages(world, chatroom.id, 1);
    const remove = new DeleteChatroom(world);
    await expect(remove.execute({ userId: stranger.id, chatroomId: chatroom.id })).rejects.toBeInstanceOf(
      ChatroomNotFound,
    );
    await remove.execute({ userId: owner.id, chatroomId: chatroom.id });
    expect(await world.chatrooms.findById(chatroom.id)).toBeNull();
    expect(await world.messages.findById(message!.id)).toBeNull();
    await expect(remove.execute({ userId: owner.id, chatroomId: chatroom.id })).rejects.toBeInstanceOf(
      ChatroomNotFound,
    );
    await expect(remove.execute({ userId: owner.id, chatroomId: 'nope' })).rejects.toBeInstanceOf(
      ChatroomNotFound,
    );
  });
});

describe('ListMessages and GetMessage', () => {
  it('pages backwards from a message', async () => {
    const { world, owner, chatroom } = await setUp();
    const messages = await givenMessages(world, chatroom.id, 5);
    const list = new ListMessages(world);
    const latest = await list.execute({ userId: owner.id, chatroomId: chatroom.id, limit: 4 });
    expect(latest.messages.map((message) => message.id)).toEqual(
      messages.slice(6).map((message) => message.id),
    );
    const older = await list.execute({
      userId: owner.id,
      chatroomId: chatroom.id,
      limit: 4,
      before: messages[6]!.id,
    });
    expect(older.messages.map((message) => message.id)).toEqual(
      messages.slice(2, 6).map((message) => message.id),
    );
    expect(older.hasMore).toBe(true);
  });

  it.each([0, 101, -1])('refuses the page size %s, outside 1..100', async (limit) => {
    const { world, owner, chatroom } = await setUp();
    await expect(
      new ListMessages(world).execute({ userId: owner.id, chatroomId: chatroom.id, limit }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'limit' }] });
  });

  it('refuses a cursor that is not a message of this chatroom', async () => {
    const { world, owner, chatroom } = await setUp();
    const other = await new CreateChatroom(world).execute({ userId: owner.id });
    const [foreign] = await givenMessages(world, other.id, 1);
    const list = new ListMessages(world);
    for (const before of [foreign!.id, 'not-a-uuid']) {
      await expect(list.execute({ userId: owner.id, chatroomId: chatroom.id, before })).rejects.toMatchObject(
        {
          code: 'VALIDATION_FAILED',
          errors: [{ path: 'before' }],
        },
      );
    }
  });

  it("refuses to list someone else's chatroom", async () => {
    const { world, stranger, chatroom } = await setUp();
    await expect(
      new ListMessages(world).execute({ userId: stranger.id, chatroomId: chatroom.id }),
    ).rejects.toBeInstanceOf(ChatroomNotFound);
  });

  it('gets one message of the chatroom, and not one of another chatroom', async () => {
    const { world, owner, chatroom } = await setUp();
    const [, reply] = await givenMessages(world, chatroom.id, 1);
    const other = await new CreateChatroom(world).execute({ userId: owner.id });
    const get = new GetMessage(world);
    expect(await get.execute({ userId: owner.id, chatroomId: chatroom.id, messageId: reply!.id })).toEqual(
      reply,
    );
    await expect(
      get.execute({ userId: owner.id, chatroomId: other.id, messageId: reply!.id }),
    ).rejects.toBeInstanceOf(MessageNotFound);
  });
});
