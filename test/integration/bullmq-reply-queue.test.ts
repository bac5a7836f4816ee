import { AsyncLocalStorage } from 'node:async_hooks';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RedisCache } from '#adapters/cache/redis-cache.ts';
import {
  closeClient,
  createBullMqClient,
  createCommandClient,
  untilReady,
} from '#adapters/cache/redis-connection.ts';
import { REPLY_QUEUE_NAME } from '#adapters/queue/bullmq-reply-jobs.ts';
import { BullMqReplyQueue } from '#adapters/queue/bullmq-reply-queue.ts';
import { BullMqReplyWorker, type BullMqReplyWorkerOptions } from '#adapters/queue/bullmq-reply-worker.ts';
import type { Scope } from '#adapters/system/scope.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';
import type { ReplyJob, ReplyJobHandler } from '#application/ports/reply-queue.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { anExchange, aReplyJob } from '#test/support/builders.ts';
import { replace, signedInUser, startTestApp } from '#test/support/http.ts';
import { failingOnceRecordingContexts } from '#test/support/job-handlers.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { redisNamespace } from '#test/support/redis-keys.ts';
import { testRedis, withServices } from '#test/support/services.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

const redis = await testRedis();
const WORKER_SCRIPT = new URL('./bullmq-worker-process.ts', import.meta.url).pathname;
const STALLED_MS = 500;

/** Records every attempt and every giveUp; each attempt does what `behaviour` says. */
class RecordingHandler implements ReplyJobHandler {
  readonly attempts: { replyId: string; at: number }[] = [];
  readonly givenUp: { replyId: string; error: unknown }[] = [];
  private readonly behaviour: (job: ReplyJob, attempt: number) => Promise<void>;

  constructor(behaviour: (job: ReplyJob, attempt: number) => Promise<void> = async () => {}) {
    this.behaviour = behaviour;
  }

  async handle(job: ReplyJob): Promise<void> {
    this.attempts.push({ replyId: job.replyId, at: Date.now() });
    await this.behaviour(job, this.attemptsOf(job.replyId));
  }

  async giveUp(job: ReplyJob, error: unknown): Promise<void> {
    this.givenUp.push({ replyId: job.replyId, error });
  }

  attemptsOf(replyId: string): number {
    return this.attempts.filter((attempt) => attempt.replyId === replyId).length;
  }
}

/** A worker in its own Node process (bullmq-worker-process.ts), with its stdout lines. */
class WorkerProcess {
  readonly child: ChildProcess;
  private output = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [WORKER_SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
  }

