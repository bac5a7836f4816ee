import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FollowReply, STORED_CHECK_MS, storedOutcome } from '#application/messaging/follow-reply.ts';
import type { LoggedReplyEvent } from '#application/ports/reply-events.ts';
import { aChatroom, aMessage, anExchange } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

afterEach(() => {
  vi.useRealTimers();
});

async function setUp() {
  const world = aWorld();
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const { prompt, reply } = anExchange({ chatroomId: chatroom.id, now: world.clock.now() });
  await world.messages.addExchange(prompt, reply);
  const follow = (input: { lastEventId?: string } = {}) =>
    new FollowReply(world).execute({
      userId: user.id,
      chatroomId: chatroom.id,
      messageId: reply.id,
      ...input,
    });
  return { world, user, chatroom, prompt, reply, follow };
}

async function collect(events: AsyncIterable<LoggedReplyEvent>): Promise<LoggedReplyEvent[]> {
  const collected: LoggedReplyEvent[] = [];
  for await (const entry of events) collected.push(entry);
  return collected;
}

function typesOf(entries: LoggedReplyEvent[]) {
  return entries.map((entry) => entry.event);
}

/** Lets the follower's pending reads settle (the in-process log answers within microtasks). */
async function settle(world: World) {
  await world.events.read('none');
  await new Promise((resolve) => setImmediate(resolve));
}

describe('FollowReply of an ended reply', () => {
  it('replays a completed reply at once: a new attempt, its whole text, its finish with the tokens', async () => {
    const { world, reply, follow } = await setUp();
    const tokens = { promptTokens: 1, candidateTokens: 2, totalTokens: 3 };
    await world.messages.complete(reply.id, 'The whole answer', tokens);

    const following = await follow();

    expect(await collect(following.events(new AbortController().signal))).toEqual([
      { id: 'stored-1', event: { type: 'attempt' } },
      { id: 'stored-2', event: { type: 'delta', text: 'The whole answer' } },
      { id: 'stored-3', event: { type: 'finish', finishReason: 'stop', tokens } },
    ]);
    expect(following.reply).toMatchObject({ id: reply.id, status: 'completed' });
  });

  it('sends no text for a reply that ended without any', async () => {
    const { world, reply, follow } = await setUp();
    await world.messages.stop(reply.id, '');

    const following = await follow();

    expect(typesOf(await collect(following.events(new AbortController().signal)))).toEqual([
      { type: 'attempt' },
      { type: 'abort' },
    ]);
  });

  it('ends a failed reply with its error, and a stopped one with an abort after the text it kept', async () => {
    const failed = aMessage({
      role: 'model',
      status: 'failed',
      error: 'The model is overloaded',
      content: '',
    });
    expect(typesOf(await collect(storedOutcome(failed)))).toEqual([
      { type: 'attempt' },
      { type: 'error', error: 'The model is overloaded' },
    ]);
    const stopped = aMessage({ role: 'model', status: 'stopped', content: 'Half an' });
    expect(typesOf(await collect(storedOutcome(stopped)))).toEqual([
      { type: 'attempt' },
      { type: 'delta', text: 'Half an' },
      { type: 'abort' },
    ]);
  });

  it('gives a failed reply without a stored reason a generic one', async () => {
    const failed = aMessage({ role: 'model', status: 'failed', error: null, content: '' });
    expect(typesOf(await collect(storedOutcome(failed))).at(-1)).toEqual({
      type: 'error',
      error: 'The reply failed',
    });
  });
});

