import { afterEach, beforeEach } from 'vitest';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { User } from '#domain/user/user.ts';
import { aChatroom, anExchange, aUser, BUILT_AT } from '#test/support/builders.ts';
import type { PersistenceFixture } from './fixtures.ts';

/** A persistence contract's implementation under test, fresh for each test of the enclosing describe. */
export type MakePersistence = () => Promise<PersistenceFixture>;

/** `seconds` after BUILT_AT. */
export function at(seconds: number): Date {
  return new Date(BUILT_AT.getTime() + seconds * 1000);
}

/**
 * Makes a fresh fixture before each test of the enclosing describe and closes it after; `current()` is the
 * test's fixture. Read-backs go through `current().reopen()`.
 */
export function eachTestOn(make: MakePersistence): () => PersistenceFixture {
  let fixture: PersistenceFixture | undefined;
  beforeEach(async () => {
    fixture = await make();
  });
  afterEach(async () => {
    await fixture?.close();
  });
  return () => fixture!;
}

/** The rows a contract test starts from, stored through the test's own repositories. */
export function givens(current: () => PersistenceFixture) {
  async function givenUser(overrides: Parameters<typeof aUser>[0] = {}): Promise<User> {
    const user = aUser(overrides);
    await current().users.create(user);
    return user;
  }

  async function givenChatroom(ownerId?: string, createdAt = BUILT_AT): Promise<Chatroom> {
    const chatroom = aChatroom({ ownerId: ownerId ?? (await givenUser()).id, createdAt });
    await current().chatrooms.create(chatroom);
    return chatroom;
  }

  /** Stores `count` exchanges one second apart and returns their messages in order. */
  async function givenExchanges(chatroomId: string, count: number, start = 0) {
    const exchanges = [];
    for (let i = 0; i < count; i++) {
      const exchange = anExchange({ chatroomId, content: `prompt ${start + i}`, now: at(start + i) });
      await current().messages.addExchange(exchange.prompt, exchange.reply);
      exchanges.push(exchange);
    }
    return exchanges;
  }

  return { givenUser, givenChatroom, givenExchanges };
}

/** Strings that name no row: an id column takes only UUIDs, and each repository answers "not found" for these. */
export const NOT_UUIDS = ['not-a-uuid', '', "1' or '1'='1", '00000000-0000-7000-8000-00000000000g'];
