/**
 * Streamed-reply benchmark on PostgreSQL + Redis: one API process (ROLE=api) and one worker process (ROLE=worker),
 * on a database and a Redis key prefix of their own (both removed afterwards), with the tests' fake Gemini as a
 * zero-latency model (each answer written at once).
 *   npm run bench:streams
 *   DATABASE_URL=postgres://… REDIS_URL=redis://… npm run bench:streams     # the servers to use (a database is created)
 * One line per scenario: time to first delta of streamed sends one after another on one connection (BENCH_SENDS,
 * 200); deltas/s of one long reply (BENCH_LONG_DELTAS, 5000); BENCH_FOLLOWERS (200) clients following one reply;
 * BENCH_CONCURRENT (100) concurrent streamed sends, BENCH_ROUNDS (5) times; the API process's memory: RSS, and RSS
 * and heap after full GCs (forced through bench/gc-on-signal.ts), which tell a leak from garbage not yet collected.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Agent } from 'undici';
import { FakeGemini, geminiStream } from '#test/support/fake-gemini.ts';
import { freePort, newChatroom, ServiceProcess, signedUpUser } from '#test/support/server-process.ts';
import { ApiClient } from './api-client.ts';
import { cpuMs, type Memory, memoryAfterGc, rssMb } from './process-stats.ts';
import { type ReadReply, readReplyStream } from './reply-stream-reader.ts';

const databaseServer = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sends = Number(process.env.BENCH_SENDS ?? 200);
const longDeltas = Number(process.env.BENCH_LONG_DELTAS ?? 5000);
const followers = Number(process.env.BENCH_FOLLOWERS ?? 200);
const concurrent = Number(process.env.BENCH_CONCURRENT ?? 100);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
const WARM_UP_SENDS = 20;
/** A 20-word answer, one model delta per word. */
const ANSWER = Array.from({ length: 20 }, (_, i) => `word${i} `);

const SERVER = new URL('../src/bootstrap/server.ts', import.meta.url).pathname;
const GC_ON_SIGNAL = new URL('./gc-on-signal.ts', import.meta.url).pathname;
const keyPrefix = `bench:${randomBytes(4).toString('hex')}:`;
const databaseName = `bench_${randomBytes(4).toString('hex')}`;

function percentile(values: number[], p: number): string {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return (sorted[at] ?? Number.NaN).toFixed(1);
}

/** "p50 … ms p99 … ms" of one timing of the reads. */
function p50p99(reads: ReadReply[], timing: 'firstDeltaMs' | 'endMs'): string {
  const values = reads.map((read) => read[timing]);
  return `p50 ${percentile(values, 50)} ms p99 ${percentile(values, 99)} ms`;
}

/** The read ended normally (finish, then [DONE]) with exactly `text`. */
function endedWith(read: ReadReply, text: string): boolean {
  return read.text === text && read.end === 'finish' && read.done;
}

async function sequentialSends(client: ApiClient, gemini: FakeGemini): Promise<string> {
  const roomId = await newChatroom(client.base, client.token, 'one connection');
  const oneConnection = new Agent({ connections: 1 });
  const reads: ReadReply[] = [];
  for (let i = 0; i < WARM_UP_SENDS + sends; i++) {
    gemini.answerWith(geminiStream(ANSWER));
    const read = await client.streamSend(roomId, `prompt ${i}`, oneConnection);
    if (i >= WARM_UP_SENDS) reads.push(read);
  }
  await oneConnection.close();
  return (
    `streamed sends one after another on one connection: ${sends} sends (after ${WARM_UP_SENDS} to warm up), ` +
    `time to first delta ${p50p99(reads, 'firstDeltaMs')}, to the end ${p50p99(reads, 'endMs')}, ` +
    `${reads.filter((read) => !endedWith(read, ANSWER.join(''))).length} with text lost`
  );
}

