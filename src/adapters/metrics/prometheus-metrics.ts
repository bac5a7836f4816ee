import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EndedReplyStatus, Metrics, PaymentEventOutcome } from '#application/ports/metrics.ts';
import type { PaymentEvent } from '#application/ports/payment-gateway.ts';
import type { TokenUsage } from '#domain/chatroom/message.ts';
import type { Tier } from '#domain/subscription/subscription.ts';
import type { CountsReplyJobs } from '../queue/reply-job-counts.ts';

const PREFIX = 'gemini_chat_';
/** Seconds, from a cached read to a send that waits for its reply. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds, from a model's first words to a long answer after retries. */
const REPLY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];

export interface ServedRequest {
  method: string;
  /** The pattern of the route that answered (`/chatroom/:id`), never the raw path. */
  route: string;
  status: number;
  seconds: number;
}

let runtimeSeries: Registry | undefined;

/** Event-loop lag, heap, CPU, GC: collected once per process, however many apps it runs (tests run several). */
function runtimeRegistry(): Registry {
  if (!runtimeSeries) {
    runtimeSeries = new Registry();
    collectDefaultMetrics({ register: runtimeSeries });
  }
  return runtimeSeries;
}

/** The Metrics port on prom-client, with the HTTP request histogram, in a registry of its own. */
export class PrometheusMetrics implements Metrics {
  private readonly registry = new Registry();
  private readonly exposed: Registry;
  private replyJobSource: CountsReplyJobs | undefined;

  private readonly requests = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests until the response starts, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly replyJobs = new Gauge({
    name: `${PREFIX}reply_jobs`,
    help: 'Reply jobs in the queue now, by state (waiting, delayed for a retry, active)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => this.countReplyJobs(),
  });
  private readonly finishedJobs = new Counter({
    name: `${PREFIX}reply_jobs_finished_total`,
    help: 'Reply jobs this process ran to their end, by outcome (completed, or failed for good)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: `${PREFIX}reply_retries_total`,
    help: 'Reply attempts that failed and were scheduled again',
    registers: [this.registry],
  });
  private readonly firstText = new Histogram({
    name: `${PREFIX}reply_first_text_seconds`,
    help: "From a prompt's send to the first text of an attempt at its reply",
    buckets: REPLY_BUCKETS,
    registers: [this.registry],
  });
  private readonly replyDuration = new Histogram({
    name: `${PREFIX}reply_duration_seconds`,
    help: "From a prompt's send to the end of its reply, by how it ended",
    labelNames: ['status'] as const,
    buckets: REPLY_BUCKETS,
    registers: [this.registry],
  });
  private readonly modelErrors = new Counter({
    name: `${PREFIX}model_errors_total`,
    help: 'Failed model calls, by kind and whether retrying may help',
    labelNames: ['kind', 'retryable'] as const,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: `${PREFIX}model_tokens_total`,
    help: "Tokens of completed replies by the sender's tier: prompt, and completion (thinking included)",
    labelNames: ['tier', 'type'] as const,
    registers: [this.registry],
  });
  private readonly quotaRejections = new Counter({
    name: `${PREFIX}quota_rejections_total`,
    help: 'Prompts refused by the daily quota, by tier',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });
  private readonly chatroomLists = new Counter({
    name: `${PREFIX}chatroom_list_cache_total`,
    help: 'Chatroom list reads, by result: hit (from the cache) or miss (from the database)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly webhookEvents = new Counter({
    name: `${PREFIX}webhook_events_total`,
    help: 'Payment webhook events, by type and outcome (applied, duplicate, ignored, invalid)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Series that exist before anything happens, so a rate over them starts from zero.
    for (const outcome of ['completed', 'failed']) this.finishedJobs.inc({ outcome }, 0);
    for (const tier of ['basic', 'pro']) this.quotaRejections.inc({ tier }, 0);
    for (const result of ['hit', 'miss']) this.chatroomLists.inc({ result }, 0);
    this.exposed = Registry.merge([runtimeRegistry(), this.registry]);
  }

  /** The queue whose job counts are read at each scrape. */
  watchReplyJobs(source: CountsReplyJobs): void {
    this.replyJobSource = source;
  }

  requestServed(request: ServedRequest): void {
    const { method, route, status, seconds } = request;
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  /** The Prometheus text exposition of every series, the runtime's included. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.exposed.contentType, body: await this.exposed.metrics() };
  }

  replyFirstText(seconds: number): void {
    this.firstText.observe(seconds);
  }

  replyEnded(status: EndedReplyStatus, seconds: number): void {
    this.replyDuration.observe({ status }, seconds);
  }

  modelFailed(failure: { kind: string; retryable: boolean }): void {
    this.modelErrors.inc({ kind: failure.kind, retryable: String(failure.retryable) });
  }

  replyRetried(): void {
    this.retries.inc();
  }

  replyJobFinished(outcome: 'completed' | 'failed'): void {
    this.finishedJobs.inc({ outcome });
  }

  tokensUsed(tier: Tier, tokens: TokenUsage): void {
    this.tokens.inc({ tier, type: 'prompt' }, tokens.promptTokens);
    this.tokens.inc({ tier, type: 'completion' }, Math.max(0, tokens.totalTokens - tokens.promptTokens));
  }

  quotaRejected(tier: Tier): void {
    this.quotaRejections.inc({ tier });
  }

  chatroomListRead(result: 'hit' | 'miss'): void {
    this.chatroomLists.inc({ result });
  }

  paymentEvent(kind: PaymentEvent['kind'] | null, outcome: PaymentEventOutcome): void {
    const type = kind === null ? 'unknown' : kind === 'ignored' ? 'other' : kind;
    this.webhookEvents.inc({ type, outcome });
  }

  /** Unreadable counts (Redis down) leave the gauge empty for this scrape rather than stale. */
  private async countReplyJobs(): Promise<void> {
    this.replyJobs.reset();
    if (!this.replyJobSource) return;
    try {
      const counts = await this.replyJobSource.jobCounts();
      for (const [state, count] of Object.entries(counts)) this.replyJobs.set({ state }, count);
    } catch {
      // no value this time
    }
  }
}