  async printed(line: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.split('\n').includes(line)) {
      if (this.child.exitCode !== null)
        throw new Error(`worker exited with ${this.child.exitCode} before "${line}"`);
      if (Date.now() > deadline) throw new Error(`worker did not print "${line}"`);
      await sleep(20);
    }
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = this.exited();
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** A TCP relay to Redis that can go silent, like a Redis that stopped answering. */
async function silenceableRelay(
  target: URL,
): Promise<{ url: string; silence(): void; close(): Promise<void> }> {
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
    }
    client.on('data', (data) => silent || upstream.write(data));
    upstream.on('data', (data) => silent || client.write(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    silence: () => {
      silent = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `redis://127.0.0.1:${port}`;
}

async function elapsed<T>(work: Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const start = Date.now();
  const [result] = await Promise.allSettled([work]);
  return { ms: Date.now() - start, result: result! };
}

async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

withServices([redis], () => {
  describe('BullMQ reply queue and workers on Redis', () => {
    let url: string;
    let prefix: string;
    let bullPrefix: string;
    let commands: Redis;
    let blocking: Redis;
    let inspector: Queue;
    let cleanups: (() => Promise<void>)[];
    let cleanUpNamespace: () => Promise<void>;
    const logger = new SilentLogger();

    beforeEach(async () => {
      const space = await redisNamespace();
      url = space.url;
      prefix = space.prefix;
      bullPrefix = `${prefix}bull`;
      commands = space.client;
      cleanUpNamespace = space.cleanUp;
      blocking = createBullMqClient(url);
      inspector = new Queue(REPLY_QUEUE_NAME, { connection: commands, prefix: bullPrefix });
      cleanups = [];
    });

    afterEach(async () => {
      for (const cleanUp of cleanups.reverse()) await cleanUp();
      await inspector.close();
      await closeClient(blocking);
      await cleanUpNamespace();
    });

    function aQueue(backoffMs = 20): BullMqReplyQueue {
      const queue = new BullMqReplyQueue({
        client: commands,
        eventsClient: blocking,
        prefix: bullPrefix,
        logger,
        backoffMs,
      });
      cleanups.push(() => queue.close());
      return queue;
    }

    async function aWorker(
      handler: ReplyJobHandler,
      options: Partial<BullMqReplyWorkerOptions> = {},
    ): Promise<BullMqReplyWorker> {
      const worker = new BullMqReplyWorker({
        connection: blocking,
        prefix: bullPrefix,
        handler,
        logger,
        concurrency: 4,
        ...options,
      });
      cleanups.push(() => worker.close());
      await worker.waitUntilReady();
      return worker;
    }

    function aWorkerProcess(mode: 'complete' | 'hang'): WorkerProcess {
      const worker = new WorkerProcess({
        REDIS_URL: url,
        BULL_PREFIX: bullPrefix,
        MARK_PREFIX: prefix,
        MODE: mode,
        STALLED_MS: String(STALLED_MS),
      });
      cleanups.push(() => worker.kill());
      return worker;
    }

    it('keeps one job per reply id, however often and whenever it is enqueued', async () => {
      const queue = aQueue();
      const replyId = randomUUID();
      await Promise.all([
        queue.enqueue(aReplyJob(replyId)),
        queue.enqueue(aReplyJob(replyId)),
        queue.enqueue(aReplyJob(replyId)),
      ]);
      expect(await inspector.getJobCounts('waiting')).toEqual({ waiting: 1 });

      const handler = new RecordingHandler();
      await aWorker(handler);
      expect(await queue.waitForOutcome(replyId, 5000)).toBe('completed');
      await queue.enqueue(aReplyJob(replyId));
      await sleep(300);
      expect(handler.attemptsOf(replyId)).toBe(1);
      expect(await inspector.getJobState(replyId)).toBe('completed');
    });

    it('runs again a failed job whose giveUp failed when asked to replace it; a plain enqueue is ignored', async () => {
      const queue = aQueue(10);
      let modelDown = true;
      let databaseDown = true;
      const handler = new RecordingHandler(async () => {
        if (modelDown) throw new Error('model down');
      });
      const giveUp = handler.giveUp.bind(handler);
      handler.giveUp = async (job, error) => {
        await giveUp(job, error);
        if (databaseDown) throw new Error('database down');
      };
      await aWorker(handler);
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));
      expect(await queue.waitForOutcome(replyId, 5000)).toBe('failed');
      expect(handler.attemptsOf(replyId)).toBe(3);
      expect(handler.givenUp).toHaveLength(1);

      modelDown = false;
      databaseDown = false;
      await queue.enqueue(aReplyJob(replyId));
      await sleep(300);
      expect(handler.attemptsOf(replyId)).toBe(3);
      expect(await inspector.getJobState(replyId)).toBe('failed');

      await queue.enqueue(aReplyJob(replyId), { replaceFinished: true });
      expect(await queue.waitForOutcome(replyId, 5000)).toBe('completed');
      expect(handler.attemptsOf(replyId)).toBe(4);
      expect((await inspector.getJob(replyId))?.attemptsMade).toBe(1);
      expect(handler.givenUp).toHaveLength(1);
    });

    it('fails a job after one attempt when retrying cannot help, and gives up once', async () => {
      const queue = aQueue();
      const handler = new RecordingHandler(async () => {
        throw new LanguageModelError('The model refused the prompt', { retryable: false });
      });
      await aWorker(handler);
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));
      expect(await queue.waitForOutcome(replyId, 5000)).toBe('failed');
      const job = await inspector.getJob(replyId);
      expect(job?.attemptsMade).toBe(1);
      expect(job?.failedReason).toBe('The model refused the prompt');
      expect(handler.givenUp.map((entry) => entry.replyId)).toEqual([replyId]);
    });

    it("waits for the model's retry-after when it is longer than the backoff", async () => {
      const queue = aQueue(20);
      const handler = new RecordingHandler(async (_job, attempt) => {
        if (attempt === 1) throw new LanguageModelError('busy', { retryable: true, retryAfterMs: 700 });
      });
      await aWorker(handler);
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));
      expect(await queue.waitForOutcome(replyId, 5000)).toBe('completed');
      const [first, second] = handler.attempts;
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(650);
    });

