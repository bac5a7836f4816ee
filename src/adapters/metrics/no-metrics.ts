import type { Metrics } from '#application/ports/metrics.ts';

/** Metrics that record nothing: for tests, and adapters built without a Metrics. */
export class NoMetrics implements Metrics {
  replyFirstText(): void {}
  replyEnded(): void {}
  modelFailed(): void {}
  replyRetried(): void {}
  replyJobFinished(): void {}
  tokensUsed(): void {}
  quotaRejected(): void {}
  chatroomListRead(): void {}
  paymentEvent(): void {}
}
