import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAILURE } from '#adapters/llm/gemini-failures.ts';
import {
  FakeGemini,
  geminiError,
  geminiPromptBlocked,
  geminiRateLimited,
  geminiText,
} from '#test/support/fake-gemini.ts';
import { signedInUser, startTestApp, type TestApp } from '#test/support/http.ts';

const API_KEY = 'AIza-http-test-key';

let fake: FakeGemini;
let app: TestApp;

beforeAll(async () => {
  fake = await FakeGemini.start();
  app = await startTestApp({
    env: {
      GEMINI_API_KEY: API_KEY,
      GEMINI_BASE_URL: fake.baseUrl,
      GEMINI_MODEL: 'gemini-2.5-flash',
      GEMINI_SYSTEM_INSTRUCTION: 'You are a helpful assistant.',
      REPLY_BACKOFF_MS: '20',
    },
  });
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
});

async function aChatroom() {
  const { token } = await signedInUser(app.client);
  const room = await app.client.post('/chatroom', { title: 'Gemini' }, { token });
  return { token, roomId: room.body.id as string };
}

describe('messages answered by Gemini (GEMINI_API_KEY set, GEMINI_BASE_URL at the fake)', () => {
  it('answers with Gemini and sends the chatroom history with each prompt', async () => {
    const { token, roomId } = await aChatroom();
    fake.answerWith(geminiText('Hi Asha!'), geminiText('Your name is Asha.'));
    const first = await app.client.post(`/chatroom/${roomId}/message`, { content: 'I am Asha.' }, { token });
    expect(first.status).toBe(201);
    expect(first.body.reply).toMatchObject({ role: 'model', status: 'completed', content: 'Hi Asha!' });
    const second = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'What is my name?' },
      { token },
    );
    expect(second.body.reply.content).toBe('Your name is Asha.');

    expect(fake.requests.map((request) => request.path)).toEqual([
      '/v1/models/gemini-2.5-flash:streamGenerateContent',
      '/v1/models/gemini-2.5-flash:streamGenerateContent',
    ]);
    expect(fake.requests[1]?.headers['x-goog-api-key']).toBe(API_KEY);
    expect(fake.requests[1]?.body.systemInstruction?.parts).toEqual([
      { text: 'You are a helpful assistant.' },
    ]);
    expect(fake.requests[1]?.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'I am Asha.' }] },
      { role: 'model', parts: [{ text: 'Hi Asha!' }] },
      { role: 'user', parts: [{ text: 'What is my name?' }] },
    ]);
  });

  it('retries a rate-limited call after the delay Gemini asks for', async () => {
    const { token, roomId } = await aChatroom();
    fake.answerWith(geminiRateLimited('0.2s'), geminiText('Sorry for the wait.'));
    const started = performance.now();
    const sent = await app.client.post(`/chatroom/${roomId}/message`, { content: 'Hello?' }, { token });
    expect(sent.status).toBe(201);
    expect(sent.body.reply).toMatchObject({ status: 'completed', content: 'Sorry for the wait.' });
    expect(fake.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('fails a reply Gemini refuses at once (no retries), with a safe error, and gives the prompt back', async () => {
    const { token, roomId } = await aChatroom();
    const before = (await app.client.get('/user/me', { token })).body.usage.used;
    fake.answerWith(
      geminiError(400, 'INVALID_ARGUMENT', `Request contains an invalid argument. key=${API_KEY}`),
    );
    const sent = await app.client.post(`/chatroom/${roomId}/message`, { content: 'Hello' }, { token });
    expect(sent.status).toBe(502);
    expect(sent.body).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(fake.requests).toHaveLength(1);
    const reply = await app.client.get(`/chatroom/${roomId}/messages/${sent.body.replyId}`, { token });
    expect(reply.body).toMatchObject({ status: 'failed', error: FAILURE.rejected });
    expect(JSON.stringify(reply.body)).not.toContain(API_KEY);
    expect((await app.client.get('/user/me', { token })).body.usage.used).toBe(before);
  });

  it('fails a blocked prompt with a message saying so', async () => {
    const { token, roomId } = await aChatroom();
    fake.answerWith(geminiPromptBlocked());
    const sent = await app.client.post(
      `/chatroom/${roomId}/message`,
      { content: 'Something unsafe' },
      { token },
    );
    expect(sent.status).toBe(502);
    const reply = await app.client.get(`/chatroom/${roomId}/messages/${sent.body.replyId}`, { token });
    expect(reply.body).toMatchObject({ status: 'failed', error: FAILURE.promptBlocked });
  });

  it('gives up after 3 attempts when Gemini stays unavailable', async () => {
    const { token, roomId } = await aChatroom();
    const unavailable = geminiError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
    fake.answerWith(unavailable, unavailable, unavailable);
    const sent = await app.client.post(`/chatroom/${roomId}/message`, { content: 'Hello' }, { token });
    expect(sent.status).toBe(502);
    expect(fake.requests).toHaveLength(3);
    const reply = await app.client.get(`/chatroom/${roomId}/messages/${sent.body.replyId}`, { token });
    expect(reply.body).toMatchObject({ status: 'failed', error: FAILURE.unavailable });
  });
});
