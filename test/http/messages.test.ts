import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aCheckoutCompleted } from '#adapters/payments/stripe-events.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { FixedClock } from '#test/support/clock.ts';
import {
  replace,
  signedInUser,
  startTestApp,
  type TestApp,
  type TestAppOptions,
  type TestClient,
} from '#test/support/http.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import {
  anIsoTime,
  aUuid,
  deliverEvent,
  expectInvalidField,
  expectProblem,
  expectUnauthorized,
  GatedLanguageModel,
  pollUntil,
} from './helpers.ts';

/** 22:00 UTC: two hours to the quota reset. */
const EVENING = '2026-11-23T22:00:00.000Z';
const SECONDS_TO_MIDNIGHT = '7200';

let app: TestApp;
let client: TestClient;
let clock: FixedClock;
beforeAll(async () => {
  clock = new FixedClock(EVENING);
  app = await startTestApp({ overrides: [replace(TOKENS.Clock, clock)] });
  client = app.client;
});
afterAll(() => app.close());

/** Apps a single test starts with its own configuration; closed after it. */
const started: TestApp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((each) => each.close()));
});
async function startOwnApp(options: TestAppOptions = {}) {
  const own = await startTestApp({ ...options, env: { REPLY_BACKOFF_MS: '5', ...options.env } });
  started.push(own);
  return own;
}

/** A signed-in Basic user with one chatroom. */
async function userWithRoom(on: TestClient = client) {
  const user = await signedInUser(on);
  const room = await on.post('/chatroom', { title: 'Chat' }, { token: user.token });
  return { ...user, roomId: room.body.id as string };
}

function send(
  on: TestClient,
  token: string,
  roomId: string,
  content: unknown,
  headers: Record<string, string> = {},
) {
  return on.post(`/chatroom/${roomId}/message`, { content }, { token, headers });
}

function quotaHeaders(response: { headers: Headers }) {
  return {
    limit: response.headers.get('RateLimit-Limit'),
    remaining: response.headers.get('RateLimit-Remaining'),
    reset: response.headers.get('RateLimit-Reset'),
  };
}

describe('POST /chatroom/:id/message', () => {
  it('answers 201 with the prompt and the completed reply of the model', async () => {
    const { token, roomId } = await userWithRoom();

    const response = await send(client, token, roomId, '  What is a quota?  ');

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      message: {
        id: aUuid,
        chatroomId: roomId,
        role: 'user',
        content: 'What is a quota?',
        status: 'completed',
        error: null,
        createdAt: EVENING,
      },
      reply: {
        id: aUuid,
        chatroomId: roomId,
        role: 'model',
        content: '(offline model) You said: What is a quota?',
        status: 'completed',
        error: null,
        tokens: { prompt: 4, output: 11, total: 15 },
        createdAt: anIsoTime,
      },
    });
    const stored = await client.get(`/chatroom/${roomId}/messages/${response.body.reply.id}`, { token });
    expect(stored.body).toEqual(response.body.reply);
  });

  it('carries RateLimit-Limit, -Remaining and -Reset (seconds to the UTC midnight)', async () => {
    const { token, roomId } = await userWithRoom();

    const first = await send(client, token, roomId, 'one');
    const second = await send(client, token, roomId, 'two');

    expect(quotaHeaders(first)).toEqual({ limit: '5', remaining: '4', reset: SECONDS_TO_MIDNIGHT });
    expect(quotaHeaders(second)).toEqual({ limit: '5', remaining: '3', reset: SECONDS_TO_MIDNIGHT });
    const me = await client.get('/user/me', { token });
    expect(me.body.usage).toEqual({ used: 2, limit: 5, remaining: 3, resetsAt: '2026-11-24T00:00:00.000Z' });
  });

  it('carries the quota headers on every answer to a signed-in send, 400 and 404 included', async () => {
    const { token, roomId } = await userWithRoom();
    await send(client, token, roomId, 'one');

    const notAString = await send(client, token, roomId, 42);
    const malformed = await client.request('POST', `/chatroom/${roomId}/message`, undefined, {
      token,
      raw: '{"content": ',
      headers: { 'Content-Type': 'application/json' },
    });
    const unknownRoom = await send(client, token, '019a6f0e-8b1e-7c2a-9d3e-3f4a5b6c7d8e', 'hello');

    expect([notAString.status, malformed.status, unknownRoom.status]).toEqual([400, 400, 404]);
    for (const response of [notAString, malformed, unknownRoom]) {
      expect(quotaHeaders(response)).toEqual({ limit: '5', remaining: '4', reset: SECONDS_TO_MIDNIGHT });
    }
  });

  it('accepts up to 8000 characters after trimming and refuses more with 400', async () => {
    const { token, roomId } = await userWithRoom();

    const longest = await send(client, token, roomId, 'x'.repeat(8000));
    const paddedLongest = await send(client, token, roomId, `  ${'y'.repeat(8000)}\n`);

    expect(longest.status).toBe(201);
    expect(longest.body.message.content).toHaveLength(8000);
    expect(paddedLongest.status).toBe(201);
    expect(paddedLongest.body.message.content).toBe('y'.repeat(8000));
    expectInvalidField(await send(client, token, roomId, 'z'.repeat(8001)), 'content');
  });

  it.each([
    ['empty', ''],
    ['blank', ' \n\t '],
    ['not a string', 42],
    ['missing', undefined],
  ])('answers 400 for content that is %s, and takes no quota', async (_, content) => {
    const { token, roomId } = await userWithRoom();

    expectInvalidField(await send(client, token, roomId, content), 'content');
    expect((await client.get('/user/me', { token })).body.usage.used).toBe(0);
    expect((await client.get(`/chatroom/${roomId}`, { token })).body.messages).toEqual([]);
  });

  it('answers 401 without a token and 404 for an unknown chatroom', async () => {
    const { token } = await userWithRoom();

    expectUnauthorized(
      await client.post('/chatroom/01900000-0000-7000-8000-000000000001/message', { content: 'hi' }),
    );
    expectProblem(await send(client, token, '01900000-0000-7000-8000-000000000001', 'hi'), 404, 'NOT_FOUND');
  });
});

