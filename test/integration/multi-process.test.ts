import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGemini, geminiHang } from '#test/support/fake-gemini.ts';
import { deleteKeys } from '#test/support/redis-keys.ts';
import {
  type Answer,
  call,
  freePort,
  newChatroom,
  ServiceProcess,
  signedUpUser,
} from '#test/support/server-process.ts';
import { createTestDatabase, testRedis, withServices } from '#test/support/services.ts';

const database = await createTestDatabase();
const redis = await testRedis();

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
      const token = await signedUpUser(a);
      const chatroomId = await newChatroom(b, token);
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
      const token = await signedUpUser(apis[0]!.baseUrl);
      const chatroomId = await newChatroom(apis[0]!.baseUrl, token);
      // Both APIs have read (and may keep) the standing before any prompt is counted.
      for (const api of apis) {
        expect((await call(api.baseUrl, 'GET', '/user/me', { token })).body.usage.used).toBe(0);
      }
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
      // Each API's GET /user/me sees the five counted at once, whichever process counted them.
      for (const api of apis) {
        const me = await call(api.baseUrl, 'GET', '/user/me', { token });
        expect(me.body.usage).toMatchObject({ used: 5, remaining: 0 });
      }
    });

    it("refuses a token in the other API the moment a password change answers, and serves the user's new state there, 10 times out of 10", async () => {
      const [a, b] = apis.map((api) => api.baseUrl) as [string, string];
      let token = await signedUpUser(a);
      for (let round = 1; round <= 10; round++) {
        const [writer, other] = round % 2 === 0 ? [a, b] : [b, a];
        // Both processes have just authenticated the token (and may keep what they read).
        for (const api of [a, b]) expect((await call(api, 'GET', '/user/me', { token })).status).toBe(200);
        const changed = await call(writer, 'POST', '/auth/change-password', {
          token,
          body: {
            newPassword: `password-${round}`,
            ...(round > 1 ? { currentPassword: `password-${round - 1}` } : {}),
          },
        });
        expect(changed.status).toBe(200);
        const refused = await call(other, 'GET', '/user/me', { token });
        expect(refused.status).toBe(401);
        const fresh = await call(other, 'GET', '/user/me', { token: changed.body.token as string });
        expect(fresh.status).toBe(200);
        expect(fresh.body.user.hasPassword).toBe(true);
        token = changed.body.token as string;
      }
    });

    it('lists a chatroom just created, renamed or deleted through one API on the next read through the other, 10 times out of 10', async () => {
      const [a, b] = apis.map((api) => api.baseUrl) as [string, string];
      const token = await signedUpUser(a);
      const titles = async (api: string) =>
        ((await call(api, 'GET', '/chatroom', { token })).body.chatrooms as { title: string }[]).map(
          (room) => room.title,
        );
      for (let round = 1; round <= 10; round++) {
        const [writer, reader] = round % 2 === 0 ? [a, b] : [b, a];
        // Both lists cached before the write.
        await titles(a);
        await titles(b);
        const id = await newChatroom(writer, token, `Room ${round}`);
        expect(await titles(reader)).toContain(`Room ${round}`);
        expect(
          (await call(writer, 'PATCH', `/chatroom/${id}`, { token, body: { title: `Renamed ${round}` } }))
            .status,
        ).toBe(200);
        expect(await titles(reader)).toContain(`Renamed ${round}`);
        expect((await call(writer, 'DELETE', `/chatroom/${id}`, { token })).status).toBe(204);
        expect(await titles(reader)).not.toContain(`Renamed ${round}`);
      }
    });

    it('refuses the token of a user deleted from the database in both APIs within the cache lifetime (5 s)', async () => {
      const [a, b] = apis.map((api) => api.baseUrl) as [string, string];
      const token = await signedUpUser(a);
      for (const api of [a, b]) expect((await call(api, 'GET', '/user/me', { token })).status).toBe(200);
      const { sub } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        sub: string;
      };
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query('delete from users where id = $1', [sub]);
      await client.end();
      const deleted = Date.now();
      for (const api of [a, b]) {
        let status = 200;
        while (status === 200 && Date.now() - deleted < 10_000) {
          status = (await call(api, 'GET', '/user/me', { token })).status;
          if (status === 200) await sleep(100);
        }
        expect(status).toBe(401);
      }
      expect(Date.now() - deleted).toBeLessThan(6_000);
    });

    it('leaves no reply pending when the worker is killed mid-job: a new worker picks the job up', async () => {
      const token = await signedUpUser(apis[1]!.baseUrl);
      const chatroomId = await newChatroom(apis[1]!.baseUrl, token);
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
