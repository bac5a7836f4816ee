import { afterEach, describe, expect, it } from 'vitest';
import { aCheckoutCompleted } from '#adapters/payments/stripe-events.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { replace, signedInUser, startTestApp, type TestApp } from '#test/support/http.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { samplesOf, sampleValue } from '#test/support/prometheus-text.ts';
import {
  deliver,
  deliverEvent,
  expectProblem,
  expectUnauthorized,
  GatedLanguageModel,
  pollUntil,
} from './helpers.ts';

const started: TestApp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

async function anApp(options: Parameters<typeof startTestApp>[0]) {
  const app = await startTestApp(options);
  started.push(app);
  return app;
}

async function scrape(app: TestApp, headers: Record<string, string> = {}) {
  const response = await app.client.get('/metrics', { headers });
  expect(response.status).toBe(200);
  return { response, samples: samplesOf(response.body as string) };
}

const TOKENS_PER_REPLY = { promptTokens: 2, candidateTokens: 3, totalTokens: 5 };

describe('GET /metrics', () => {
  it('shows every series, with the traffic of sign-ups, sends, retries, failures, the quota, the list cache and webhooks', async () => {
    // The model is busy on its first call (retried), refuses "blocked" for good, and answers the rest with a usage report.
    const model = new ScriptedLanguageModel((conversation, call) => {
      if (call === 1) throw new LanguageModelError('busy', { retryable: true, kind: 'rateLimited' });
      if (conversation.at(-1)?.text === 'blocked') {
        throw new LanguageModelError('blocked', { retryable: false, kind: 'promptBlocked' });
      }
      return { text: 'an answer', tokenUsage: TOKENS_PER_REPLY };
    });
    const app = await anApp({
      env: { BASIC_DAILY_LIMIT: '3', REPLY_BACKOFF_MS: '5' },
      overrides: [replace(TOKENS.LanguageModel, model)],
    });
    const { client } = app;
    const user = await signedInUser(client);
    const room = await client.post('/chatroom', { title: 'Counted' }, { token: user.token });
    expect((await client.get('/chatroom', { token: user.token })).headers.get('X-Cache')).toBe('MISS');
    expect((await client.get('/chatroom', { token: user.token })).headers.get('X-Cache')).toBe('HIT');
    const send = (content: string) =>
      client.post(`/chatroom/${room.body.id}/message`, { content }, { token: user.token });
    expect((await send('one')).status).toBe(201);
    expect((await send('two')).status).toBe(201);
    // A failed reply gives its prompt back: the quota of 3 admits "three" too, then refuses.
    expectProblem(await send('blocked'), 502, 'MODEL_UNAVAILABLE');
    expect((await send('three')).status).toBe(201);
    expectProblem(await send('four'), 429, 'QUOTA_EXCEEDED');
    const paid = aCheckoutCompleted({ userId: user.user.id, customer: 'cus_m', subscription: 'sub_m' });
    expect((await deliverEvent(client, paid)).status).toBe(200);
    expect((await deliverEvent(client, paid)).status).toBe(200);
    expectProblem(await deliver(client, '{}', 't=1,v1=forged'), 400, 'INVALID_SIGNATURE');

    const { response, samples } = await scrape(app);

    expect(response.headers.get('Content-Type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const value = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(samples, `gemini_chat_${name}`, labels);
    // Requests by route pattern, never the raw path.
    const sends = { method: 'POST', route: '/chatroom/:id/message' };
    expect(value('http_request_duration_seconds_count', { ...sends, status: '201' })).toBe(3);
    expect(value('http_request_duration_seconds_count', { ...sends, status: '502' })).toBe(1);
    expect(value('http_request_duration_seconds_count', { ...sends, status: '429' })).toBe(1);
    expect(value('http_request_duration_seconds_count', { method: 'POST', route: '/auth/signup' })).toBe(1);
    expect(value('http_request_duration_seconds_count', { method: 'GET', route: '/chatroom' })).toBe(2);
    expect(response.body).not.toContain(room.body.id);
    // Reply jobs: none left in the queue; three completed, one failed for good; one retry.
    for (const state of ['waiting', 'delayed', 'active']) expect(value('reply_jobs', { state })).toBe(0);
    expect(value('reply_jobs_finished_total', { outcome: 'completed' })).toBe(3);
    expect(value('reply_jobs_finished_total', { outcome: 'failed' })).toBe(1);
    expect(value('reply_retries_total')).toBe(1);
    expect(value('model_errors_total', { kind: 'rateLimited', retryable: 'true' })).toBe(1);
    expect(value('model_errors_total', { kind: 'promptBlocked', retryable: 'false' })).toBe(1);
    // From send to first text and to the end.
    expect(value('reply_first_text_seconds_count')).toBe(3);
    expect(value('reply_duration_seconds_count', { status: 'completed' })).toBe(3);
    expect(value('reply_duration_seconds_count', { status: 'failed' })).toBe(1);
    expect(value('reply_duration_seconds_sum', { status: 'completed' })).toBeGreaterThan(0);
    // The tokens of the three replies, counted against the sender's tier at the time (Basic).
    expect(value('model_tokens_total', { tier: 'basic', type: 'prompt' })).toBe(6);
    expect(value('model_tokens_total', { tier: 'basic', type: 'completion' })).toBe(9);
    expect(value('quota_rejections_total', { tier: 'basic' })).toBe(1);
    expect(value('quota_rejections_total', { tier: 'pro' })).toBe(0);
    expect(value('chatroom_list_cache_total', { result: 'hit' })).toBe(1);
    expect(value('chatroom_list_cache_total', { result: 'miss' })).toBe(1);
    const checkout = { type: 'checkout_completed' };
    expect(value('webhook_events_total', { ...checkout, outcome: 'applied' })).toBe(1);
    expect(value('webhook_events_total', { ...checkout, outcome: 'duplicate' })).toBe(1);
    expect(value('webhook_events_total', { type: 'unknown', outcome: 'invalid' })).toBe(1);
    // The runtime's own series.
    expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts the reply jobs queued and running at the time of the scrape', async () => {
    const model = new GatedLanguageModel();
    const app = await anApp({ overrides: [replace(TOKENS.LanguageModel, model)] });
    const { token } = await signedInUser(app.client);
    const room = await app.client.post('/chatroom', { title: 'Busy' }, { token });
    const sent = await app.client.post(
      `/chatroom/${room.body.id}/message`,
      { content: 'take your time' },
      { token, headers: { Prefer: 'respond-async' } },
    );
    expect(sent.status).toBe(202);
    while (model.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const during = (await scrape(app)).samples;
    model.open();
    await pollUntil(
      app.client,
      sent.headers.get('Location') ?? '',
      token,
      (reply) => reply.status === 'completed',
    );
    // The reply is stored before its job ends: the job's own bookkeeping may lag the stored reply by a moment.
    let after = (await scrape(app)).samples;
    for (let i = 0; i < 100 && sampleValue(after, 'gemini_chat_reply_jobs', { state: 'active' }) !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = (await scrape(app)).samples;
    }

    expect(sampleValue(during, 'gemini_chat_reply_jobs', { state: 'active' })).toBe(1);
    expect(sampleValue(during, 'gemini_chat_reply_jobs_finished_total', { outcome: 'completed' })).toBe(0);
    expect(sampleValue(after, 'gemini_chat_reply_jobs', { state: 'active' })).toBe(0);
    expect(sampleValue(after, 'gemini_chat_reply_jobs_finished_total', { outcome: 'completed' })).toBe(1);
  });

  it('needs METRICS_TOKEN as a bearer token when it is set', async () => {
    const app = await anApp({ env: { METRICS_TOKEN: 'a-long-random-scrape-token' } });

    expectUnauthorized(await app.client.get('/metrics'));
    expectUnauthorized(await app.client.get('/metrics', { token: 'another-token' }));
    const { samples } = await scrape(app, { Authorization: 'Bearer a-long-random-scrape-token' });
    expect(sampleValue(samples, 'gemini_chat_http_request_duration_seconds_count', { status: '401' })).toBe(
      2,
    );
  });
});
