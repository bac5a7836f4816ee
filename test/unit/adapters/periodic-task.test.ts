import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicTask } from '#adapters/system/periodic-task.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A task whose runs the test counts and can make fail. */
function aTask(options: { random?: () => number; jitter?: number } = {}) {
  const logger = new SilentLogger();
  const state = { runs: 0, failure: null as Error | null };
  const task = new PeriodicTask({
    name: 'reconcile replies',
    intervalMs: 10_000,
    logger,
    ...options,
    run: async () => {
      state.runs += 1;
      if (state.failure) throw state.failure;
    },
  });
  return { task, logger, state };
}

describe('PeriodicTask', () => {
  it('runs at once, then every interval, each wait drawn within ±jitter', async () => {
    const { task, state } = aTask({ jitter: 0.2, random: () => 0 });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.runs).toBe(1);

    await vi.advanceTimersByTimeAsync(7_999);
    expect(state.runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.runs).toBe(2);
    await task.close();
  });

  it('never waits longer than the interval plus its jitter', async () => {
    const { task, state } = aTask({ jitter: 0.2, random: () => 0.999_999 });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(state.runs).toBe(2);
    await task.close();
  });

  it('keeps running through failures, logging an outage once when it begins and once when it ends', async () => {
    const { task, state, logger } = aTask();
    state.failure = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(state.runs).toBe(4);
    expect(logger.entries).toMatchObject([
      {
        level: 'warn',
        fields: { err: state.failure },
        message: expect.stringContaining('reconcile replies failed'),
      },
    ]);

    state.failure = null;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(state.runs).toBe(6);
    expect(logger.messages()).toHaveLength(2);
    expect(logger.entries[1]).toMatchObject({ level: 'info', message: 'reconcile replies: works again' });
    await task.close();
  });

  it('never starts a run while the last one is under way', async () => {
    const logger = new SilentLogger();
    let runs = 0;
    let finish: () => void = () => {};
    const task = new PeriodicTask({
      name: 'slow',
      intervalMs: 1_000,
      logger,
      run: () => {
        runs += 1;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    }).start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(1);
    finish();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(2);
    finish();
    await task.close();
  });

  it('stops at close, after the run under way', async () => {
    const logger = new SilentLogger();
    let runs = 0;
    let finish: () => void = () => {};
    const task = new PeriodicTask({
      name: 'slow',
      intervalMs: 1_000,
      logger,
      run: () => {
        runs += 1;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    }).start();
    await vi.advanceTimersByTimeAsync(0);
    let closed = false;
    const closing = task.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    finish();
    await closing;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(1);
  });
});
