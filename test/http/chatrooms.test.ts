import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInUser, startTestApp, type TestApp, type TestClient } from '#test/support/http.ts';
import { anIsoTime, aUuid, expectInvalidField, expectProblem } from './helpers.ts';

const UNKNOWN_ID = '01900000-0000-7000-8000-00000000beef';

let app: TestApp;
let client: TestClient;
beforeAll(async () => {
  app = await startTestApp({ env: { BASIC_DAILY_LIMIT: '100' } });
  client = app.client;
});
afterAll(() => app.close());

async function createRoom(token: string, title?: string) {
  const response = await client.post('/chatroom', title === undefined ? {} : { title }, { token });
  expect(response.status).toBe(201);
  return response.body as { id: string; title: string; createdAt: string; updatedAt: string };
}

/** Sends `count` prompts; returns every message of the exchanges, in the order they were written. */
async function converse(token: string, chatroomId: string, count: number, from = 1) {
  const written: { id: string; content: string; role: string }[] = [];
  for (let n = from; n < from + count; n++) {
    const sent = await client.post(`/chatroom/${chatroomId}/message`, { content: `prompt ${n}` }, { token });
    expect(sent.status).toBe(201);
    written.push(sent.body.message, sent.body.reply);
  }
  return written;
}

const idsOf = (messages: { id: string }[]) => messages.map((message) => message.id);

describe('POST /chatroom', () => {
  it('creates a chatroom: 201 Chatroom', async () => {
    const { token } = await signedInUser(client);

    const response = await client.post('/chatroom', { title: 'Trip ideas' }, { token });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: aUuid,
      title: 'Trip ideas',
      createdAt: anIsoTime,
      updatedAt: anIsoTime,
    });
    expect(response.body.updatedAt).toBe(response.body.createdAt);
  });

  it('defaults the title to "New chat", with or without a body', async () => {
    const { token } = await signedInUser(client);

    const empty = await client.post('/chatroom', {}, { token });
    const bodiless = await client.post('/chatroom', undefined, { token });

    expect(empty.status).toBe(201);
    expect(empty.body.title).toBe('New chat');
    expect(bodiless.status).toBe(201);
    expect(bodiless.body.title).toBe('New chat');
  });

  it('trims the title and accepts up to 100 characters', async () => {
    const { token } = await signedInUser(client);

    expect((await createRoom(token, '   Ideas \n')).title).toBe('Ideas');
    expect((await createRoom(token, 't'.repeat(100))).title).toBe('t'.repeat(100));
    expect((await createRoom(token, `  ${'t'.repeat(100)}  `)).title).toBe('t'.repeat(100));
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['101 characters', 't'.repeat(101)],
    ['a number', 42],
    ['null', null],
  ])('answers 400 for a title that is %s', async (_, title) => {
    const { token } = await signedInUser(client);

    expectInvalidField(await client.post('/chatroom', { title }, { token }), 'title');
    expect((await client.get('/chatroom', { token })).body.chatrooms).toEqual([]);
  });
});

