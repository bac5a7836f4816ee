import type { Logger } from '#application/ports/logger.ts';

export interface PeriodicTaskOptions {
  /** For the log, e.g. "reconcile replies". */
  name: string;
  run: () => Promise<void>;
  intervalMs: number;
  /** Each wait is intervalMs × (1 ± jitter), so that processes started together drift apart. */
  jitter?: number;
  logger: Logger;
  random?: () => number;
}

/**
 * Runs a task at once, then again `intervalMs` (± jitter) after each run ends: never two runs at once. A failing
 * task is logged once when it starts failing and once when it works again (an outage is two lines, not one per
 * run), and the timer keeps going. The timer does not keep the process alive; close() waits for a run under way.
 */
export class PeriodicTask {
  private readonly options: PeriodicTaskOptions;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;
  private closed = false;

  constructor(options: PeriodicTaskOptions) {
    this.options = options;
    this.random = options.random ?? Math.random;
  }

  start(): this {
    this.schedule(0);
    return this;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.running = this.runOnce();
    await this.running;
    this.running = undefined;
    const { intervalMs, jitter = 0 } = this.options;
    this.schedule(intervalMs * (1 + jitter * (2 * this.random() - 1)));
  }

  private async runOnce(): Promise<void> {
    const { name, logger, intervalMs } = this.options;
    try {
      await this.options.run();
      if (this.failing) logger.info({ task: name }, `${name}: works again`);
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        logger.warn(
          { err: error, task: name },
          `${name} failed; retrying every ${intervalMs} ms (logged once)`,
        );
      }
      this.failing = true;
    }
  }
}