describe('the daily quota', () => {
  it('refuses the 6th prompt of a Basic user with 429 QUOTA_EXCEEDED, Retry-After to midnight, storing nothing', async () => {
    const { token, roomId } = await userWithRoom();
    for (let sent = 1; sent <= 5; sent++)
      expect((await send(client, token, roomId, `prompt ${sent}`)).status).toBe(201);

    const sixth = await send(client, token, roomId, 'one too many');

    expectProblem(sixth, 429, 'QUOTA_EXCEEDED');
    expect(sixth.headers.get('Retry-After')).toBe(SECONDS_TO_MIDNIGHT);
    expect(quotaHeaders(sixth)).toEqual({ limit: '5', remaining: '0', reset: SECONDS_TO_MIDNIGHT });
    const room = await client.get(`/chatroom/${roomId}`, { token });
    expect(room.body.messages).toHaveLength(10);
    expect(room.body.messages.map((message: { content: string }) => message.content)).not.toContain(
      'one too many',
    );
    expect((await client.get('/user/me', { token })).body.usage).toMatchObject({ used: 5, remaining: 0 });
  });

  it('opens again at the next UTC midnight', async () => {
    const ownClock = new FixedClock('2026-11-23T23:59:00.000Z');
    const own = await startOwnApp({ overrides: [replace(TOKENS.Clock, ownClock)] });
    const { token, roomId } = await userWithRoom(own.client);
    for (let sent = 1; sent <= 5; sent++) await send(own.client, token, roomId, `prompt ${sent}`);
    const late = await send(own.client, token, roomId, 'late');
    expectProblem(late, 429, 'QUOTA_EXCEEDED');
    expect(late.headers.get('Retry-After')).toBe('60');

    ownClock.set('2026-11-24T00:00:01.000Z');
    const nextDay = await send(own.client, token, roomId, 'new day');

    expect(nextDay.status).toBe(201);
    expect(quotaHeaders(nextDay)).toEqual({ limit: '5', remaining: '4', reset: String(86_400 - 1) });
  });

  it('admits exactly 5 of 10 concurrent sends by a Basic user', async () => {
    const { token, roomId } = await userWithRoom();

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, n) => send(client, token, roomId, `concurrent ${n}`)),
    );

    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429, 429, 429]);
    for (const refused of responses.filter((response) => response.status === 429)) {
      expectProblem(refused, 429, 'QUOTA_EXCEEDED');
    }
    expect((await client.get(`/chatroom/${roomId}`, { token })).body.messages).toHaveLength(10);
    expect((await client.get('/user/me', { token })).body.usage).toMatchObject({ used: 5, remaining: 0 });
  });

  it('lets an upgrade to Pro take effect on the next prompt, the same day', async () => {
    const { token, roomId, user } = await userWithRoom();
    for (let sent = 1; sent <= 5; sent++) await send(client, token, roomId, `prompt ${sent}`);
    expectProblem(await send(client, token, roomId, 'blocked'), 429, 'QUOTA_EXCEEDED');

    const paid = await deliverEvent(
      client,
      aCheckoutCompleted({ userId: user.id, customer: 'cus_same_day', subscription: 'sub_same_day' }),
    );
    expect(paid.status).toBe(200);
    const next = await send(client, token, roomId, 'now as Pro');

    expect(next.status).toBe(201);
    expect(quotaHeaders(next)).toEqual({ limit: '500', remaining: '494', reset: SECONDS_TO_MIDNIGHT });
  });

  it('is unlimited for Pro with PRO_DAILY_LIMIT=0: no RateLimit headers, null limit', async () => {
    const own = await startOwnApp({ env: { PRO_DAILY_LIMIT: '0' } });
    const { token, roomId, user } = await userWithRoom(own.client);
    await deliverEvent(
      own.client,
      aCheckoutCompleted({ userId: user.id, customer: 'cus_unlimited', subscription: 'sub_unlimited' }),
    );

    const responses = [];
    for (let sent = 1; sent <= 7; sent++)
      responses.push(await send(own.client, token, roomId, `prompt ${sent}`));

    for (const response of responses) {
      expect(response.status).toBe(201);
      expect(quotaHeaders(response)).toEqual({ limit: null, remaining: null, reset: null });
    }
    const me = await own.client.get('/user/me', { token });
    expect(me.body.user.tier).toBe('pro');
    expect(me.body.usage).toEqual({ used: 7, limit: null, remaining: null, resetsAt: anIsoTime });
  });
});

