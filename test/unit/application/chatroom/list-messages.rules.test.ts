import { describe, expect, it } from 'vitest';
import { CreateChatroom } from '#application/chatroom/create-chatroom.ts';
import { ListMessages } from '#application/chatroom/list-messages.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

async function setUp() {
  const world = aWorld();
  const owner = await givenUser(world);
  const chatroom = await new CreateChatroom(world).execute({ userId: owner.id });
  const list = (input: { limit?: number; before?: string }) =>
    new ListMessages(world).execute({ userId: owner.id, chatroomId: chatroom.id, ...input });
  return { list };
}

describe('ListMessages rules tell the client what a valid page is', () => {
  it('states the page size range', async () => {
    const { list } = await setUp();
    await expect(list({ limit: 101 })).rejects.toMatchObject({
      errors: [{ path: 'limit', message: expect.stringContaining('1 to 100') }],
    });
  });

  it('accepts the edges of the range', async () => {
    const { list } = await setUp();
    await expect(list({ limit: 1 })).resolves.toMatchObject({ messages: [] });
    await expect(list({ limit: 100 })).resolves.toMatchObject({ messages: [] });
  });

  it('says a cursor must be a message of this chatroom', async () => {
    const { list } = await setUp();
    await expect(list({ before: '0190a000-0000-7000-8000-000000000000' })).rejects.toMatchObject({
      errors: [{ path: 'before', message: expect.stringContaining('message in this chatroom') }],
    });
  });
});
