/**
 * A reply worker in its own process, for the BullMQ integration tests. It records in Redis which process handled
 * or gave up each job. MODE=hang never finishes a job (to be killed mid-job). Prints "ready" and "started <id>".
 */
import {
  closeClient,
  createBullMqClient,
  createCommandClient,
  untilReady,
} from '#adapters/cache/redis-connection.ts';
import { BullMqReplyWorker } from '#adapters/queue/bullmq-reply-worker.ts';
import type { ReplyJob, ReplyJobHandler } from '#application/ports/reply-queue.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

const { REDIS_URL, BULL_PREFIX, MARK_PREFIX, MODE, STALLED_MS } = process.env;
if (!REDIS_URL || !BULL_PREFIX || !MARK_PREFIX)
  throw new Error('REDIS_URL, BULL_PREFIX and MARK_PREFIX are required');

const marks = createCommandClient(REDIS_URL, 'test:marks');
const connection = createBullMqClient(REDIS_URL);
await untilReady(marks, 5000);

const handler: ReplyJobHandler = {
  async handle(job: ReplyJob) {
    process.stdout.write(`started ${job.replyId}\n`);
    if (MODE === 'hang') await new Promise(() => {});
    await marks.set(`${MARK_PREFIX}handled:${job.replyId}`, String(process.pid));
  },
  async giveUp(job: ReplyJob) {
    await marks.set(`${MARK_PREFIX}gave-up:${job.replyId}`, String(process.pid));
  },
};

const stalledMs = Number(STALLED_MS ?? 30_000);
const worker = new BullMqReplyWorker({
  connection,
  prefix: BULL_PREFIX,
  handler,
  logger: new SilentLogger(),
  concurrency: 2,
  stalledIntervalMs: stalledMs,
  lockDurationMs: stalledMs,
});
await worker.waitUntilReady();
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await Promise.all([closeClient(connection), closeClient(marks)]);
    process.exit(0);
  })();
});