async function longReply(client: ApiClient, gemini: FakeGemini): Promise<string> {
  const roomId = await newChatroom(client.base, client.token, 'long reply');
  const words = Array.from({ length: longDeltas }, (_, i) => `d${i} `);
  gemini.answerWith(geminiStream(words));
  const read = await client.streamSend(roomId, 'a long answer please');
  const seconds = (read.endMs - read.firstDeltaMs) / 1000;
  return (
    `one long reply: ${longDeltas} model deltas (${words.join('').length} chars), first delta after ` +
    `${read.firstDeltaMs.toFixed(1)} ms, then ${Math.round(longDeltas / seconds)} deltas/s to the end ` +
    `(${(seconds * 1000).toFixed(0)} ms), written as ${read.deltas} SSE deltas (coalesced per 25 ms), ` +
    `${endedWith(read, words.join('')) ? 'no' : 'the'} text lost`
  );
}

async function manyFollowers(client: ApiClient, gemini: FakeGemini, redis: Redis): Promise<string> {
  const roomId = await newChatroom(client.base, client.token, 'followers');
  const words = Array.from({ length: 100 }, (_, i) => `f${i} `);
  // The model starts once every follower is connected and the API process has subscribed to the reply.
  const followersIn = Promise.withResolvers<void>();
  gemini.answerWith(geminiStream(words, { pause: { afterChunks: 0, until: followersIn.promise } }));
  const sent = await client.json(
    'POST',
    `/chatroom/${roomId}/message`,
    { content: 'tell everyone' },
    { prefer: 'respond-async' },
  );
  const location = String(sent.headers.location);
  const started = performance.now();
  const bodies = await Promise.all(Array.from({ length: followers }, () => client.openFollow(location)));
  const connectedMs = performance.now() - started;
  // Times from 0: the end of each read on performance.now()'s clock.
  const reads = Promise.all(bodies.map((body) => readReplyStream(body, 0)));
  while ((await replySubscriptions(redis)) === 0) await sleep(10);
  const releasedAt = performance.now();
  followersIn.resolve();
  const ended = await reads;
  const stored = (await client.json('GET', location)).body;
  const endAfterMs = ended.map((read) => ({ ...read, endMs: read.endMs - releasedAt }));
  return (
    `${followers} clients following one reply (${words.length} deltas): ` +
    `${ended.filter((read) => read.done).length}/${followers} complete, ` +
    `${ended.filter((read) => !endedWith(read, stored.content)).length} with text lost, all connected in ` +
    `${connectedMs.toFixed(0)} ms, the end reached them ${p50p99(endAfterMs, 'endMs')} ` +
    `(max ${Math.max(...endAfterMs.map((read) => read.endMs)).toFixed(1)} ms) after the model began, ` +
    `${await replySubscriptions(redis)} reply subscriptions left in Redis`
  );
}

/** Rounds of concurrent streamed sends, with a full GC of the API process after each: the line, the memory. */
async function concurrentSends(
  client: ApiClient,
  gemini: FakeGemini,
  api: ServiceProcess,
  worker: ServiceProcess,
): Promise<{ line: string; afterRounds: Memory[] }> {
  const roomIds = await Promise.all(
    Array.from({ length: 10 }, (_, i) => newChatroom(client.base, client.token, `concurrent ${i}`)),
  );
  const reads: ReadReply[] = [];
  let lost = 0;
  const afterRounds: Memory[] = [];
  let elapsedMs = 0;
  let apiCpuMs = 0;
  let workerCpuMs = 0;
  for (let round = 0; round < rounds; round++) {
    gemini.answerWith(...Array.from({ length: concurrent }, () => geminiStream(ANSWER)));
    const [apiCpu, workerCpu, started] = [cpuMs(api.child.pid!), cpuMs(worker.child.pid!), performance.now()];
    const sent = await Promise.all(
      Array.from({ length: concurrent }, (_, i) =>
        client.streamSend(roomIds[i % roomIds.length]!, `round ${round} prompt ${i}`),
      ),
    );
    elapsedMs += performance.now() - started;
    apiCpuMs += cpuMs(api.child.pid!) - apiCpu;
    workerCpuMs += cpuMs(worker.child.pid!) - workerCpu;
    reads.push(...sent);
    const stored = await Promise.all(
      sent.map(async (read) => (await client.json('GET', read.location)).body),
    );
    lost += sent.filter(
      (read, i) => !endedWith(read, ANSWER.join('')) || stored[i]!.content !== read.text,
    ).length;
    afterRounds.push(await memoryAfterGc(api));
  }
  const total = reads.length;
  return {
    line:
      `${concurrent} concurrent streamed sends on one API process, ${rounds} rounds: ` +
      `${reads.filter((read) => read.done).length}/${total} complete, ` +
      `${lost} with text lost (or not as stored), time to first delta ${p50p99(reads, 'firstDeltaMs')}, to the end ${p50p99(reads, 'endMs')}, ` +
      `${Math.round(total / (elapsedMs / 1000))} sends/s (${Math.round((total * ANSWER.length) / (elapsedMs / 1000))} ` +
      `model deltas/s), CPU per send: API ${(apiCpuMs / total).toFixed(1)} ms, worker ${(workerCpuMs / total).toFixed(1)} ms`,
    afterRounds,
  };
}