describe('waiting for the reply', () => {
  it('answers 202 at once with Prefer: respond-async, a pending reply and a Location to poll', async () => {
    const model = new GatedLanguageModel();
    const own = await startOwnApp({ overrides: [replace(TOKENS.LanguageModel, model)] });
    try {
      const { token, roomId } = await userWithRoom(own.client);

      const response = await send(own.client, token, roomId, 'take your time', { Prefer: 'respond-async' });

      expect(response.status).toBe(202);
      expect(response.body.message).toMatchObject({
        role: 'user',
        content: 'take your time',
        status: 'completed',
      });
      expect(response.body.reply).toMatchObject({ role: 'model', status: 'pending', error: null });
      const location = response.headers.get('Location');
      expect(location).toBe(`/chatroom/${roomId}/messages/${response.body.reply.id}`);
      expect(response.headers.get('Preference-Applied')).toBe('respond-async');
      expect(quotaHeaders(response)).toMatchObject({ limit: '5', remaining: '4' });
      expect((await own.client.get(location!, { token })).body.status).toBe('pending');

      model.open();
      const done = await pollUntil(own.client, location!, token, (body) => body.status === 'completed');

      expect(done.body).toMatchObject({
        id: response.body.reply.id,
        content: 'late answer to: take your time',
        error: null,
      });
    } finally {
      model.open();
    }
  });

  it('answers 202 pending when the model takes longer than REPLY_WAIT_MS', async () => {
    const model = new GatedLanguageModel();
    const own = await startOwnApp({
      env: { REPLY_WAIT_MS: '50' },
      overrides: [replace(TOKENS.LanguageModel, model)],
    });
    try {
      const { token, roomId } = await userWithRoom(own.client);

      const started = Date.now();
      const response = await send(own.client, token, roomId, 'slow one');

      expect(Date.now() - started).toBeLessThan(2_000);
      expect(response.status).toBe(202);
      expect(response.body.reply.status).toBe('pending');
      expect(response.headers.get('Preference-Applied')).toBeNull();
      expect(quotaHeaders(response)).toMatchObject({ limit: '5', remaining: '4' });
      const location = response.headers.get('Location')!;
      expect(location).toBe(`/chatroom/${roomId}/messages/${response.body.reply.id}`);

      model.open();
      const done = await pollUntil(own.client, location, token, (body) => body.status === 'completed');
      expect(done.body.content).toBe('late answer to: slow one');
    } finally {
      model.open();
    }
  });
});

