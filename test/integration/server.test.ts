import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedInUser, startTestApp, type TestApp, type TestClient } from '#test/support/http.ts';
import { deleteKeys } from '#test/support/redis-keys.ts';
import {
  call,
  freePort,
  type LogLine,
  offlineServiceEnv,
  ServiceProcess,
} from '#test/support/server-process.ts';
import { createTestDatabase, testRedis, withServices } from '#test/support/services.ts';
import { TcpRelay } from '#test/support/tcp-relay.ts';

const database = await createTestDatabase();
const redis = await testRedis();

/** What every spawned server gets: one key for all, so tokens outlive a restart (see offlineServiceEnv). */
const BASE_ENV = { ...offlineServiceEnv(), ROLE: 'all' };

const running = new Set<ServiceProcess>();

async function startServer(env: Record<string, string>): Promise<ServiceProcess> {
  const server = new ServiceProcess({ ...BASE_ENV, ...env }, await freePort());
  running.add(server);
  void server.exited().then(() => running.delete(server));
  return server;
}

const isAdaptersLine = (line: LogLine) => line.msg?.startsWith('adapters:') === true;

afterAll(async () => {
  await Promise.all([...running].map((server) => server.stop('SIGKILL')));
});

function aMobile(): string {
  return `+9197${String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
}

describe('the offline service on its embedded database', () => {
  let parent: string;
  let dataDir: string;
  let first: ServiceProcess;
  let firstStartMs: number;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'gemini-chat-data-'));
    dataDir = join(parent, 'data');
    first = await startServer({ DATA_DIR: dataDir });
    // The first start copies the prepared database files (the embedded template) and opens them.
    firstStartMs = await first.started(true, 60_000);
  }, 70_000);

  afterAll(async () => {
    await first?.stop('SIGKILL');
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  it('names every adapter in its start-up line', () => {
    const line = first.logLines().find(isAdaptersLine);
    expect(line).toMatchObject({
      level: 30,
      role: 'all',
      database: `embedded-postgres (pglite) at ${dataDir}`,
      cache: 'in-process',
      queue: 'in-process',
      model: 'offline',
      payments: 'offline checkout',
    });
    expect(line?.msg).toBe(
      `adapters: database=embedded-postgres (pglite) at ${dataDir}, cache=in-process, queue=in-process, model=offline, payments=offline checkout`,
    );
  });

  it('creates DATA_DIR readable by its owner only', async () => {
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it('keeps a user, its password and its chatrooms across a restart on the same DATA_DIR', async () => {
    const mobile = aMobile();
    const password = 'correct horse battery';
    expect((await call(first.baseUrl, 'POST', '/auth/signup', { body: { mobile, password } })).status).toBe(
      201,
    );
    const session = await call(first.baseUrl, 'POST', '/auth/login', { body: { mobile, password } });
    expect(session.status).toBe(200);
    const created = await call(first.baseUrl, 'POST', '/chatroom', {
      token: session.body.token,
      body: { title: 'Survives restarts' },
    });
    expect(created.status).toBe(201);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.logLines().at(-1)?.msg).toBe('stopped');

    const second = await startServer({ DATA_DIR: dataDir });
    const restartMs = await second.started(true, 30_000);
    console.log(
      `embedded database: first start ready in ${firstStartMs} ms, restart ready in ${restartMs} ms`,
    );

    const again = await call(second.baseUrl, 'POST', '/auth/login', { body: { mobile, password } });
    expect(again.status).toBe(200);
    expect(again.body.user.id).toBe(session.body.user.id);
    const list = await call(second.baseUrl, 'GET', '/chatroom', { token: again.body.token });
    expect(list.body.chatrooms).toEqual([created.body]);
    // The same JWT_SECRET: a token from before the restart still works.
    expect((await call(second.baseUrl, 'GET', '/user/me', { token: session.body.token })).status).toBe(200);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 90_000);
});

describe('a worker without PostgreSQL and Redis', () => {
  it('refuses to start with exit code 2 and says why', async () => {
    const worker = await startServer({ ROLE: 'worker', DATABASE_URL: 'memory' });
    expect(await worker.exited()).toBe(2);
    expect(worker.output).toContain('ROLE=worker needs DATABASE_URL pointing at PostgreSQL and REDIS_URL');
  });
});

withServices([database, redis], (db, space) => {
  afterAll(async () => {
    await deleteKeys(space.url, space.prefix);
    await db.drop();
  });

  describe('the service on PostgreSQL and Redis', () => {
    const env = () => ({
      DATABASE_URL: db.url,
      REDIS_URL: space.url,
      REDIS_KEY_PREFIX: `${space.prefix}procs:`,
    });
    const databaseName = () => `postgres at 127.0.0.1:5432${new URL(db.url).pathname}`;

    it('names PostgreSQL, Redis and BullMQ in its start-up line', async () => {
      const server = await startServer(env());
      await server.started(true);
      expect(server.logLines().find(isAdaptersLine)).toMatchObject({
        role: 'all',
        database: databaseName(),
        cache: 'redis',
        queue: 'bullmq (worker, concurrency 32)',
        model: 'offline',
        payments: 'offline checkout',
      });
      expect(await server.stop('SIGTERM')).toBe(0);
    });

    it('runs a worker alone, without HTTP, that stops with exit code 0 on SIGTERM', async () => {
      const worker = await startServer({ ...env(), ROLE: 'worker' });
      await worker.started(false);
      expect(worker.logLines().find(isAdaptersLine)).toMatchObject({
        role: 'worker',
        database: databaseName(),
        cache: 'redis',
        queue: 'bullmq (worker, concurrency 32)',
      });
      expect(worker.logLines().some((line) => line.msg?.startsWith('listening'))).toBe(false);
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(worker.logLines().at(-1)?.msg).toBe('stopped');
    });
  });

  describe('Redis going away during HTTP traffic', () => {
    let relay: TcpRelay;
    let app: TestApp;
    let client: TestClient;

    beforeAll(async () => {
      relay = await TcpRelay.start(space.url);
      app = await startTestApp({
        env: {
          DATABASE_URL: db.url,
          REDIS_URL: relay.urlFor(space.url),
          REDIS_KEY_PREFIX: `${space.prefix}outage:`,
        },
      });
      client = app.client;
    });

    afterEach(async () => {
      relay.restore();
      await untilReady(client);
    });

    afterAll(async () => {
      await app?.close();
      await relay?.close();
    });

    it('answers a send with 503 NOT_READY at once, gives the prompt back, and sends again once Redis is back', async () => {
      const { token } = await signedInUser(client);
      const chatroom = await client.post('/chatroom', { title: 'Outage' }, { token });
      const path = `/chatroom/${chatroom.body.id}`;
      expect((await client.post(`${path}/message`, { content: 'before' }, { token })).status).toBe(201);
      const usedBefore = (await client.get('/user/me', { token })).body.usage.used;

      relay.cut();
      const startedAt = Date.now();
      const refused = await client.post(`${path}/message`, { content: 'during the outage' }, { token });
      const elapsedMs = Date.now() - startedAt;
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.body).toMatchObject({ status: 503, code: 'NOT_READY' });
      console.log(`Redis refused: send answered 503 in ${elapsedMs} ms`);
      expect(elapsedMs).toBeLessThan(2500);

      expect((await client.get('/user/me', { token })).body.usage.used).toBe(usedBefore);
      const room = await client.get(path, { token });
      // A refused send leaves no trace: the room still ends with the exchange sent before the outage.
      expect(room.body.messages.filter((m: { status: string }) => m.status === 'pending')).toEqual([]);
      // A refused send leaves no trace: the last exchange is still the one from before the outage.
      expect(room.body.messages.at(-2)).toMatchObject({ role: 'user', content: 'before' });
      expect(room.body.messages.at(-1)).toMatchObject({ role: 'model', status: 'completed' });
      const readiness = await client.get('/readyz');
      expect(readiness.status).toBe(503);
      expect(readiness.body).toMatchObject({
        code: 'NOT_READY',
        checks: { database: 'ok', redis: 'failing' },
      });

      relay.restore();
      await untilReady(client);
      const after = await client.post(`${path}/message`, { content: 'after' }, { token });
      expect(after.status).toBe(201);
      expect(after.body.reply.status).toBe('completed');
    }, 20_000);

    it('answers send-otp, forgot-password and login with 503 NOT_READY at once while Redis is down, and serves them again after', async () => {
      const password = 'correct horse battery';
      const { mobile } = await signedInUser(client, { password });
      const calls = [
        ['/auth/send-otp', { mobile }],
        ['/auth/forgot-password', { mobile }],
        ['/auth/login', { mobile, password }],
      ] as const;

      relay.cut();
      for (const [path, body] of calls) {
        const startedAt = Date.now();
        const refused = await client.post(path, body);
        const elapsedMs = Date.now() - startedAt;
        expect({ path, status: refused.status, code: refused.body.code }).toEqual({
          path,
          status: 503,
          code: 'NOT_READY',
        });
        expect(refused.headers.get('content-type')).toBe('application/problem+json');
        expect(refused.headers.get('retry-after')).toBe('1');
        console.log(`Redis refused: ${path} answered 503 in ${elapsedMs} ms`);
        expect(elapsedMs).toBeLessThan(2500);
      }

      relay.restore();
      await untilReady(client);
      expect((await client.post('/auth/send-otp', { mobile })).status).toBe(200);
      expect((await client.post('/auth/forgot-password', { mobile })).status).toBe(200);
      const session = await client.post('/auth/login', { mobile, password });
      expect(session.status).toBe(200);
      expect(session.body.user.mobile).toBe(mobile);
    }, 20_000);

    it('lists chatrooms from the database while Redis is down, and a list cached again after shows the new ones', async () => {
      const { token } = await signedInUser(client);
      const older = (await client.post('/chatroom', { title: 'Before' }, { token })).body;
      expect((await client.get('/chatroom', { token })).headers.get('x-cache')).toBe('MISS');
      expect((await client.get('/chatroom', { token })).headers.get('x-cache')).toBe('HIT');

      relay.cut();
      const newer = await client.post('/chatroom', { title: 'During' }, { token });
      expect(newer.status).toBe(201);
      const during = await client.get('/chatroom', { token });
      expect(during.status).toBe(200);
      expect(during.headers.get('x-cache')).toBe('MISS');
      expect(during.body.chatrooms.map((c: { id: string }) => c.id)).toEqual([newer.body.id, older.id]);

      relay.restore();
      await untilReady(client);
      const cached = await eventually(async () => {
        const list = await client.get('/chatroom', { token });
        return list.headers.get('x-cache') === 'HIT' ? list : undefined;
      });
      expect(cached.body.chatrooms.map((c: { id: string }) => c.id)).toEqual([newer.body.id, older.id]);
    }, 20_000);

    it('answers within 2.5 s when Redis hangs instead of refusing: 503 for a send and send-otp, the list from the database', async () => {
      const { token, mobile } = await signedInUser(client);
      const chatroom = (await client.post('/chatroom', { title: 'Frozen' }, { token })).body;
      expect((await client.get('/chatroom', { token })).headers.get('x-cache')).toBe('MISS');

      relay.hang();
      const timed = async <T>(work: () => Promise<T>) => {
        const startedAt = Date.now();
        const result = await work();
        return { result, ms: Date.now() - startedAt };
      };
      const [send, list, readiness, otp] = await Promise.all([
        timed(() => client.post(`/chatroom/${chatroom.id}/message`, { content: 'anyone there?' }, { token })),
        timed(() => client.get('/chatroom', { token })),
        timed(() => client.get('/readyz')),
        timed(() => client.post('/auth/send-otp', { mobile })),
      ]);
      expect(send.result.status).toBe(503);
      expect(send.result.body.code).toBe('NOT_READY');
      expect(otp.result.status).toBe(503);
      expect(otp.result.body.code).toBe('NOT_READY');
      expect(list.result.status).toBe(200);
      expect(list.result.headers.get('x-cache')).toBe('MISS');
      expect(list.result.body.chatrooms).toEqual([chatroom]);
      expect(readiness.result.status).toBe(503);
      console.log(
        `Redis hung: send 503 in ${send.ms} ms, list 200 in ${list.ms} ms, readyz 503 in ${readiness.ms} ms, send-otp 503 in ${otp.ms} ms`,
      );
      expect([send.ms, list.ms, readiness.ms, otp.ms].every((ms) => ms < 2500)).toBe(true);
      expect((await client.get('/user/me', { token })).body.usage.used).toBe(0);
    }, 20_000);
  });
});

async function untilReady(client: TestClient): Promise<void> {
  await eventually(async () => ((await client.get('/readyz')).status === 200 ? true : undefined));
}

/** Polls `probe` until it returns a value, for up to 10 s. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await sleep(100);
  }
}
