import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGemini } from '#test/support/fake-gemini.ts';
import { type PostgresServer, startPostgresServer } from '#test/support/postgres-server.ts';
import { type RedisServer, startRedisServer } from '#test/support/redis-server.ts';
import { call, freePort, type LogLine, ServiceProcess } from '#test/support/server-process.ts';

/** The reconciler in this test: a pass every 0.5 s; a reply pending 3 s is queued again, one pending 15 s fails. */
const RECONCILE = {
  RECONCILE_INTERVAL_MS: '500',
  REPLY_REQUEUE_AFTER_MS: '3000',
  REPLY_FAIL_AFTER_MS: '15000',
};
/**
 * The bound on healing once an outage ends: the requeue deadline (3 s), a pass (0.5 s), the backlog's answers
 * (0.45 s each, 2 at a time), with room for a loaded 2-core machine.
 */
const HEALED_WITHIN_MS = 20_000;
const USERS = 3;

interface Sender {
  token: string;
  chatroomId: string;
  /** When each send was answered, and how. */
  answers: { at: number; status: number }[];
}

/** What the database holds per user: prompts stored, replies that count against the quota, quota used. */
interface Ledger {
  pending: number;
  failed: number;
  prompts: Record<string, number>;
  counted: Record<string, number>;
  used: Record<string, number>;
}

/**
 * The service (API and worker in one process) on a Redis and a PostgreSQL of this test's own, answering with a slow
 * model while users keep sending. Redis is killed and comes back empty; PostgreSQL stops for 6 s. Without a restart
 * of the service, every reply ends within HEALED_WITHIN_MS of the outage's end and each user's quota counts exactly
 * the replies that did not fail.
 */