describe('GET /chatroom', () => {
  it('lists only the caller’s chatrooms, newest first', async () => {
    const { token } = await signedInUser(client);
    const other = await signedInUser(client);
    await createRoom(other.token, 'Not yours');
    const first = await createRoom(token, 'First');
    const second = await createRoom(token, 'Second');
    const third = await createRoom(token, 'Third');

    const response = await client.get('/chatroom', { token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ chatrooms: [third, second, first] });
  });

  it('serves a repeated list from the cache: X-Cache MISS, then HIT', async () => {
    const { token } = await signedInUser(client);
    await createRoom(token, 'Cached');

    const miss = await client.get('/chatroom', { token });
    const hit = await client.get('/chatroom', { token });

    expect(miss.headers.get('X-Cache')).toBe('MISS');
    expect(hit.headers.get('X-Cache')).toBe('HIT');
    expect(hit.body).toEqual(miss.body);
  });

  it('drops the cached list at once on create, rename and delete', async () => {
    const { token } = await signedInUser(client);
    const kept = await createRoom(token, 'Kept');
    await client.get('/chatroom', { token });
    expect((await client.get('/chatroom', { token })).headers.get('X-Cache')).toBe('HIT');

    const added = await createRoom(token, 'Added');
    const afterCreate = await client.get('/chatroom', { token });
    expect(afterCreate.headers.get('X-Cache')).toBe('MISS');
    expect(afterCreate.body.chatrooms.map((room: { title: string }) => room.title)).toEqual([
      'Added',
      'Kept',
    ]);
    expect((await client.get('/chatroom', { token })).headers.get('X-Cache')).toBe('HIT');

    expect((await client.patch(`/chatroom/${kept.id}`, { title: 'Renamed' }, { token })).status).toBe(200);
    const afterRename = await client.get('/chatroom', { token });
    expect(afterRename.headers.get('X-Cache')).toBe('MISS');
    expect(afterRename.body.chatrooms.map((room: { title: string }) => room.title)).toEqual([
      'Added',
      'Renamed',
    ]);
    expect((await client.get('/chatroom', { token })).headers.get('X-Cache')).toBe('HIT');

    expect((await client.delete(`/chatroom/${added.id}`, { token })).status).toBe(204);
    const afterDelete = await client.get('/chatroom', { token });
    expect(afterDelete.headers.get('X-Cache')).toBe('MISS');
    expect(afterDelete.body.chatrooms.map((room: { id: string }) => room.id)).toEqual([kept.id]);
  });

  it('never serves one user’s cached list to another', async () => {
    const alice = await signedInUser(client);
    const bob = await signedInUser(client);
    await createRoom(alice.token, 'Alice only');
    await client.get('/chatroom', { token: alice.token });
    expect((await client.get('/chatroom', { token: alice.token })).headers.get('X-Cache')).toBe('HIT');

    const bobs = await client.get('/chatroom', { token: bob.token });

    expect(bobs.headers.get('X-Cache')).toBe('MISS');
    expect(bobs.body).toEqual({ chatrooms: [] });
    const bobsAgain = await client.get('/chatroom', { token: bob.token });
    expect(bobsAgain.headers.get('X-Cache')).toBe('HIT');
    expect(bobsAgain.body).toEqual({ chatrooms: [] });
  });

  it('is not invalidated by another user’s writes', async () => {
    const alice = await signedInUser(client);
    const bob = await signedInUser(client);
    await client.get('/chatroom', { token: alice.token });

    await createRoom(bob.token, 'Bob only');

    expect((await client.get('/chatroom', { token: alice.token })).headers.get('X-Cache')).toBe('HIT');
  });
});

describe('GET /chatroom/:id', () => {
  it('answers the chatroom with no messages yet', async () => {
    const { token } = await signedInUser(client);
    const room = await createRoom(token, 'Empty');

    const response = await client.get(`/chatroom/${room.id}`, { token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...room, messages: [], hasMore: false });
  });

  it('holds the latest 50 messages, oldest first, and tells whether older ones exist', async () => {
    const { token } = await signedInUser(client);
    const room = await createRoom(token, 'Busy');
    const written = await converse(token, room.id, 25);

    const exactlyFifty = await client.get(`/chatroom/${room.id}`, { token });
    expect(exactlyFifty.body.hasMore).toBe(false);
    expect(idsOf(exactlyFifty.body.messages)).toEqual(idsOf(written));

    written.push(...(await converse(token, room.id, 1, 26)));
    const response = await client.get(`/chatroom/${room.id}`, { token });

    expect(response.status).toBe(200);
    expect(response.body.hasMore).toBe(true);
    expect(response.body.messages).toHaveLength(50);
    expect(idsOf(response.body.messages)).toEqual(idsOf(written.slice(2)));
    expect(response.body.messages[0]).toMatchObject({ role: 'user', content: 'prompt 2' });
    expect(response.body.messages.at(-1)).toEqual({
      id: aUuid,
      chatroomId: room.id,
      role: 'model',
      content: '(offline model) You said: prompt 26',
      status: 'completed',
      error: null,
      tokens: { prompt: expect.any(Number), output: expect.any(Number), total: expect.any(Number) },
      createdAt: anIsoTime,
    });
  });

  it('answers 404 for an unknown, non-UUID or someone else’s chatroom', async () => {
    const { token } = await signedInUser(client);
    const stranger = await signedInUser(client);
    const room = await createRoom(stranger.token, 'Theirs');

    expectProblem(await client.get(`/chatroom/${UNKNOWN_ID}`, { token }), 404, 'NOT_FOUND');
    expectProblem(await client.get('/chatroom/abc', { token }), 404, 'NOT_FOUND');
    expectProblem(await client.get(`/chatroom/${room.id}`, { token }), 404, 'NOT_FOUND');
  });
});

