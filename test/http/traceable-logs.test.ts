import { afterEach, describe, expect, it } from 'vitest';
import { LanguageModelError } from '#application/ports/language-model.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { replace, signedInUser, startTestApp, type TestApp } from '#test/support/http.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

const started: TestApp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

/** An app that keeps its log lines, on a model that is busy on its first call (so the worker logs a retry). */
async function aLoggedApp() {
  const logger = new SilentLogger();
  const model = new ScriptedLanguageModel((_, call) => {
    if (call === 1) throw new LanguageModelError('busy', { retryable: true });
    return { text: 'an answer', tokenUsage: null };
  });
  const app = await startTestApp({
    env: { REPLY_BACKOFF_MS: '5' },
    overrides: [replace(TOKENS.Logger, logger), replace(TOKENS.LanguageModel, model)],
  });
  started.push(app);
  const { token } = await signedInUser(app.client);
  const room = await app.client.post('/chatroom', { title: 'Traced' }, { token });
  const send = (headers: Record<string, string> = {}) =>
    app.client.post(`/chatroom/${room.body.id}/message`, { content: 'trace me' }, { token, headers });
  return { logger, send };
}

describe("the worker's log lines about a reply", () => {
  it('carry the X-Request-Id of the send that asked for it, like the request line', async () => {
    const { logger, send } = await aLoggedApp();

    const sent = await send({ 'X-Request-Id': 'abc' });

    expect(sent.status).toBe(201);
    const aboutReply = logger.entries.filter((entry) => entry.fields.replyId === sent.body.reply.id);
    expect(aboutReply.map((entry) => entry.message)).toEqual([
      'reply attempt failed; retrying',
      'reply ended',
    ]);
    expect(aboutReply.map((entry) => entry.fields.reqId)).toEqual(['abc', 'abc']);
    const requestLine = logger.entries.find(
      (entry) => entry.message === 'request' && String(entry.fields.path).endsWith('/message'),
    );
    expect(requestLine?.fields.reqId).toBe('abc');
  });

  it('carry the generated request id when the send brought none', async () => {
    const { logger, send } = await aLoggedApp();

    const sent = await send();

    const generated = sent.headers.get('X-Request-Id');
    expect(generated).toMatch(/^[\w-]{8,}$/);
    const ended = logger.entries.find(
      (entry) => entry.message === 'reply ended' && entry.fields.replyId === sent.body.reply.id,
    );
    expect(ended?.fields).toMatchObject({ reqId: generated, status: 'completed' });
  });
});
