import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LanguageModelError,
  type ModelCallOptions,
  type ModelStreamPart,
  type Turn,
} from '#application/ports/language-model.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { replace, signedInUser, startTestApp, type TestApp } from '#test/support/http.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { readUiStream } from '#test/support/ui-stream.ts';
import { expectProblem } from './helpers.ts';

const started: TestApp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

/** An app whose model is `model`; retries 5 ms apart. */
async function appWith(model: ScriptedLanguageModel | DyingModel) {
  const app = await startTestApp({
    env: { REPLY_BACKOFF_MS: '5', REPLY_WAIT_MS: '5000' },
    overrides: [replace(TOKENS.LanguageModel, model)],
  });
  started.push(app);
  const user = await signedInUser(app.client);
  const room = await app.client.post('/chatroom', { title: 'Stream' }, { token: user.token });
  return { app, token: user.token, roomId: room.body.id as string };
}

/** A model that writes `words` one by one, `wordMs` apart. */
function dripping(words: string[], wordMs: number): ScriptedLanguageModel {
  const model = new ScriptedLanguageModel(() => ({ text: words.join(''), tokenUsage: null }));
  model.wordMs = wordMs;
  return model;
}

/** Dies after `dieAfter` words on its first call (a retryable outage), then answers in full. */
class DyingModel extends ScriptedLanguageModel {
  calls = 0;
  private readonly words: string[];
  private readonly dieAfter: number;

  constructor(words: string[], dieAfter: number) {
    super(() => ({
      text: words.join(''),
      tokenUsage: { promptTokens: 2, candidateTokens: 3, totalTokens: 5 },
    }));
    this.words = words;
    this.dieAfter = dieAfter;
  }

  override async *stream(conversation: Turn[], options?: ModelCallOptions): AsyncIterable<ModelStreamPart> {
    this.calls += 1;
    if (this.calls > 1) {
      yield* super.stream(conversation, options);
      return;
    }
    for (const word of this.words.slice(0, this.dieAfter)) {
      yield { type: 'text', text: word };
      await sleep(5);
    }
    throw new LanguageModelError('The model is temporarily unavailable', { retryable: true });
  }
}

function request(app: TestApp, method: string, path: string, token: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return app.runtime.app.request(path, { ...init, method, headers });
}

function streamSend(
  app: TestApp,
  token: string,
  roomId: string,
  content: string,
  headers: Record<string, string> = {},
) {
  return request(app, 'POST', `/chatroom/${roomId}/message`, token, {
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ content }),
  });
}

async function stored(app: TestApp, token: string, location: string) {
  return (await app.client.get(location, { token })).body;
}

