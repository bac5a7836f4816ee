import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGemini, type GeminiRequest, geminiStream } from '#test/support/fake-gemini.ts';
import { deleteKeys } from '#test/support/redis-keys.ts';
import { call, freePort, newChatroom, ServiceProcess, signedUpUser } from '#test/support/server-process.ts';
import { createTestDatabase, testRedis, withServices } from '#test/support/services.ts';
import { readUiStream } from '#test/support/ui-stream.ts';

const database = await createTestDatabase();
const redis = await testRedis();

/** `count` words ("w0 w1 …"), one model delta each. */
function words(count: number, stem = 'w'): string[] {
  return Array.from({ length: count }, (_, i) => `${stem}${i} `);
}

/** A send that asks for its reply as a stream (Accept: text/event-stream). */
function streamSend(
  baseUrl: string,
  token: string,
  chatroomId: string,
  content: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/chatroom/${chatroomId}/message`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ content }),
  });
}

/** GET …/stream of a reply, resuming after `lastEventId` when given. */
function followReply(
  baseUrl: string,
  token: string,
  location: string,
  lastEventId?: string,
): Promise<Response> {
  return fetch(`${baseUrl}${location}/stream`, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
  });
}

/** Reads a stream until `deltas` text deltas have arrived, then drops the connection: the text and the last id. */
async function readThenDrop(response: Response, deltas: number): Promise<{ text: string; lastId: string }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let raw = '';
  let complete = '';
  while ((complete.match(/"text-delta"/g) ?? []).length < deltas) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended before enough deltas');
    raw += value;
    complete = raw.slice(0, raw.lastIndexOf('\n\n') + 2);
  }
  await reader.cancel();
  const frames = [...complete.matchAll(/^(?:id: (.+)\n)?data: (.+)$/gm)].map((match) => ({
    id: match[1],
    chunk: JSON.parse(match[2]!) as { type: string; delta?: string },
  }));
  const lastId = frames.findLast((frame) => frame.id !== undefined)!.id!;
  const text = frames
    .filter((frame) => frame.chunk.type === 'text-delta')
    .map((frame) => frame.chunk.delta)
    .join('');
  return { text, lastId };
}

withServices([database, redis], (db, space) => {
  describe('streamed replies across two API processes (A, C) and a worker process (B)', () => {
    let gemini: FakeGemini;
    let redisClient: Redis;
    let env: Record<string, string>;
    let apiA: ServiceProcess;
    let apiC: ServiceProcess;
    const workers: ServiceProcess[] = [];

    async function startWorker(): Promise<ServiceProcess> {
      // info level: the worker has no HTTP port, so its start-up log line tells when it runs.
      const worker = new ServiceProcess({ ...env, ROLE: 'worker', LOG_LEVEL: 'info' }, await freePort());
      workers.push(worker);
      await worker.started(false);
      return worker;
    }

    /** A new user with a chatroom, made through C. */
    async function aRoom(): Promise<{ token: string; chatroomId: string }> {
      const token = await signedUpUser(apiC.baseUrl);
      return { token, chatroomId: await newChatroom(apiC.baseUrl, token) };
    }

    async function stored(location: string, token: string): Promise<Record<string, any>> {
      return (await call(apiC.baseUrl, 'GET', location, { token })).body;
    }

    /** The requests the fake Gemini got whose last turn is `prompt`. */
    function modelRequestsFor(prompt: string): GeminiRequest[] {
      return gemini.requests.filter((request) => request.body.contents?.at(-1)?.parts[0]?.text === prompt);
    }

    /** Subscribers of a reply's wake-up channel, across every process (only API processes follow). */
    async function followerSubscriptions(replyId: string): Promise<number> {
      const [, count] = (await redisClient.pubsub('NUMSUB', `${space.prefix}reply:{${replyId}}:wake`)) as [
        string,
        number,
      ];
      return Number(count);
    }

    beforeAll(async () => {
      gemini = await FakeGemini.start();
      redisClient = new Redis(space.url);
      env = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        REDIS_URL: space.url,
        REDIS_KEY_PREFIX: space.prefix,
        JWT_SECRET: randomBytes(32).toString('hex'),
        OTP_DELIVERY: 'response',
        GEMINI_API_KEY: 'test-key',
        GEMINI_BASE_URL: gemini.baseUrl,
        REPLY_WAIT_MS: '10000',
        WORKER_CONCURRENCY: '4',
        WORKER_STALLED_INTERVAL_MS: '500',
      };
      // A applies the migrations; C starts on the migrated schema.
      apiA = new ServiceProcess({ ...env, ROLE: 'api' }, await freePort());
      await apiA.started(true);
      apiC = new ServiceProcess({ ...env, ROLE: 'api', MIGRATE_ON_START: 'false' }, await freePort());
      await Promise.all([apiC.started(true), startWorker()]);
    }, 120_000);

    afterAll(async () => {
      await Promise.all([apiA, apiC, ...workers].map((service) => service?.stop('SIGKILL')));
      redisClient?.disconnect();
      await gemini?.close();
      await deleteKeys(space.url, space.prefix);
      await db.drop();
    });

    it('streams a send from A while B writes, and resumes it on C after Last-Event-ID: both end with the stored text', async () => {
      const { token, chatroomId } = await aRoom();
      const answer = words(40);
      const resumedOnC = Promise.withResolvers<void>();
      gemini.answerWith(
        geminiStream(answer, { chunkDelayMs: 20, pause: { afterChunks: 10, until: resumedOnC.promise } }),
      );

      const sent = await streamSend(apiA.baseUrl, token, chatroomId, 'Count to forty');
      expect(sent.status).toBe(200);
      const location = sent.headers.get('location')!;
      const sender = readUiStream(sent.body!);
      // A second client follows on A and loses its connection after a delta; it resumes on C mid-answer.
      const dropped = await readThenDrop(await followReply(apiA.baseUrl, token, location), 1);
      const resumed = await followReply(apiC.baseUrl, token, location, dropped.lastId);
      expect(resumed.status).toBe(200);
      resumedOnC.resolve();
      const rest = await readUiStream(resumed.body!);
      const read = await sender;

      const reply = await stored(location, token);
      expect(reply).toMatchObject({ status: 'completed', content: answer.join('') });
      expect(read.text).toBe(reply.content);
      expect(read.chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
      expect(dropped.text.length).toBeGreaterThan(0);
      expect(dropped.text + rest.text).toBe(reply.content);
      expect(rest.ids).not.toContain(dropped.lastId);
      expect(rest.chunks.map((chunk) => chunk.type)).not.toContain('reset-step');
      expect(rest.chunks.at(-1)).toMatchObject({ type: 'finish' });
    });

    it('stops the job in B from C within a second: the model call is closed, the partial text kept, both streams abort', async () => {
      const { token, chatroomId } = await aRoom();
      const prompt = 'Talk until I stop you';
      const answer = words(400);
      // The model writes slowly and never finishes by itself.
      gemini.answerWith(geminiStream(answer, { chunkDelayMs: 25, hold: true }));
      const sent = await streamSend(apiA.baseUrl, token, chatroomId, prompt);
      const location = sent.headers.get('location')!;
      const sender = readUiStream(sent.body!);
      const follower = readUiStream((await followReply(apiC.baseUrl, token, location)).body!);
      await expect
        .poll(async () => (await stored(location, token)).content.length, { timeout: 10_000, interval: 100 })
        .toBeGreaterThan(0);
      const [modelCall] = modelRequestsFor(prompt);

      const stopSentAt = Date.now();
      const stop = await call(apiC.baseUrl, 'POST', `${location}/stop`, { token });
      const stopAnsweredMs = Date.now() - stopSentAt;

      expect(stop.status).toBe(200);
      expect(stop.body.status).toBe('stopped');
      await expect.poll(() => modelCall?.closedByClientAt, { timeout: 5000 }).toBeDefined();
      const modelClosedMs = modelCall!.closedByClientAt! - stopSentAt;
      console.info(
        `stop across processes: model call closed ${modelClosedMs} ms after POST /stop, which answered in ${stopAnsweredMs} ms`,
      );
      expect(modelClosedMs).toBeLessThan(1500);
      const reply = await stored(location, token);
      expect(reply).toMatchObject({ status: 'stopped', content: stop.body.content });
      expect(reply.content.length).toBeGreaterThan(0);
      expect(answer.join('').startsWith(reply.content)).toBe(true);
      for (const read of await Promise.all([sender, follower])) {
        expect(read.chunks.at(-1)).toEqual({ type: 'abort', reason: 'stopped' });
        expect(read.text).toBe(reply.content);
      }
    });

    it('makes one exchange of 10 concurrent sends with one Idempotency-Key over A and C: one prompt, one quota unit, one model call', async () => {
      const { token, chatroomId } = await aRoom();
      const prompt = 'Only once, however often I ask';
      const key = `key-${randomBytes(6).toString('hex')}`;
      gemini.answerWith(geminiStream(words(10), { chunkDelayMs: 20 }));

      // Five wait for the reply as JSON, five stream it; even ones go to A, odd ones to C.
      const replyIds = await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const api = i % 2 === 0 ? apiA.baseUrl : apiC.baseUrl;
          if (i < 5) {
            const sent = await call(api, 'POST', `/chatroom/${chatroomId}/message`, {
              token,
              body: { content: prompt },
              headers: { 'idempotency-key': key },
            });
            expect([201, 202]).toContain(sent.status);
            return sent.body.reply.id as string;
          }
          const sent = await streamSend(api, token, chatroomId, prompt, { 'idempotency-key': key });
          expect(sent.status).toBe(200);
          const read = await readUiStream(sent.body!);
          expect(read.text).toBe(words(10).join(''));
          return (read.chunks[0] as { messageId: string }).messageId;
        }),
      );

      expect(new Set(replyIds).size).toBe(1);
      const page = await call(apiC.baseUrl, 'GET', `/chatroom/${chatroomId}/messages`, { token });
      expect(page.body.messages.map((message: { role: string }) => message.role).sort()).toEqual([
        'model',
        'user',
      ]);
      expect((await call(apiA.baseUrl, 'GET', '/user/me', { token })).body.usage.used).toBe(1);
      expect(modelRequestsFor(prompt)).toHaveLength(1);
    });

    it('gives 200 followers on A the stored text through one subscription, and holds none once they are done', async () => {
      const { token, chatroomId } = await aRoom();
      const followersIn = Promise.withResolvers<void>();
      gemini.answerWith(
        geminiStream(words(80), { chunkDelayMs: 10, pause: { afterChunks: 0, until: followersIn.promise } }),
      );
      const sent = await call(apiA.baseUrl, 'POST', `/chatroom/${chatroomId}/message`, {
        token,
        body: { content: 'Tell everyone' },
        headers: { prefer: 'respond-async' },
      });
      const location = sent.headers.get('location')!;
      const replyId = sent.body.reply.id as string;

      const responses = await Promise.all(
        Array.from({ length: 200 }, () => followReply(apiA.baseUrl, token, location)),
      );
      const reads = Promise.all(responses.map((response) => readUiStream(response.body!)));
      // They follow the pending reply live, through A's one subscriber connection.
      await expect.poll(() => followerSubscriptions(replyId), { timeout: 10_000 }).toBe(1);
      followersIn.resolve();
      const ended = await reads;

      const reply = await stored(location, token);
      expect(reply).toMatchObject({ status: 'completed', content: words(80).join('') });
      for (const read of ended) expect(read.text).toBe(reply.content);
      await expect.poll(() => followerSubscriptions(replyId)).toBe(0);
      expect(await redisClient.pubsub('CHANNELS', `${space.prefix}reply:*`)).toEqual([]);
    }, 60_000);

    it('retries a reply whose worker was SIGKILLed mid-answer in a new worker: the text was saved, every follower ends with the stored text', async () => {
      const { token, chatroomId } = await aRoom();
      const prompt = 'An answer that outlives its worker';
      const firstAttempt = words(160, 'first');
      const retried = words(12, 'second');
      gemini.answerWith(
        geminiStream(firstAttempt, { chunkDelayMs: 50, hold: true }),
        geminiStream(retried, { chunkDelayMs: 20 }),
      );
      const sent = await streamSend(apiA.baseUrl, token, chatroomId, prompt);
      const location = sent.headers.get('location')!;
      const followers = [
        readUiStream(sent.body!),
        readUiStream((await followReply(apiC.baseUrl, token, location)).body!),
      ];

      // The text so far is saved at least once a second while the model writes.
      let firstSave = '';
      await expect
        .poll(
          async () => {
            firstSave = (await stored(location, token)).content;
            return firstSave.length;
          },
          { timeout: 10_000, interval: 100 },
        )
        .toBeGreaterThan(0);
      await sleep(2000);
      const laterSave = (await stored(location, token)).content as string;
      expect(laterSave.length).toBeGreaterThan(firstSave.length);

      await workers.at(-1)!.stop('SIGKILL');
      const afterKill = await stored(location, token);
      expect(afterKill.status).toBe('pending');
      expect(afterKill.content.length).toBeGreaterThanOrEqual(laterSave.length);
      expect(firstAttempt.join('').startsWith(afterKill.content)).toBe(true);
      // One more follower joins while no worker runs the reply.
      followers.push(readUiStream((await followReply(apiC.baseUrl, token, location)).body!));
      await startWorker();

      const reads = await Promise.all(followers);
      const reply = await stored(location, token);
      expect(reply).toMatchObject({ status: 'completed', content: retried.join('') });
      for (const read of reads) {
        expect(read.chunks.map((chunk) => chunk.type)).toContain('reset-step');
        expect(read.text).toBe(reply.content);
      }
      expect(modelRequestsFor(prompt)).toHaveLength(2);
    }, 60_000);
  });
});
