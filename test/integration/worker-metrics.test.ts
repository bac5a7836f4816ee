import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplesOf, sampleValue } from '#test/support/prometheus-text.ts';
import { deleteKeys } from '#test/support/redis-keys.ts';
import { call, freePort, ServiceProcess } from '#test/support/server-process.ts';
import { createTestDatabase, testRedis, withServices } from '#test/support/services.ts';

const database = await createTestDatabase();
const redis = await testRedis();

const METRICS_TOKEN = randomBytes(24).toString('hex');
const AUTHORIZED = { Authorization: `Bearer ${METRICS_TOKEN}` };

/** Until `url` answers at all (a listener opens just after the start-up line). */
async function listening(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await fetch(url).then(
      () => true,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer in time`);
    await sleep(50);
  }
}

async function scrape(baseUrl: string) {
  const response = await fetch(`${baseUrl}/metrics`, { headers: AUTHORIZED });
  expect(response.status).toBe(200);
  return samplesOf(await response.text());
}

withServices([database, redis], (db, space) => {
  describe('a ROLE=worker process with METRICS_PORT, behind a ROLE=api process', () => {
    let api: ServiceProcess;
    let worker: ServiceProcess;
    let workerMetrics: string;

    beforeAll(async () => {
      const env = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: db.url,
        REDIS_URL: space.url,
        REDIS_KEY_PREFIX: space.prefix,
        JWT_SECRET: randomBytes(32).toString('hex'),
        GEMINI_API_KEY: '',
        STRIPE_SECRET_KEY: '',
        OFFLINE_MODEL_WORD_MS: '0',
        REPLY_WAIT_MS: '10000',
        METRICS_TOKEN,
      };
      api = new ServiceProcess({ ...env, ROLE: 'api' }, await freePort());
      await api.started(true);
      const metricsPort = await freePort();
      worker = new ServiceProcess(
        { ...env, ROLE: 'worker', MIGRATE_ON_START: 'false', METRICS_PORT: String(metricsPort) },
        await freePort(),
      );
      await worker.started(false);
      workerMetrics = `http://127.0.0.1:${metricsPort}`;
      await listening(`${workerMetrics}/healthz`);
    }, 90_000);

    afterAll(async () => {
      await Promise.all([api, worker].filter(Boolean).map((service) => service.stop('SIGKILL')));
      await deleteKeys(space.url, space.prefix);
      await db.drop();
    });

    it('answers /healthz, and /metrics only with METRICS_TOKEN', async () => {
      const health = await call(workerMetrics, 'GET', '/healthz');
      const anonymous = await call(workerMetrics, 'GET', '/metrics');
      const samples = await scrape(workerMetrics);

      expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(anonymous).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
      expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(await call(workerMetrics, 'GET', '/chatroom')).toMatchObject({
        status: 404,
        body: { code: 'NOT_FOUND' },
      });
    });

    it("logs a send's reply with the send's X-Request-Id, and counts it in the worker's metrics", async () => {
      const mobile = `+9196${String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
      await call(api.baseUrl, 'POST', '/auth/signup', { body: { mobile } });
      const issued = await call(api.baseUrl, 'POST', '/auth/send-otp', { body: { mobile } });
      const session = await call(api.baseUrl, 'POST', '/auth/verify-otp', {
        body: { mobile, otp: issued.body.otp },
      });
      const token = session.body.token as string;
      const room = await call(api.baseUrl, 'POST', '/chatroom', { token, body: { title: 'Traced' } });

      const sent = await call(api.baseUrl, 'POST', `/chatroom/${room.body.id}/message`, {
        token,
        body: { content: 'follow me into the worker' },
        headers: { 'X-Request-Id': 'trace-worker-1' },
      });

      expect(sent.status).toBe(201);
      const replyId = sent.body.reply.id as string;
      const ended = await worker.logLine((line) => line.msg === 'reply ended' && line.replyId === replyId);
      expect(ended).toMatchObject({ reqId: 'trace-worker-1', status: 'completed' });
      const aboutReply = worker.logLines().filter((line) => line.replyId === replyId);
      expect(aboutReply.every((line) => line.reqId === 'trace-worker-1')).toBe(true);

      const fromWorker = await scrape(workerMetrics);
      expect(sampleValue(fromWorker, 'gemini_chat_reply_jobs_finished_total', { outcome: 'completed' })).toBe(
        1,
      );
      expect(
        sampleValue(fromWorker, 'gemini_chat_reply_duration_seconds_count', { status: 'completed' }),
      ).toBe(1);
      const promptTokens = { tier: 'basic', type: 'prompt' };
      expect(sampleValue(fromWorker, 'gemini_chat_model_tokens_total', promptTokens)).toBeGreaterThan(0);
      // The queue's counts come from Redis, so the API process shows them too.
      const fromApi = await scrape(api.baseUrl);
      expect(sampleValue(fromApi, 'gemini_chat_reply_jobs', { state: 'waiting' })).toBe(0);
      const send = { method: 'POST', route: '/chatroom/:id/message', status: '201' };
      expect(sampleValue(fromApi, 'gemini_chat_http_request_duration_seconds_count', send)).toBe(1);
    }, 30_000);

    it('stops on SIGTERM with exit code 0, closing its metrics listener', async () => {
      // A scraper's kept-alive connection stays open meanwhile.
      await scrape(workerMetrics);

      expect(await worker.stop('SIGTERM')).toBe(0);
      // 'exit' can come before the last output is read: wait for the output's end.
      const output = worker.child.stdout!;
      if (!output.closed) await once(output, 'close');
      expect(worker.logLines().at(-1)?.msg).toBe('stopped');
    }, 40_000);
  });
});