describe('model failures', () => {
  it('answers 502 MODEL_UNAVAILABLE after 3 attempts, marks the reply failed and gives the prompt back', async () => {
    const model = new ScriptedLanguageModel();
    const own = await startOwnApp({ overrides: [replace(TOKENS.LanguageModel, model)] });
    const { token, roomId } = await userWithRoom(own.client);
    expect((await send(own.client, token, roomId, 'fine')).status).toBe(201);
    model.answerWith(() => {
      throw new Error('upstream 500: internal key sk-secret-123');
    });
    const callsBefore = model.conversations.length;

    const response = await send(own.client, token, roomId, 'this one fails');

    const body = expectProblem(response, 502, 'MODEL_UNAVAILABLE');
    expect(model.conversations.length - callsBefore).toBe(3);
    expect(body).toMatchObject({ messageId: aUuid, replyId: aUuid });
    expect(JSON.stringify(body)).not.toContain('sk-secret-123');
    expect(quotaHeaders(response)).toMatchObject({ limit: '5', remaining: '4' });
    const reply = await own.client.get(`/chatroom/${roomId}/messages/${body.replyId}`, { token });
    expect(reply.body).toMatchObject({
      id: body.replyId,
      role: 'model',
      status: 'failed',
      error: expect.any(String),
    });
    expect(reply.body.error.length).toBeGreaterThan(0);
    expect(reply.body.error).not.toContain('sk-secret-123');
    const prompt = await own.client.get(`/chatroom/${roomId}/messages/${body.messageId}`, { token });
    expect(prompt.body).toMatchObject({ role: 'user', content: 'this one fails' });
    expect((await own.client.get('/user/me', { token })).body.usage).toMatchObject({ used: 1, remaining: 4 });
  });

  it('fails after one call when the model error cannot be fixed by retrying', async () => {
    const model = new ScriptedLanguageModel(() => {
      throw new LanguageModelError('The prompt was blocked by the safety filters', { retryable: false });
    });
    const own = await startOwnApp({ overrides: [replace(TOKENS.LanguageModel, model)] });
    const { token, roomId } = await userWithRoom(own.client);

    const response = await send(own.client, token, roomId, 'something blocked');

    const body = expectProblem(response, 502, 'MODEL_UNAVAILABLE');
    expect(model.conversations).toHaveLength(1);
    const reply = await own.client.get(`/chatroom/${roomId}/messages/${body.replyId}`, { token });
    expect(reply.body).toMatchObject({
      status: 'failed',
      error: 'The prompt was blocked by the safety filters',
    });
    expect((await own.client.get('/user/me', { token })).body.usage.used).toBe(0);
  });

  it('answers 201 when a retryable failure clears on the 3rd attempt', async () => {
    const model = new ScriptedLanguageModel((_, call) => {
      if (call < 3) throw new LanguageModelError('The model is busy', { retryable: true });
      return { text: 'third time lucky', tokenUsage: null };
    });
    const own = await startOwnApp({ overrides: [replace(TOKENS.LanguageModel, model)] });
    const { token, roomId } = await userWithRoom(own.client);

    const response = await send(own.client, token, roomId, 'try hard');

    expect(response.status).toBe(201);
    expect(response.body.reply).toMatchObject({
      status: 'completed',
      content: 'third time lucky',
      error: null,
    });
    expect(model.conversations).toHaveLength(3);
    expect((await own.client.get('/user/me', { token })).body.usage.used).toBe(1);
  });
});

describe('conversation history', () => {
  it('gives the model the earlier completed messages, oldest first, and the new prompt last', async () => {
    const model = new ScriptedLanguageModel();
    const own = await startOwnApp({ overrides: [replace(TOKENS.LanguageModel, model)] });
    const { token, roomId } = await userWithRoom(own.client);
    const other = await own.client.post('/chatroom', { title: 'Other' }, { token });
    await send(own.client, token, other.body.id, 'elsewhere');

    for (const content of ['one', 'two', 'three']) await send(own.client, token, roomId, content);

    expect(model.conversations.at(-1)).toEqual([
      { role: 'user', text: 'one' },
      { role: 'model', text: 'echo: one' },
      { role: 'user', text: 'two' },
      { role: 'model', text: 'echo: two' },
      { role: 'user', text: 'three' },
    ]);
  });

  it('sends at most the last 20 messages plus the prompt', async () => {
    const model = new ScriptedLanguageModel();
    const own = await startOwnApp({
      env: { BASIC_DAILY_LIMIT: '50' },
      overrides: [replace(TOKENS.LanguageModel, model)],
    });
    const { token, roomId } = await userWithRoom(own.client);

    for (let n = 1; n <= 12; n++) expect((await send(own.client, token, roomId, `p${n}`)).status).toBe(201);

    const last = model.conversations.at(-1)!;
    expect(last).toHaveLength(21);
    expect(last[0]).toEqual({ role: 'user', text: 'p2' });
    expect(last[19]).toEqual({ role: 'model', text: 'echo: p11' });
    expect(last[20]).toEqual({ role: 'user', text: 'p12' });
  });

  it('leaves failed replies out of the history', async () => {
    const model = new ScriptedLanguageModel((conversation) => {
      const prompt = conversation.at(-1)!.text;
      if (prompt === 'break') throw new LanguageModelError('Blocked', { retryable: false });
      return { text: `echo: ${prompt}`, tokenUsage: null };
    });
    const own = await startOwnApp({ overrides: [replace(TOKENS.LanguageModel, model)] });
    const { token, roomId } = await userWithRoom(own.client);
    await send(own.client, token, roomId, 'hello');
    expect((await send(own.client, token, roomId, 'break')).status).toBe(502);

    await send(own.client, token, roomId, 'after');

    const last = model.conversations.at(-1)!;
    expect(last.filter((turn) => turn.role === 'model')).toEqual([{ role: 'model', text: 'echo: hello' }]);
    expect(last.at(-1)).toEqual({ role: 'user', text: 'after' });
  });
});