describe('GET /chatroom/:id/messages', () => {
  let token: string;
  let room: { id: string };
  let written: { id: string }[];
  beforeAll(async () => {
    ({ token } = await signedInUser(client));
    room = await createRoom(token, 'Paged');
    written = await converse(token, room.id, 26);
  });

  it('defaults to the latest 50, oldest first', async () => {
    const response = await client.get(`/chatroom/${room.id}/messages`, { token });

    expect(response.status).toBe(200);
    expect(response.body.hasMore).toBe(true);
    expect(idsOf(response.body.messages)).toEqual(idsOf(written.slice(-50)));
  });

  it('pages back with ?before and ?limit until hasMore is false', async () => {
    const pages: { id: string }[][] = [];
    let before: string | undefined;
    let hasMore = true;
    while (hasMore) {
      const query = before ? `?limit=20&before=${before}` : '?limit=20';
      const page = await client.get(`/chatroom/${room.id}/messages${query}`, { token });
      expect(page.status).toBe(200);
      pages.unshift(page.body.messages);
      hasMore = page.body.hasMore;
      before = page.body.messages[0]?.id;
    }

    expect(pages.map((page) => page.length)).toEqual([12, 20, 20]);
    expect(idsOf(pages.flat())).toEqual(idsOf(written));
  });

  it('says hasMore false when the page reaches the first message exactly', async () => {
    const response = await client.get(`/chatroom/${room.id}/messages?limit=2&before=${written[2]!.id}`, {
      token,
    });

    expect(idsOf(response.body.messages)).toEqual(idsOf(written.slice(0, 2)));
    expect(response.body.hasMore).toBe(false);
  });

  it.each(['0', '101', 'abc', '1.5', '-1'])('answers 400 for limit=%s', async (limit) => {
    expectInvalidField(await client.get(`/chatroom/${room.id}/messages?limit=${limit}`, { token }), 'limit');
  });

  it('accepts limit=1 and limit=100', async () => {
    const one = await client.get(`/chatroom/${room.id}/messages?limit=1`, { token });
    const hundred = await client.get(`/chatroom/${room.id}/messages?limit=100`, { token });

    expect(idsOf(one.body.messages)).toEqual([written.at(-1)!.id]);
    expect(one.body.hasMore).toBe(true);
    expect(hundred.body.messages).toHaveLength(52);
    expect(hundred.body.hasMore).toBe(false);
  });

  it('answers 400 for a before that is not a message id of this chatroom', async () => {
    const elsewhere = await createRoom(token, 'Elsewhere');
    const [foreign] = await converse(token, elsewhere.id, 1);

    expectInvalidField(
      await client.get(`/chatroom/${room.id}/messages?before=not-a-uuid`, { token }),
      'before',
    );
    expectInvalidField(
      await client.get(`/chatroom/${room.id}/messages?before=${foreign!.id}`, { token }),
      'before',
    );
  });

  it('answers 404 for a chatroom that is not the caller’s', async () => {
    const stranger = await signedInUser(client);

    expectProblem(
      await client.get(`/chatroom/${room.id}/messages`, { token: stranger.token }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await client.get(`/chatroom/${UNKNOWN_ID}/messages`, { token }), 404, 'NOT_FOUND');
  });
});

describe('GET /chatroom/:id/messages/:messageId', () => {
  it('answers one message', async () => {
    const { token } = await signedInUser(client);
    const room = await createRoom(token);
    const [prompt, reply] = await converse(token, room.id, 1);

    const response = await client.get(`/chatroom/${room.id}/messages/${reply!.id}`, { token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual(reply);
    expect((await client.get(`/chatroom/${room.id}/messages/${prompt!.id}`, { token })).body).toEqual(prompt);
  });

  it('answers 404 for a message of another chatroom, an unknown id, or a chatroom not the caller’s', async () => {
    const { token } = await signedInUser(client);
    const stranger = await signedInUser(client);
    const room = await createRoom(token);
    const other = await createRoom(token);
    const [, reply] = await converse(token, other.id, 1);

    expectProblem(
      await client.get(`/chatroom/${room.id}/messages/${reply!.id}`, { token }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await client.get(`/chatroom/${room.id}/messages/${UNKNOWN_ID}`, { token }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await client.get(`/chatroom/${other.id}/messages/${reply!.id}`, { token: stranger.token }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('PATCH /chatroom/:id', () => {
  it('renames (trimmed) and answers 200 Chatroom with a newer updatedAt', async () => {
    const { token } = await signedInUser(client);
    const room = await createRoom(token, 'Old');

    const response = await client.patch(`/chatroom/${room.id}`, { title: '  New name  ' }, { token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: room.id,
      title: 'New name',
      createdAt: room.createdAt,
      updatedAt: anIsoTime,
    });
    expect(Date.parse(response.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(room.updatedAt));
    expect((await client.get(`/chatroom/${room.id}`, { token })).body.title).toBe('New name');
  });

  it.each([
    ['missing', {}],
    ['empty', { title: '' }],
    ['blank', { title: '  ' }],
    ['101 characters', { title: 'x'.repeat(101) }],
  ])('answers 400 for a title that is %s, and keeps the old one', async (_, body) => {
    const { token } = await signedInUser(client);
    const room = await createRoom(token, 'Keep me');

    expectInvalidField(await client.patch(`/chatroom/${room.id}`, body, { token }), 'title');
    expect((await client.get(`/chatroom/${room.id}`, { token })).body.title).toBe('Keep me');
  });

  it('answers 404 for an unknown, non-UUID or someone else’s chatroom, and renames nothing', async () => {
    const { token } = await signedInUser(client);
    const owner = await signedInUser(client);
    const room = await createRoom(owner.token, 'Theirs');

    expectProblem(await client.patch(`/chatroom/${UNKNOWN_ID}`, { title: 'x' }, { token }), 404, 'NOT_FOUND');
    expectProblem(await client.patch('/chatroom/nope', { title: 'x' }, { token }), 404, 'NOT_FOUND');
    expectProblem(
      await client.patch(`/chatroom/${room.id}`, { title: 'Hijacked' }, { token }),
      404,
      'NOT_FOUND',
    );
    expect((await client.get(`/chatroom/${room.id}`, { token: owner.token })).body.title).toBe('Theirs');
  });
});

describe('DELETE /chatroom/:id', () => {
  it('answers 204 with no body; then the chatroom and its messages are gone (404)', async () => {
    const { token } = await signedInUser(client);
    const room = await createRoom(token, 'Doomed');
    const [, reply] = await converse(token, room.id, 1);

    const response = await client.delete(`/chatroom/${room.id}`, { token });

    expect(response.status).toBe(204);
    expect(response.body).toBe('');
    expectProblem(await client.get(`/chatroom/${room.id}`, { token }), 404, 'NOT_FOUND');
    expectProblem(await client.get(`/chatroom/${room.id}/messages`, { token }), 404, 'NOT_FOUND');
    expectProblem(
      await client.get(`/chatroom/${room.id}/messages/${reply!.id}`, { token }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await client.delete(`/chatroom/${room.id}`, { token }), 404, 'NOT_FOUND');
  });

  it('answers 404 for someone else’s chatroom and deletes nothing', async () => {
    const { token } = await signedInUser(client);
    const owner = await signedInUser(client);
    const room = await createRoom(owner.token, 'Theirs');

    expectProblem(await client.delete(`/chatroom/${room.id}`, { token }), 404, 'NOT_FOUND');
    expectProblem(await client.delete('/chatroom/42', { token }), 404, 'NOT_FOUND');
    expect((await client.get(`/chatroom/${room.id}`, { token: owner.token })).status).toBe(200);
  });
});

describe('someone else’s chatroom', () => {
  it('answers 404 to sending a message into it, and stores nothing', async () => {
    const { token } = await signedInUser(client);
    const owner = await signedInUser(client);
    const room = await createRoom(owner.token, 'Theirs');

    expectProblem(
      await client.post(`/chatroom/${room.id}/message`, { content: 'hi' }, { token }),
      404,
      'NOT_FOUND',
    );
    expect((await client.get(`/chatroom/${room.id}`, { token: owner.token })).body.messages).toEqual([]);
    expect((await client.get('/user/me', { token })).body.usage.used).toBe(0);
  });
});
