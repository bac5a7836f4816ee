/** The reply jobs a queue holds right now, by state; read when the metrics are scraped. */
export interface ReplyJobCounts {
  waiting: number;
  /** Waiting out the backoff before their next attempt. */
  delayed: number;
  active: number;
}

/** A queue that reports its ReplyJobCounts (rejects when it cannot read them). */
export interface CountsReplyJobs {
  jobCounts(): Promise<ReplyJobCounts>;
}
