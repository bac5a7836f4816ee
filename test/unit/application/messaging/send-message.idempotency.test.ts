import { afterEach, describe, expect, it, vi } from 'vitest';
import { SendMessage } from '#application/messaging/send-message.ts';
import type { IdempotencyKeys } from '#application/ports/idempotency-keys.ts';
import type { ReplyQueue } from '#application/ports/reply-queue.ts';
import { aChatroom } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

afterEach(() => {
  vi.useRealTimers();
});

const acceptingQueue: ReplyQueue = { enqueue: async () => {}, waitForOutcome: async () => 'timeout' };

async function setUp(around: (world: World) => { idempotencyKeys?: IdempotencyKeys } = () => ({})) {
  const world = aWorld({ quota: { basic: 1, pro: 0 } });
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const sendMessage = new SendMessage({ ...world, queue: acceptingQueue, ...around(world) });
  const send = (content: string, idempotencyKey?: string) =>
    sendMessage.execute({ userId: user.id, chatroomId: chatroom.id, content, mode: 'async', idempotencyKey });
  return { world, user, chatroom, send };
}

describe('SendMessage with an Idempotency-Key', () => {
  it('frees the key of a refused send, so a later send with it makes a new exchange', async () => {
    const { world, send } = await setUp();
    await send('first');
    await expect(send('over the quota', 'key-1')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });

    world.clock.advance(24 * 3600_000);
    const later = await send('next day', 'key-1');

    expect(later.message.content).toBe('next day');
  });

  it('still refuses the send when the key cannot be freed, and logs it', async () => {
    const storeDown = new Error('database down');
    const { world, user, send } = await setUp((world) => ({
      idempotencyKeys: Object.assign(Object.create(world.idempotencyKeys), {
        release: () => Promise.reject(storeDown),
      }),
    }));
    await send('first');

    await expect(send('over the quota', 'key-1')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });

    expect(world.logger.entries).toMatchObject([
      { level: 'error', fields: { err: storeDown, userId: user.id } },
    ]);
  });

  it('asks a repeat to retry shortly when the first request has not stored its exchange within 5 seconds', async () => {
    const { world, user, chatroom, send } = await setUp();
    await world.idempotencyKeys.claim({
      userId: user.id,
      key: 'key-1',
      chatroomId: chatroom.id,
      promptId: 'never-stored-prompt',
      replyId: 'never-stored-reply',
      createdAt: world.clock.now(),
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });

    const repeat = send('Hi', 'key-1');
    const outcome = expect(repeat).rejects.toMatchObject({
      service: 'database',
      retryAfterSeconds: 1,
      message: expect.stringMatching(/still running/),
    });
    await vi.advanceTimersByTimeAsync(4_900);
    await expect(
      Promise.race([
        repeat.then(
          () => 'answered',
          () => 'answered',
        ),
        'waiting',
      ]),
    ).resolves.toBe('waiting');
    await vi.advanceTimersByTimeAsync(200);
    await outcome;
  });

  it('tells the user a key used for another message needs a new key', async () => {
    const { send } = await setUp();
    await send('first', 'key-1');
    await expect(send('something else', 'key-1')).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_MISMATCH',
      message: expect.stringMatching(/use a new key/),
    });
  });
});