/** Wake-up channels of replies with a subscriber: one per reply some process follows. */
async function replySubscriptions(redis: Redis): Promise<number> {
  return (await redis.pubsub('CHANNELS', `${keyPrefix}reply:*`)).length;
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: databaseServer });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

async function deleteKeys(redis: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${databaseName}`));
  const databaseUrl = new URL(databaseServer);
  databaseUrl.pathname = `/${databaseName}`;
  const gemini = await FakeGemini.start();
  const redis = new Redis(redisUrl);
  const env = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    OTP_DELIVERY: 'response',
    GEMINI_API_KEY: 'bench',
    GEMINI_BASE_URL: gemini.baseUrl,
    BASIC_DAILY_LIMIT: '100000000',
    WORKER_CONCURRENCY: String(Math.min(256, concurrent)),
  };
  const api = new ServiceProcess({ ...env, ROLE: 'api' }, await freePort(), {
    command: [process.execPath, '--expose-gc', '--import', GC_ON_SIGNAL, SERVER],
  });
  let worker: ServiceProcess | undefined;
  try {
    await api.started(true, 60_000);
    worker = new ServiceProcess({ ...env, ROLE: 'worker', LOG_LEVEL: 'info' }, await freePort());
    await worker.started(false, 60_000);
    const atStartMb = rssMb(api.child.pid!);
    const client = new ApiClient(api.baseUrl, await signedUpUser(api.baseUrl));
    console.log(
      `streams bench: PostgreSQL ${databaseUrl.host}, Redis ${new URL(redisUrl).host}, fake Gemini at zero ` +
        `latency, one API process, one worker (concurrency ${env.WORKER_CONCURRENCY}), node ${process.version}`,
    );

    console.log(await sequentialSends(client, gemini));
    const baseline = await memoryAfterGc(api);
    console.log(await longReply(client, gemini));
    console.log(await manyFollowers(client, gemini, redis));
    const { line, afterRounds } = await concurrentSends(client, gemini, api, worker);
    console.log(line);
    await sleep(idleSeconds * 1000);
    const beforeGcMb = rssMb(api.child.pid!);
    const end = await memoryAfterGc(api);
    const triple = (memory: Memory) => `${memory.rssMb}/${memory.heapMb}/${memory.externalMb}`;
    console.log(
      `API process memory (MB): RSS ${atStartMb} at start; after a full GC, RSS/heap/external ` +
        `${triple(baseline)} after the sends on one connection, ${afterRounds.map(triple).join(' · ')} after ` +
        `each round of ${concurrent}, ${triple(end)} at the end (RSS ${beforeGcMb} before that GC, after ` +
        `${idleSeconds} s idle); ${await replySubscriptions(redis)} reply subscriptions left in Redis`,
    );
  } finally {
    await Promise.all([api.stop('SIGTERM'), worker?.stop('SIGTERM')]);
    await deleteKeys(redis);
    redis.disconnect();
    await gemini.close();
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  }
}

await main();
