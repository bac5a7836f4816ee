/**
 * Reply-queue benchmark on a real Redis: BullMqReplyQueue + BullMqReplyWorker in this process, under a key prefix
 * of their own that is deleted afterwards.
 *   REDIS_URL=redis://127.0.0.1:6379 node bench/queue.ts
 * 1. Throughput: BENCH_JOBS (default 5000) jobs with a no-op handler, worker concurrency 8: jobs/s while
 *    enqueueing and processing together, and jobs/s draining a queue filled beforehand.
 * 2. Added latency: BENCH_SAMPLES (default 500) sends one after another, each enqueue → handler done →
 *    waitForOutcome resolved, with a zero-latency handler: p50/p99.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  closeClient,
  createBullMqClient,
  createCommandClient,
  untilReady,
} from '#adapters/cache/redis-connection.ts';
import { BullMqReplyQueue } from '#adapters/queue/bullmq-reply-queue.ts';
import { BullMqReplyWorker } from '#adapters/queue/bullmq-reply-worker.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { ReplyJobHandler } from '#application/ports/reply-queue.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const jobs = Number(process.env.BENCH_JOBS ?? 5000);
const samples = Number(process.env.BENCH_SAMPLES ?? 500);
const concurrency = 8;
const prefix = `bench:${randomBytes(4).toString('hex')}:`;
const quiet: Logger = { info() {}, warn() {}, error() {} };

let handled = 0;
const noOp: ReplyJobHandler = {
  async handle() {
    handled++;
  },
  async giveUp() {},
};

const commands = createCommandClient(url);
const blocking = createBullMqClient(url);
await untilReady(commands, 3000);
const queue = new BullMqReplyQueue({
  client: commands,
  eventsClient: blocking,
  prefix: `${prefix}bull`,
  logger: quiet,
  enqueueTimeoutMs: 10_000,
});

function startWorker(): BullMqReplyWorker {
  return new BullMqReplyWorker({
    connection: blocking,
    prefix: `${prefix}bull`,
    handler: noOp,
    logger: quiet,
    concurrency,
  });
}

/** Enqueues `count` jobs with at most 64 enqueues in flight. */
async function enqueueMany(count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < count) {
        next++;
        await queue.enqueue({ replyId: randomUUID(), userId: randomUUID(), day: '2026-01-01' });
      }
    }),
  );
}

async function untilHandled(count: number): Promise<void> {
  while (handled < count) await sleep(2);
}

async function throughput(): Promise<{ mixed: number; drain: number }> {
  const worker = startWorker();
  await worker.waitUntilReady();
  handled = 0;
  let start = performance.now();
  await enqueueMany(jobs);
  await untilHandled(jobs);
  const mixed = jobs / ((performance.now() - start) / 1000);
  await worker.close();

  handled = 0;
  await enqueueMany(jobs);
  const drainer = startWorker();
  start = performance.now();
  await untilHandled(jobs);
  const drain = jobs / ((performance.now() - start) / 1000);
  await drainer.close();
  return { mixed, drain };
}

async function latency(): Promise<number[]> {
  const worker = startWorker();
  await worker.waitUntilReady();
  const timings: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const replyId = randomUUID();
    const start = performance.now();
    await queue.enqueue({ replyId, userId: randomUUID(), day: '2026-01-01' });
    const outcome = await queue.waitForOutcome(replyId, 10_000);
    if (outcome !== 'completed') throw new Error(`job ended ${outcome}`);
    if (i >= 20) timings.push(performance.now() - start);
  }
  await worker.close();
  return timings.sort((a, b) => a - b);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function deleteBenchKeys(): Promise<void> {
  const admin = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
}

try {
  const { mixed, drain } = await throughput();
  console.log(`throughput, no-op handler, concurrency ${concurrency}, ${jobs} jobs:`);
  console.log(`  enqueue + process together: ${mixed.toFixed(0)} jobs/s`);
  console.log(`  drain a filled queue:       ${drain.toFixed(0)} jobs/s`);
  const timings = await latency();
  console.log(
    `added latency, enqueue → handler done → waitForOutcome resolved, ${samples} sequential sends:`,
  );
  console.log(
    `  p50 ${percentile(timings, 50).toFixed(2)} ms, p99 ${percentile(timings, 99).toFixed(2)} ms, ` +
      `max ${percentile(timings, 100).toFixed(2)} ms`,
  );
} finally {
  await queue.close();
  await Promise.all([closeClient(commands), closeClient(blocking)]);
  await deleteBenchKeys();
}