describe('POST /chatroom/:id/message with Accept: text/event-stream', () => {
  it('streams the reply in the UI message stream protocol, ending with exactly the stored text', async () => {
    const { app, token, roomId } = await appWith(dripping(['Streams ', 'are ', 'nice.'], 40));

    const response = await streamSend(app, token, roomId, 'Tell me about streams');

    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('Cache-Control')).toBe('no-cache, no-transform');
    expect(response.headers.get('X-Accel-Buffering')).toBe('no');
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(response.headers.get('RateLimit-Remaining')).toBe('4');
    const location = response.headers.get('Location')!;
    expect(location).toMatch(new RegExp(`^/chatroom/${roomId}/messages/[0-9a-f-]{36}$`));
    const read = await readUiStream(response.body!);
    const reply = await stored(app, token, location);
    expect(reply).toMatchObject({ status: 'completed', content: 'Streams are nice.' });
    expect(read.text).toBe(reply.content);
    expect(read.done).toBe(true);
    expect(read.chunks.filter((chunk) => chunk.type === 'text-delta').length).toBeGreaterThan(1);
    expect(read.chunks[0]).toMatchObject({
      type: 'start',
      messageId: reply.id,
      messageMetadata: { chatroomId: roomId, replyId: reply.id, usage: { used: 1, limit: 5, remaining: 4 } },
    });
    expect(read.chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    const ids = read.ids;
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('voids the text of an attempt that died, so the reader ends with the retried answer as stored', async () => {
    const model = new DyingModel(['The ', 'full ', 'answer.'], 2);
    const { app, token, roomId } = await appWith(model);

    const response = await streamSend(app, token, roomId, 'Try twice');
    const read = await readUiStream(response.body!);

    const reply = await stored(app, token, response.headers.get('Location')!);
    expect(model.calls).toBe(2);
    expect(reply).toMatchObject({ status: 'completed', content: 'The full answer.', tokens: { total: 5 } });
    expect(read.chunks.map((chunk) => chunk.type)).toContain('reset-step');
    expect(read.text).toBe(reply.content);
  });

  it('ends with error when the reply fails for good, the prompt given back', async () => {
    const model = new ScriptedLanguageModel(() => {
      throw new LanguageModelError('Your message was blocked by the safety filters', { retryable: false });
    });
    const { app, token, roomId } = await appWith(model);

    const read = await readUiStream((await streamSend(app, token, roomId, 'Something bad')).body!);

    expect(read.chunks.at(-1)).toEqual({
      type: 'error',
      errorText: 'Your message was blocked by the safety filters',
    });
    expect(read.text).toBe('');
    const me = await app.client.get('/user/me', { token });
    expect(me.body.usage.used).toBe(0);
  });

  it('answers the usual problem before any stream: 404, 400, 429', async () => {
    const { app, token, roomId } = await appWith(dripping(['ok'], 0));
    const missing = await streamSend(app, token, '0190a0b0-0000-7000-8000-000000000000', 'hi');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
    expect((await streamSend(app, token, roomId, '   ')).status).toBe(400);
    for (let i = 0; i < 5; i++)
      await readUiStream((await streamSend(app, token, roomId, `prompt ${i}`)).body!);
    const over = await streamSend(app, token, roomId, 'one too many');
    expect(over.status).toBe(429);
    expect(((await over.json()) as { code: string }).code).toBe('QUOTA_EXCEEDED');
  });
});

describe('GET /chatroom/:id/messages/:messageId/stream', () => {
  it('resumes after Last-Event-ID with exactly the rest: no duplicate, no gap', async () => {
    const words = Array.from({ length: 12 }, (_, i) => `w${i} `);
    const { app, token, roomId } = await appWith(dripping(words, 15));
    const first = await streamSend(app, token, roomId, 'Count for me');
    const location = first.headers.get('Location')!;

    // Read until three deltas have arrived, then drop the connection.
    const reader = first.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while ((text.match(/"text-delta"/g) ?? []).length < 3) text += (await reader.read()).value ?? '';
    await reader.cancel();
    const events = [...text.matchAll(/^id: (.+)\ndata: (.+)$/gm)].map((m) => ({
      id: m[1]!,
      chunk: JSON.parse(m[2]!),
    }));
    const lastId = events.at(-1)!.id;
    const before = events
      .filter((event) => event.chunk.type === 'text-delta')
      .map((event) => event.chunk.delta)
      .join('');

    const resumed = await request(app, 'GET', `${location}/stream`, token, {
      headers: { 'Last-Event-ID': lastId },
    });
    expect(resumed.status).toBe(200);
    const rest = await readUiStream(resumed.body!);

    const reply = await stored(app, token, location);
    expect(reply.status).toBe('completed');
    expect(before.length).toBeGreaterThan(0);
    expect(before + rest.text).toBe(reply.content);
    expect(rest.ids.every((id) => id !== lastId)).toBe(true);
  });

  it('refuses a Last-Event-ID longer than any event id with a 400 naming the header', async () => {
    const { app, token, roomId } = await appWith(dripping(['ok'], 0));
    const location = (await streamSend(app, token, roomId, 'Hi')).headers.get('Location')!;

    const resumed = await request(app, 'GET', `${location}/stream`, token, {
      headers: { 'Last-Event-ID': '1'.repeat(101) },
    });
    expect(resumed.status).toBe(400);
    const body = (await resumed.json()) as { code: string; errors: { path: string }[] };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors.map((error) => error.path)).toEqual(['last-event-id']);
  });

  it('follows a pending reply from the start, and gives ten followers the same text', async () => {
    const { app, token, roomId } = await appWith(dripping(['a ', 'b ', 'c ', 'd'], 20));
    const sent = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'go' },
      {
        token,
        headers: { Prefer: 'respond-async' },
      },
    );
    const location = sent.headers.get('Location')!;
    const followers = await Promise.all(
      Array.from({ length: 10 }, async () =>
        readUiStream((await request(app, 'GET', `${location}/stream`, token)).body!),
      ),
    );
    for (const follower of followers) expect(follower.text).toBe('a b c d');
  });

  it('serves an ended reply at once from the stored message', async () => {
    const { app, token, roomId } = await appWith(dripping(['Done ', 'already.'], 0));
    const sent = await app.client.post(`/chatroom/${roomId}/message`, { content: 'hi' }, { token });
    expect(sent.status).toBe(201);

    const read = await readUiStream(
      (await request(app, 'GET', `/chatroom/${roomId}/messages/${sent.body.reply.id}/stream`, token)).body!,
    );

    expect(read.text).toBe('Done already.');
    expect(read.chunks.at(-1)).toMatchObject({ type: 'finish' });
  });

  it('answers 404 for a user message and for a reply of someone else', async () => {
    const { app, token, roomId } = await appWith(dripping(['x'], 0));
    const sent = await app.client.post(`/chatroom/${roomId}/message`, { content: 'hi' }, { token });
    const own = await request(
      app,
      'GET',
      `/chatroom/${roomId}/messages/${sent.body.message.id}/stream`,
      token,
    );
    expect(own.status).toBe(404);
    const stranger = await signedInUser(app.client);
    const theirs = await request(
      app,
      'GET',
      `/chatroom/${roomId}/messages/${sent.body.reply.id}/stream`,
      stranger.token,
    );
    expect(theirs.status).toBe(404);
  });
});