    it('gives each failed job up exactly once when two workers share the queue', async () => {
      const queue = aQueue(10);
      const failing = async () => {
        throw new Error('model down');
      };
      const handlers = [new RecordingHandler(failing), new RecordingHandler(failing)];
      for (const handler of handlers) await aWorker(handler);
      const replyIds = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await Promise.all(replyIds.map((replyId) => queue.enqueue(aReplyJob(replyId))));
      const outcomes = await Promise.all(replyIds.map((replyId) => queue.waitForOutcome(replyId, 5000)));
      expect(outcomes).toEqual(['failed', 'failed', 'failed', 'failed']);
      await sleep(100);
      const givenUp = handlers.flatMap((handler) => handler.givenUp.map((entry) => entry.replyId));
      expect(givenUp.sort()).toEqual([...replyIds].sort());
      for (const replyId of replyIds) {
        expect(handlers.reduce((sum, handler) => sum + handler.attemptsOf(replyId), 0)).toBe(3);
      }
    });

    it('delivers the outcome of a job run by a worker in another process', async () => {
      const queue = aQueue();
      const worker = aWorkerProcess('complete');
      await worker.printed('ready');
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));
      expect(await queue.waitForOutcome(replyId, 5000)).toBe('completed');
      expect(await commands.get(`${prefix}handled:${replyId}`)).toBe(String(worker.child.pid));