describe('FollowReply of a pending reply', () => {
  it('says whether the client resumes after an event it already has', async () => {
    const { follow } = await setUp();
    expect((await follow()).resumed).toBe(false);
    expect((await follow({ lastEventId: '0-1' })).resumed).toBe(true);
  });

  it('follows the event log live to the end event', async () => {
    const { world, reply, follow } = await setUp();
    const following = await follow();
    const events = collect(following.events(new AbortController().signal));

    await world.events.append(reply.id, [{ type: 'attempt' }, { type: 'delta', text: 'Hi' }]);
    await world.events.append(reply.id, [{ type: 'finish', finishReason: 'stop', tokens: null }]);

    expect(typesOf(await events)).toEqual([
      { type: 'attempt' },
      { type: 'delta', text: 'Hi' },
      { type: 'finish', finishReason: 'stop', tokens: null },
    ]);
  });

  it.each([
    ['an error', { type: 'error', error: 'The model is unavailable right now' }],
    ['an abort', { type: 'abort' }],
  ] as const)('ends a live follow at %s', async (_case, end) => {
    const { world, reply, follow } = await setUp();
    const following = await follow();
    const events = collect(following.events(new AbortController().signal));

    await world.events.append(reply.id, [{ type: 'attempt' }, end]);

    const outcome = await Promise.race([
      events,
      new Promise((resolve) => setTimeout(() => resolve('still following'), 1_000)),
    ]);
    expect(outcome).toMatchObject([{ event: { type: 'attempt' } }, { event: end }]);
  });

  it('stops following when the client goes away', async () => {
    const { world, reply, follow } = await setUp();
    const client = new AbortController();
    const following = await follow();
    const events = collect(following.events(client.signal));
    await world.events.append(reply.id, [{ type: 'attempt' }]);
    await settle(world);

    client.abort();

    const outcome = await Promise.race([
      events,
      new Promise((resolve) => setTimeout(() => resolve('still following'), 1_000)),
    ]);
    expect(outcome).toEqual([{ id: expect.any(String), event: { type: 'attempt' } }]);
  });

  it('finishes with the stored reply when its end never reaches the event log', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { world, reply, follow } = await setUp();
    const following = await follow();
    const events = collect(following.events(new AbortController().signal));
    await world.events.append(reply.id, [{ type: 'attempt' }, { type: 'delta', text: 'Hel' }]);

    await vi.advanceTimersByTimeAsync(STORED_CHECK_MS);
    await world.messages.complete(reply.id, 'Hello', null);
    await vi.advanceTimersByTimeAsync(STORED_CHECK_MS);

    expect(typesOf(await events)).toEqual([
      { type: 'attempt' },
      { type: 'delta', text: 'Hel' },
      { type: 'attempt' },
      { type: 'delta', text: 'Hello' },
      { type: 'finish', finishReason: 'stop', tokens: null },
    ]);
  });

  it('stops checking the stored reply once the stream has ended', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { world, reply, follow } = await setUp();
    const reads = vi.spyOn(world.messages, 'findById');
    const following = await follow();
    const events = collect(following.events(new AbortController().signal));
    await world.events.append(reply.id, [{ type: 'abort' }]);
    await events;
    reads.mockClear();

    await vi.advanceTimersByTimeAsync(3 * STORED_CHECK_MS);

    expect(reads).not.toHaveBeenCalled();
  });

  it('stops checking the stored reply when the client leaves during a check', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { world, follow } = await setUp();
    const read = Promise.withResolvers<null>();
    const reads = vi.spyOn(world.messages, 'findById').mockImplementation(() => read.promise);
    const client = new AbortController();
    const following = await follow();
    const events = collect(following.events(client.signal));
    await vi.advanceTimersByTimeAsync(STORED_CHECK_MS);
    expect(reads).toHaveBeenCalledTimes(1);

    client.abort();
    await events;
    // The check that was in flight comes back with the reply still pending: it must not plan another one.
    read.resolve(null);
    await vi.advanceTimersByTimeAsync(3 * STORED_CHECK_MS);

    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('ends quietly when the log closes before the end while the stored reply is still pending', async () => {
    const { world, follow } = await setUp();
    vi.spyOn(world.events, 'follow').mockImplementation(async function* () {});
    const following = await follow();

    expect(await collect(following.events(new AbortController().signal))).toEqual([]);
  });

  it("leaves no listener on the caller's signal once the follow has ended", async () => {
    const { world, reply, follow } = await setUp();
    const client = new AbortController();
    const following = await follow();
    const events = collect(following.events(client.signal));
    await settle(world);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(1);

    await world.events.append(reply.id, [{ type: 'abort' }]);
    await events;

    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });
});