describe('POST /chatroom/:id/messages/:messageId/stop', () => {
  it('stops a streaming reply: the text so far is kept as stopped and the stream ends with abort', async () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${i} `);
    const { app, token, roomId } = await appWith(dripping(words, 20));
    const response = await streamSend(app, token, roomId, 'Talk a lot');
    const location = response.headers.get('Location')!;
    const reading = readUiStream(response.body!);
    await expect
      .poll(async () => (await stored(app, token, location)).content.length, { timeout: 3000 })
      .toBeGreaterThan(0);

    const stop = await app.client.post(`${location}/stop`, undefined, { token });

    expect(stop.status).toBe(200);
    expect(stop.body.status).toBe('stopped');
    const read = await reading;
    expect(read.chunks.at(-1)).toEqual({ type: 'abort', reason: 'stopped' });
    const reply = await stored(app, token, location);
    expect(reply.status).toBe('stopped');
    expect(reply.content.length).toBeGreaterThan(0);
    expect(read.text).toBe(reply.content);
    expect(reply.content.length).toBeLessThan(words.join('').length);
    const me = await app.client.get('/user/me', { token });
    expect(me.body.usage.used).toBe(1);
    // A reply that already ended answers as it is.
    expect((await app.client.post(`${location}/stop`, undefined, { token })).body).toEqual(reply);
  });

  it('a reply stopped before any text ends empty and gives its prompt back', async () => {
    const model = new ScriptedLanguageModel(async () => {
      await sleep(300);
      return { text: 'too late', tokenUsage: null };
    });
    const { app, token, roomId } = await appWith(model);
    const sent = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'hi' },
      {
        token,
        headers: { Prefer: 'respond-async' },
      },
    );

    const stop = await app.client.post(`${sent.headers.get('Location')}/stop`, undefined, { token });

    expect(stop.body).toMatchObject({ status: 'stopped', content: '' });
    expect((await app.client.get('/user/me', { token })).body.usage.used).toBe(0);
  });

  it('a waiting send whose reply is stopped answers 201 with the stopped reply', async () => {
    const { app, token, roomId } = await appWith(
      dripping(
        Array.from({ length: 40 }, () => 'la '),
        20,
      ),
    );
    const waiting = app.client.post(`/chatroom/${roomId}/message`, { content: 'sing' }, { token });
    let replyId: string | undefined;
    await expect
      .poll(async () => {
        const page = await app.client.get(`/chatroom/${roomId}/messages`, { token });
        replyId = page.body.messages.find((m: { role: string }) => m.role === 'model')?.id;
        return replyId;
      })
      .toBeDefined();
    await sleep(100);
    await app.client.post(`/chatroom/${roomId}/messages/${replyId}/stop`, undefined, { token });
    const answer = await waiting;
    expect(answer.status).toBe(201);
    expect(answer.body.reply).toMatchObject({ id: replyId, status: 'stopped' });
  });

  it('answers 404 for a user message', async () => {
    const { app, token, roomId } = await appWith(dripping(['x'], 0));
    const sent = await app.client.post(`/chatroom/${roomId}/message`, { content: 'hi' }, { token });
    expectProblem(
      await app.client.post(`/chatroom/${roomId}/messages/${sent.body.message.id}/stop`, undefined, {
        token,
      }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('polling a pending reply', () => {
  it('shows the text so far growing while the model writes', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `part${i} `);
    const { app, token, roomId } = await appWith(dripping(words, 60));
    const sent = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'go' },
      {
        token,
        headers: { Prefer: 'respond-async' },
      },
    );
    const location = sent.headers.get('Location')!;
    await expect
      .poll(async () => (await stored(app, token, location)).content.length, { timeout: 4000, interval: 100 })
      .toBeGreaterThan(0);
    const partial = await stored(app, token, location);
    expect(partial.status).toBe('pending');
    expect(words.join('').startsWith(partial.content)).toBe(true);
    await app.client.post(`${location}/stop`, undefined, { token });
  });
});

describe('Idempotency-Key on sends', () => {
  it('makes one exchange of ten concurrent sends with one key: one prompt, one quota unit, one model call', async () => {
    const model = dripping(['Once.'], 20);
    const { app, token, roomId } = await appWith(model);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.client.post(
          `/chatroom/${roomId}/message`,
          { content: 'Only once' },
          {
            token,
            headers: { 'Idempotency-Key': 'key-123' },
          },
        ),
      ),
    );
    for (const answer of answers) expect([201, 202]).toContain(answer.status);
    expect(new Set(answers.map((answer) => answer.body.reply.id)).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.body.message.id)).size).toBe(1);
    const page = await app.client.get(`/chatroom/${roomId}/messages`, { token });
    expect(page.body.messages).toHaveLength(2);
    expect((await app.client.get('/user/me', { token })).body.usage.used).toBe(1);
    expect(model.conversations).toHaveLength(1);
  });

  it('answers a repeat with the same exchange as it stands now, and streams it when asked', async () => {
    const { app, token, roomId } = await appWith(dripping(['Same ', 'answer.'], 0));
    const first = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'Hi' },
      {
        token,
        headers: { 'Idempotency-Key': 'abc' },
      },
    );
    expect(first.status).toBe(201);
    const again = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'Hi' },
      {
        token,
        headers: { 'Idempotency-Key': 'abc' },
      },
    );
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const streamed = await readUiStream(
      (await streamSend(app, token, roomId, 'Hi', { 'Idempotency-Key': 'abc' })).body!,
    );
    expect(streamed.text).toBe('Same answer.');
    expect((await app.client.get('/user/me', { token })).body.usage.used).toBe(1);
  });

  it('refuses the same key for another content or chatroom with 422, and a malformed key with 400', async () => {
    const { app, token, roomId } = await appWith(dripping(['ok'], 0));
    await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'Hi' },
      { token, headers: { 'Idempotency-Key': 'k1' } },
    );
    expectProblem(
      await app.client.post(
        `/chatroom/${roomId}/message`,
        { content: 'Other' },
        {
          token,
          headers: { 'Idempotency-Key': 'k1' },
        },
      ),
      422,
      'IDEMPOTENCY_KEY_MISMATCH',
    );
    const other = await app.client.post('/chatroom', { title: 'Other' }, { token });
    expectProblem(
      await app.client.post(
        `/chatroom/${other.body.id}/message`,
        { content: 'Hi' },
        {
          token,
          headers: { 'Idempotency-Key': 'k1' },
        },
      ),
      422,
      'IDEMPOTENCY_KEY_MISMATCH',
    );
    expectProblem(
      await app.client.post(
        `/chatroom/${roomId}/message`,
        { content: 'Hi' },
        {
          token,
          headers: { 'Idempotency-Key': 'with space' },
        },
      ),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('scopes keys to the user, and frees a key whose send was refused', async () => {
    const { app, token, roomId } = await appWith(dripping(['ok'], 0));
    const stranger = await signedInUser(app.client);
    const theirRoom = await app.client.post('/chatroom', { title: 'Theirs' }, { token: stranger.token });
    const mine = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'Hi' },
      { token, headers: { 'Idempotency-Key': 'shared' } },
    );
    const theirs = await app.client.post(
      `/chatroom/${theirRoom.body.id}/message`,
      { content: 'Hi' },
      {
        token: stranger.token,
        headers: { 'Idempotency-Key': 'shared' },
      },
    );
    expect(theirs.body.reply.id).not.toBe(mine.body.reply.id);
    // Refused (unknown chatroom): nothing claimed, so the key still works for a real send.
    expect(
      (
        await app.client.post(
          '/chatroom/0190a0b0-0000-7000-8000-000000000000/message',
          { content: 'x' },
          { token, headers: { 'Idempotency-Key': 'fresh' } },
        )
      ).status,
    ).toBe(404);
    for (let i = 0; i < 4; i++)
      await app.client.post(`/chatroom/${roomId}/message`, { content: `n${i}` }, { token });
    const refused = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'later' },
      { token, headers: { 'Idempotency-Key': 'fresh' } },
    );
    expect(refused.status).toBe(429);
  });
});