describe('outages under a stream of sends', () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let gemini: FakeGemini;
  let service: ServiceProcess;
  let database: pg.Client | undefined;
  const senders: Sender[] = [];
  const recovery: Record<string, { sendsAgainMs: number; nothingPendingMs: number; requeued: number }> = {};

  async function aSender(): Promise<Sender> {
    const base = service.baseUrl;
    const mobile = `+9196${String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
    await call(base, 'POST', '/auth/signup', { body: { mobile } });
    const issued = await call(base, 'POST', '/auth/send-otp', { body: { mobile } });
    const session = await call(base, 'POST', '/auth/verify-otp', { body: { mobile, otp: issued.body.otp } });
    const token = session.body.token as string;
    const room = await call(base, 'POST', '/chatroom', { token, body: { title: 'Outages' } });
    return { token, chatroomId: room.body.id as string, answers: [] };
  }

  /** Each user sends a prompt every ~300 ms until `stop` aborts; resolves when the last send has answered. */
  async function sendUntil(stop: AbortSignal): Promise<void> {
    await Promise.all(
      senders.map(async (sender, index) => {
        for (let i = 0; !stop.aborted; i++) {
          const answer = await fetch(`${service.baseUrl}/chatroom/${sender.chatroomId}/message`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${sender.token}`,
              'content-type': 'application/json',
              prefer: 'respond-async',
            },
            body: JSON.stringify({ content: `prompt ${index}.${i}` }),
          });
          await answer.text();
          sender.answers.push({ at: Date.now(), status: answer.status });
          await sleep(300);
        }
      }),
    );
  }

  /** The sends, by answer, since `from`. */
  function answersSince(from: number): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const { at, status } of senders.flatMap((sender) => sender.answers)) {
      if (at >= from) counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  /** Runs a stream of sends through `outage`, until a send is accepted again after it; ms until that send. */
  async function sendThrough(outage: () => Promise<number>): Promise<{ back: number; sendsAgainMs: number }> {
    const stop = new AbortController();
    const sending = sendUntil(stop.signal);
    await sleep(1500);
    const back = await outage();
    const accepted = () =>
      senders.flatMap((sender) => sender.answers).find((a) => a.at > back && a.status === 202);
    while (!accepted() && Date.now() - back < HEALED_WITHIN_MS) await sleep(50);
    await sleep(500);
    stop.abort();
    await sending;
    const first = accepted();
    if (!first) throw new Error(`no send accepted after the outage:\n${service.output}`);
    return { back, sendsAgainMs: first.at - back };
  }

  async function ledger(): Promise<Ledger> {
    database ??= await connected(postgres.url);
    const { rows } = await database.query<{
      owner: string;
      role: string;
      status: string;
      empty: boolean;
      n: number;
    }>(
      `select c.owner_id as owner, m.role, m.status, m.content = '' as empty, count(*)::int as n
         from messages m join chatrooms c on c.id = m.chatroom_id group by 1, 2, 3, 4`,
    );
    const usage = await database.query<{ user_id: string; used: number }>(
      'select user_id, used from daily_usage',
    );
    const books: Ledger = { pending: 0, failed: 0, prompts: {}, counted: {}, used: {} };
    const add = (counts: Record<string, number>, user: string, n: number) => {
      counts[user] = (counts[user] ?? 0) + n;
    };
    for (const row of rows) {
      if (row.role === 'user') add(books.prompts, row.owner, row.n);
      else if (row.status === 'pending') books.pending += row.n;
      else if (row.status === 'completed' || (row.status === 'stopped' && !row.empty))
        add(books.counted, row.owner, row.n);
      else books.failed += row.n;
    }
    for (const row of usage.rows) books.used[row.user_id] = row.used;
    return books;
  }

  /** Until no reply is pending; ms since `back`. */
  async function untilNothingPending(back: number): Promise<number> {
    for (;;) {
      const books = await ledger().catch(() => null);
      if (books?.pending === 0) return Date.now() - back;
      if (Date.now() - back > HEALED_WITHIN_MS) {
        throw new Error(
          `${books?.pending} replies still pending after ${HEALED_WITHIN_MS} ms:\n${service.output}`,
        );
      }
      await sleep(100);
    }
  }

  /** Replies the reconciler queued again, from its log lines written since `from`. */
  function requeuedSince(from: number): number {
    return service
      .logLines()
      .filter((line: LogLine) => line.msg === 'reconciled replies left pending' && line.time >= from)
      .reduce((sum, line) => sum + (line.requeued as number), 0);
  }

  /**
   * What a user relies on once everything is back: each reply ended (none failed: the model never did), and the
   * quota counts the ones that did not fail.
   */
  async function expectHealed(): Promise<void> {
    const books = await ledger();
    expect(books.pending).toBe(0);
    expect(books.failed).toBe(0);
    expect(Object.keys(books.prompts)).toHaveLength(USERS);
    for (const user of Object.keys(books.prompts))
      expect(books.used[user] ?? 0).toBe(books.counted[user] ?? 0);
    // A refused send left nothing behind: the prompts stored are exactly the sends accepted.
    const accepted = senders.flatMap((sender) => sender.answers).filter((answer) => answer.status === 202);
    expect(Object.values(books.prompts).reduce((sum, n) => sum + n, 0)).toBe(accepted.length);
  }

  beforeAll(async () => {
    [redis, postgres, gemini] = await Promise.all([
      startRedisServer(),
      startPostgresServer(),
      FakeGemini.start({ paceMs: 150 }),
    ]);
    service = new ServiceProcess(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        ROLE: 'all',
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        JWT_SECRET: randomBytes(32).toString('hex'),
        OTP_DELIVERY: 'response',
        GEMINI_API_KEY: 'test-key',
        GEMINI_BASE_URL: gemini.baseUrl,
        MODEL_TIMEOUT_MS: '2000',
        REPLY_BACKOFF_MS: '200',
        // Fewer model calls at once than the sends ask for: jobs wait in the queue when Redis goes.
        WORKER_CONCURRENCY: '2',
        BASIC_DAILY_LIMIT: '10000',
        ...RECONCILE,
      },
      await freePort(),
    );
    await service.started(true);
    for (let i = 0; i < USERS; i++) senders.push(await aSender());
  }, 60_000);

  afterAll(async () => {
    console.info('recovery after each outage:', recovery);
    await service?.stop('SIGKILL');
    await database?.end().catch(() => undefined);
    await gemini?.close();
    await redis?.stop();
    await postgres?.destroy();
  });

  it('Redis killed during the sends and back empty: every reply ends, quotas exact', async () => {
    const started = Date.now();
    const { back, sendsAgainMs } = await sendThrough(async () => {
      await redis.kill();
      await sleep(2000);
      await redis.start();
      return Date.now();
    });
    const nothingPendingMs = await untilNothingPending(back);
    recovery.redis = { sendsAgainMs, nothingPendingMs, requeued: requeuedSince(started) };

    await expectHealed();
    expect(answersSince(started)[503]).toBeGreaterThan(0);
  }, 40_000);

  it('PostgreSQL stopped for 6 s during the sends: every reply ends, quotas exact', async () => {
    const started = Date.now();
    const { back, sendsAgainMs } = await sendThrough(async () => {
      await database?.end().catch(() => undefined);
      database = undefined;
      await postgres.stop();
      await sleep(6000);
      await postgres.start();
      return Date.now();
    });
    const nothingPendingMs = await untilNothingPending(back);
    recovery.postgres = { sendsAgainMs, nothingPendingMs, requeued: requeuedSince(started) };

    await expectHealed();
    const answers = answersSince(started);
    expect(Object.keys(answers).sort()).toEqual(['202', '503']);
  }, 40_000);
});

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}
