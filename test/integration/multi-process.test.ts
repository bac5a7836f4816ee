import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGemini, geminiHang } from '#test/support/fake-gemini.ts';
import { deleteKeys } from '#test/support/redis-keys.ts';
import { type Answer, call, freePort, ServiceProcess } from '#test/support/server-process.ts';
import { createTestDatabase, testRedis, withServices } from '#test/support/services.ts';

const database = await createTestDatabase();
const redis = await testRedis();

/** Signs a new Basic user up through one API and returns its token. */
async function aUser(baseUrl: string): Promise<string> {
  const mobile = `+9198${String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
  expect((await call(baseUrl, 'POST', '/auth/signup', { body: { mobile } })).status).toBe(201);
  const issued = await call(baseUrl, 'POST', '/auth/send-otp', { body: { mobile } });
  const session = await call(baseUrl, 'POST', '/auth/verify-otp', { body: { mobile, otp: issued.body.otp } });
  expect(session.status).toBe(200);
  return session.body.token as string;
}

async function aChatroom(baseUrl: string, token: string): Promise<string> {
  const created = await call(baseUrl, 'POST', '/chatroom', { token, body: { title: 'Scale-out' } });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

withServices([database, redis], (db, space) => {
  describe('two API processes and a worker process on one PostgreSQL and one Redis', () => {
    let gemini: FakeGemini;
    let env: Record<string, string>;
    let apis: ServiceProcess[] = [];
    let workers: ServiceProcess[] = [];

    async function startWorker(): Promise<ServiceProcess> {
      // info level: the worker has no HTTP port, so its start-up log line tells when it runs.
      const worker = new ServiceProcess({ ...env, ROLE: 'worker', LOG_LEVEL: 'info' }, await freePort());
      workers.push(worker);
      await worker.started(false);
      return worker;
    }

    beforeAll(async () => {
      gemini = await FakeGemini.start();
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
        MODEL_TIMEOUT_MS: '60000',
        REPLY_WAIT_MS: '10000',
        WORKER_CONCURRENCY: '4',
        WORKER_STALLED_INTERVAL_MS: '500',
      };
      // The first API applies the migrations; the others start on the migrated schema.
      const first = new ServiceProcess({ ...env, ROLE: 'api' }, await freePort());
      apis = [first];
      await first.started(true);
      const second = new ServiceProcess({ ...env, ROLE: 'api', MIGRATE_ON_START: 'false' }, await freePort());
      apis.push(second);
      await second.started(true);
      await startWorker();
    }, 90_000);

    afterAll(async () => {
      await Promise.all([...apis, ...workers].map((service) => service.stop('SIGKILL')));
      await gemini?.close();
      await deleteKeys(space.url, space.prefix);
      await db.drop();
    });

    it('answers a waiting send on either API with the reply the worker produced', async () => {
      const [a, b] = apis.map((api) => api.baseUrl) as [string, string];
      const token = await aUser(a);
      const chatroomId = await aChatroom(b, token);
      const before = gemini.requests.length;
      for (const api of [a, b]) {
        const sent = await call(api, 'POST', `/chatroom/${chatroomId}/message`, {
          token,
          body: { content: `via ${api}` },
        });
        expect(sent.status).toBe(201);
        expect(sent.body.reply).toMatchObject({
          role: 'model',
          status: 'completed',
          content: 'Hello from Gemini',
        });
      }
      expect(gemini.requests.length - before).toBe(2);
    });

    it('admits exactly 5 of 10 concurrent sends by a Basic user spread over both APIs', async () => {
      const token = await aUser(apis[0]!.baseUrl);
      const chatroomId = await aChatroom(apis[0]!.baseUrl, token);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call(apis[i % 2]!.baseUrl, 'POST', `/chatroom/${chatroomId}/message`, {
            token,
            body: { content: `prompt ${i}` },
            headers: { prefer: 'respond-async' },
          }),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429, 429, 429, 429]);
    });

    it('leaves no reply pending when the worker is killed mid-job: a new worker picks the job up', async () => {
      const token = await aUser(apis[1]!.baseUrl);
      const chatroomId = await aChatroom(apis[1]!.baseUrl, token);
      gemini.answerWith(geminiHang);
      const before = gemini.requests.length;
      const sent = await call(apis[1]!.baseUrl, 'POST', `/chatroom/${chatroomId}/message`, {
        token,
        body: { content: 'a question the first worker never answers' },
        headers: { prefer: 'respond-async' },
      });
      expect(sent.status).toBe(202);
      const location = sent.headers.get('location')!;
      for (let i = 0; gemini.requests.length === before; i++) {
        if (i > 200) throw new Error('the worker never called the model');
        await sleep(50);
      }
      await workers[0]!.stop('SIGKILL');
      await startWorker();

      let reply: Answer | undefined;
      for (let i = 0; i < 100; i++) {
        reply = await call(apis[0]!.baseUrl, 'GET', location, { token });
        if (reply.body.status !== 'pending') break;
        await sleep(100);
      }
      expect(reply?.body).toMatchObject({ status: 'completed', content: 'Hello from Gemini' });
    });

    it('stops every process with exit code 0 on SIGTERM', async () => {
      const running = [...apis, ...workers].filter(
        (service) => service.child.exitCode === null && !service.child.killed,
      );
      const codes = await Promise.all(running.map((service) => service.stop('SIGTERM')));
      expect(codes).toEqual(running.map(() => 0));
      apis = [];
      workers = [];
    });
  });
});