      worker.child.kill('SIGTERM');
      expect(await worker.exited()).toBe(0);
    });

    /** A queue whose waits follow a worker of its own process (no Redis state read for a minute), and a reply for it. */
    function aQueueFollowingItsWorker() {
      const queue = new BullMqReplyQueue({
        client: commands,
        eventsClient: blocking,
        prefix: bullPrefix,
        logger,
        localWorkerStateCheckMs: 60_000,
      });
      cleanups.push(() => queue.close());
      const { reply } = anExchange({ chatroomId: randomUUID() });
      return { queue, reply, completed: reply.complete('Hi!', null)! };
    }

    it("answers a wait from a worker of this process with the reply it stored, before BullMQ's event", async () => {
      const { queue, reply, completed } = aQueueFollowingItsWorker();
      const handler: ReplyJobHandler = { handle: async () => completed, giveUp: async () => {} };
      await aWorker(handler, { local: queue });

      await queue.enqueue(aReplyJob(reply.id));
      expect(await queue.waitForOutcome(reply.id, 5000)).toEqual({ outcome: 'completed', reply: completed });

      // Handed over before anyone waited: the next wait for it takes it at once.
      const early = randomUUID();
      queue.ended(early, 'failed');
      expect(await queue.waitForOutcome(early, 10)).toBe('failed');
    });

    it('answers that wait as soon as the handler has stored the reply, while the rest of the job still runs', async () => {
      const { queue, reply, completed } = aQueueFollowingItsWorker();
      let finishJob = () => {};
      const jobRest = new Promise<void>((resolve) => {
        finishJob = resolve;
      });
      const handler: ReplyJobHandler = {
        handle: async (_job, _context, stored) => {
          stored?.(completed);
          // What follows the store in a real job: the end event, the log line, the metrics.
          await jobRest;
          return completed;
        },
        giveUp: async () => {},
      };
      await aWorker(handler, { local: queue });

      await queue.enqueue(aReplyJob(reply.id));
      expect(await queue.waitForOutcome(reply.id, 5000)).toEqual({ outcome: 'completed', reply: completed });
      expect(await inspector.getJobState(reply.id)).toBe('active');

      finishJob();
      await eventually(async () => (await inspector.getJobState(reply.id)) === 'completed');
      // Told once: the job's end does not hand the outcome over again.
      expect(await queue.waitForOutcome(reply.id, 50)).toBe('timeout');
    });

    /** A queue of a process that also runs a worker (ROLE=all), and how often it opened BullMQ's event reader. */
    function aLocalQueue(localWorkerStateCheckMs: number, readerIdleMs?: number, handedOverMs?: number) {
      const eventsClient = createBullMqClient(url);
      // QueueEvents reads on a duplicate of the client it is given: one duplicate per reader opened.
      const readersOpened = vi.spyOn(eventsClient, 'duplicate');
      const queue = new BullMqReplyQueue({
        client: commands,
        eventsClient,
        prefix: bullPrefix,
        logger,
        backoffMs: 20,
        localWorkerStateCheckMs,
        ...(readerIdleMs === undefined ? {} : { readerIdleMs }),
        ...(handedOverMs === undefined ? {} : { handedOverMs }),
      });
      cleanups.push(async () => {
        await queue.close();
        await closeClient(eventsClient);
      });
      return { queue, readersOpened };
    }

    it("follows a job its own worker runs through that worker, without reading BullMQ's events", async () => {
      const { queue, readersOpened } = aLocalQueue(20);
      const handler = new RecordingHandler(() => sleep(300));
      await aWorker(handler, { local: queue });
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));

      // The job runs for 300 ms, well past the 20 ms after which a wait for a job held elsewhere reads Redis.
      expect(await queue.waitForOutcome(replyId, 5000)).toBe('completed');
      expect(handler.attemptsOf(replyId)).toBe(1);
      expect(readersOpened).not.toHaveBeenCalled();
    });

    it('follows a job through Redis once its own worker lets it go, and ends it when another worker does', async () => {
      const { queue, readersOpened } = aLocalQueue(20);
      const stuck = new RecordingHandler(() => new Promise<void>(() => {}));
      const leaving = await aWorker(stuck, { local: queue, shutdownGraceMs: 100 });
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));
      await eventually(() => stuck.attempts.length === 1);
      const waiting = queue.waitForOutcome(replyId, 8000);
      await sleep(100);
      expect(readersOpened).not.toHaveBeenCalled();

      // This process's worker shuts down and puts the job back; a worker of another process ends it.
      await leaving.close();
      const other = aWorkerProcess('complete');
      await other.printed('ready');
      expect(await waiting).toBe('completed');
      expect(await commands.get(`${prefix}handled:${replyId}`)).toBe(String(other.child.pid));
      expect(readersOpened).toHaveBeenCalledTimes(1);
    });

    it("hands the send's context to its job's first run in this process only: a retry, or a run after it was kept too long, read it", async () => {
      const { queue } = aLocalQueue(20, undefined, 300);
      const { handler, seen } = failingOnceRecordingContexts();
      const worker = await aWorker(handler, { local: queue });
      const { prompt, reply } = anExchange({ chatroomId: randomUUID() });
      const context = { reply, prompt, history: [] };

      await queue.enqueue(aReplyJob(reply.id), { context });
      expect(await queue.waitForOutcome(reply.id, 5000)).toBe('completed');
      expect(seen).toEqual([context, undefined]);

      // Not taken within 300 ms (no worker was running): the history may have changed since, so it is read.
      await worker.close();
      const late = anExchange({ chatroomId: randomUUID() });
      await queue.enqueue(aReplyJob(late.reply.id), { context: { ...late, history: [] } });
      await sleep(400);
      await aWorker(handler, { local: queue });
      expect(await queue.waitForOutcome(late.reply.id, 5000)).toBe('completed');
      expect(seen).toEqual([context, undefined, undefined]);
    });

    it('reads BullMQ events only while a wait needs them: the reader closes when idle and opens again', async () => {
      const { queue, readersOpened } = aLocalQueue(20, 100);
      const other = aWorkerProcess('complete');
      await other.printed('ready');
      for (const round of [1, 2]) {
        const replyId = randomUUID();
        await queue.enqueue(aReplyJob(replyId));
        expect(await queue.waitForOutcome(replyId, 5000)).toBe('completed');
        expect(readersOpened).toHaveBeenCalledTimes(round);
        // Its connection is closed 100 ms after the wait, instead of reading every job's events from then on.
        const reader = readersOpened.mock.results[round - 1]?.value as Redis;
        await eventually(() => reader.status === 'end');
      }
    });

    it('still reads the state of a job that ended elsewhere before the wait, when no local worker tells', async () => {
      const queue = new BullMqReplyQueue({
        client: commands,
        eventsClient: blocking,
        prefix: bullPrefix,
        logger,
        localWorkerStateCheckMs: 50,
      });
      cleanups.push(() => queue.close());
      const other = aQueue();
      await aWorker(new RecordingHandler());
      const replyId = randomUUID();
      await other.enqueue(aReplyJob(replyId));
      expect(await other.waitForOutcome(replyId, 5000)).toBe('completed');

      expect(await queue.waitForOutcome(replyId, 5000)).toBe('completed');
    });

    it('hands a job whose worker was killed mid-job to another worker', async () => {
      const queue = aQueue();
      const doomed = aWorkerProcess('hang');
      await doomed.printed('ready');
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));
      await doomed.printed(`started ${replyId}`);
      await doomed.kill();

      const handler = new RecordingHandler();
      await aWorker(handler, { stalledIntervalMs: STALLED_MS, lockDurationMs: STALLED_MS });
      expect(await queue.waitForOutcome(replyId, 8000)).toBe('completed');
      expect(handler.attemptsOf(replyId)).toBe(1);
      expect(handler.givenUp).toEqual([]);
    });

    it('gives up a job whose workers keep dying, so its reply does not stay pending', async () => {
      const queue = aQueue();
      const replyId = randomUUID();
      for (let death = 0; death < 2; death++) {
        const doomed = aWorkerProcess('hang');
        await doomed.printed('ready');
        if (death === 0) await queue.enqueue(aReplyJob(replyId));
        await doomed.printed(`started ${replyId}`);
        await doomed.kill();
      }

      const handler = new RecordingHandler();
      await aWorker(handler, { stalledIntervalMs: STALLED_MS, lockDurationMs: STALLED_MS });
      expect(await queue.waitForOutcome(replyId, 8000)).toBe('failed');
      await eventually(() => handler.givenUp.length === 1);
      expect(handler.givenUp[0]?.replyId).toBe(replyId);
      expect(handler.attempts).toEqual([]);
    });

    it('lets an active job finish when the worker closes', async () => {
      const queue = aQueue();
      let finish = () => {};
      const handler = new RecordingHandler(() => new Promise<void>((resolve) => (finish = resolve)));
      const worker = await aWorker(handler);
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));
      await eventually(() => handler.attempts.length === 1);

      const closing = worker.close();
      await sleep(200);
      expect(await inspector.getJobState(replyId)).toBe('active');
      finish();
      await closing;
      expect(await inspector.getJobState(replyId)).toBe('completed');
    });

    it('returns a job that outlasts the shutdown grace period to the queue without spending an attempt', async () => {
      const queue = aQueue();
      const stuck = new RecordingHandler(() => new Promise<void>(() => {}));
      const leaving = await aWorker(stuck, { shutdownGraceMs: 200 });
      const replyId = randomUUID();
      await queue.enqueue(aReplyJob(replyId));
      await eventually(() => stuck.attempts.length === 1);

      const { ms } = await elapsed(leaving.close());
      expect(ms).toBeLessThan(2000);
      expect(await inspector.getJobState(replyId)).toBe('waiting');
      expect((await inspector.getJob(replyId))?.attemptsMade).toBe(0);

      const handler = new RecordingHandler();
      await aWorker(handler);
      expect(await queue.waitForOutcome(replyId, 5000)).toBe('completed');
      expect(stuck.givenUp).toEqual([]);
    });

    it('fails fast when Redis refuses connections', async () => {
      const refused = createCommandClient(await closedPortUrl());
      refused.on('error', () => {});
      const cache = new RedisCache({ client: refused, keyPrefix: prefix });
      const queue = new BullMqReplyQueue({
        client: refused,
        eventsClient: blocking,
        prefix: bullPrefix,
        logger,
      });
      cleanups.push(async () => {
        await queue.close();
        refused.disconnect();
      });

      const calls: (() => Promise<unknown>)[] = [
        () => cache.get('list'),
        () => cache.set('list', '[]', 60),
        () => cache.increment('generation'),
      ];
      for (const call of calls) {
        const { ms, result } = await elapsed(call());
        expect(result.status).toBe('rejected');
        expect(ms).toBeLessThan(1500);
      }
      const enqueue = await elapsed(queue.enqueue(aReplyJob(randomUUID())));
      expect(enqueue.result).toMatchObject({
        status: 'rejected',
        reason: { service: 'queue', retryAfterSeconds: 1 },
      });
      expect(enqueue.ms).toBeLessThan(2500);
    });

    it('fails fast when Redis stops answering mid-connection', async () => {
      const relay = await silenceableRelay(new URL(url));
      const client = createCommandClient(relay.url);
      client.on('error', () => {});
      await untilReady(client, 2000);
      const cache = new RedisCache({ client, keyPrefix: prefix });
      const queue = new BullMqReplyQueue({ client, eventsClient: blocking, prefix: bullPrefix, logger });
      cleanups.push(async () => {
        await queue.close();
        client.disconnect();
        await relay.close();
      });
      await queue.enqueue(aReplyJob(randomUUID()));
      await cache.set('list', '[]', 60);

      relay.silence();
      const read = await elapsed(cache.get('list'));
      expect(read.result.status).toBe('rejected');
      expect(read.ms).toBeLessThan(1500);
      const enqueue = await elapsed(queue.enqueue(aReplyJob(randomUUID())));
      expect(enqueue.result).toMatchObject({
        status: 'rejected',
        reason: { service: 'queue', retryAfterSeconds: 1 },
      });
      expect(enqueue.ms).toBeLessThan(2500);
      const wait = await elapsed(queue.waitForOutcome(randomUUID(), 20_000));
      expect(wait.result).toEqual({ status: 'fulfilled', value: 'timeout' });
      expect(wait.ms).toBeLessThan(2500);
    });

    it('the service on Redis keeps its list cache under the key prefix and runs each reply job in a unit of work', async () => {
      const unitOfWork = new AsyncLocalStorage<string>();
      let units = 0;
      const scope: Scope = (work) => {
        units += 1;
        return unitOfWork.run(`unit ${units}`, work);
      };
      const seenByModel: (string | undefined)[] = [];
      const model = new ScriptedLanguageModel(() => {
        seenByModel.push(unitOfWork.getStore());
        return { text: 'Hello from the worker', tokenUsage: null };
      });
      const service = await startTestApp({
        env: { DATABASE_URL: 'memory', REDIS_URL: url, REDIS_KEY_PREFIX: prefix },
        overrides: [replace(TOKENS.Scope, scope), replace(TOKENS.LanguageModel, model)],
      });
      cleanups.push(() => service.close());
      const { token } = await signedInUser(service.client);
      const room = await service.client.post('/chatroom', { title: 'On Redis' }, { token });

      await service.client.get('/chatroom', { token });
      expect((await service.client.get('/chatroom', { token })).headers.get('X-Cache')).toBe('HIT');
      expect(await commands.keys(`${prefix}cache:chatrooms:*`)).not.toEqual([]);

      const sent = await service.client.post(
        `/chatroom/${room.body.id}/message`,
        { content: 'Hi' },
        { token },
      );
      expect(sent.body.reply).toMatchObject({ status: 'completed', content: 'Hello from the worker' });
      // The send is answered once the reply is stored; the job ends in BullMQ right after.
      await eventually(async () => (await inspector.getJobState(sent.body.reply.id)) === 'completed');
      expect(seenByModel).toEqual([expect.stringMatching(/^unit \d+$/)]);
    });
  });
});
