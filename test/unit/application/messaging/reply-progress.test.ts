import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InProcessReplyEvents } from '#adapters/streams/in-process-reply-events.ts';
import { COALESCE_MS, ReplyProgress, SAVE_EVERY_MS } from '#application/messaging/reply-progress.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

const REPLY = '0190a0b0-0000-7000-8000-000000000001';

describe('ReplyProgress', () => {
  let events: InProcessReplyEvents;
  let saves: string[];
  let progress: ReplyProgress;

  beforeEach(() => {
    vi.useFakeTimers();
    events = new InProcessReplyEvents();
    saves = [];
    progress = new ReplyProgress(
      {
        events,
        save: async (_id, content) => {
          saves.push(content);
        },
        logger: new SilentLogger(),
        now: () => Date.now(),
      },
      REPLY,
    );
  });
  afterEach(() => {
    progress.close();
    vi.useRealTimers();
  });

  const deltas = async () =>
    (await events.read(REPLY)).flatMap(({ event }) => (event.type === 'delta' ? [event.text] : []));

  it('sends the first delta at once and those within the coalescing window after it as one event, in order', async () => {
    await progress.begin();
    progress.add('Hel');
    await progress.flush();
    expect(await deltas()).toEqual(['Hel']);
    progress.add('lo');
    progress.add(' wor');
    expect(await deltas()).toEqual(['Hel']);
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(await deltas()).toEqual(['Hel', 'lo wor']);
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    progress.add('ld');
    await vi.advanceTimersByTimeAsync(0);
    expect(await deltas()).toEqual(['Hel', 'lo wor', 'ld']);
    expect((await events.read(REPLY))[0]?.event).toEqual({ type: 'attempt' });
  });

  it('saves the text so far within a second of the first unsaved delta, even when the model pauses', async () => {
    progress.add('Once ');
    await vi.advanceTimersByTimeAsync(SAVE_EVERY_MS - 1);
    expect(saves).toEqual([]);
    progress.add('upon');
    await vi.advanceTimersByTimeAsync(1);
    expect(saves).toEqual(['Once upon']);
    await vi.advanceTimersByTimeAsync(5 * SAVE_EVERY_MS);
    expect(saves).toEqual(['Once upon']);
    progress.add(' a time');
    await vi.advanceTimersByTimeAsync(SAVE_EVERY_MS);
    expect(saves).toEqual(['Once upon', 'Once upon a time']);
  });

  it('saves on demand only what changed, and nothing after close', async () => {
    progress.add('text');
    await progress.save();
    await progress.save();
    expect(saves).toEqual(['text']);
    progress.add(' more');
    progress.close();
    await vi.advanceTimersByTimeAsync(5 * SAVE_EVERY_MS);
    expect(saves).toEqual(['text']);
  });

  it('flushes the deltas before the end event, and keeps going when the log refuses', async () => {
    progress.add('all of it');
    await progress.end({ type: 'abort' });
    expect((await events.read(REPLY)).map(({ event }) => event.type)).toEqual(['delta', 'abort']);
    const failing = new ReplyProgress(
      {
        events: { ...events, append: () => Promise.reject(new Error('Redis down')) } as never,
        save: async () => {},
        logger: new SilentLogger(),
      },
      REPLY,
    );
    failing.add('x');
    await expect(failing.flush()).resolves.toBeUndefined();
    failing.close();
  });

  it('logs a refused append as a warning naming the reply, and the reply goes on', async () => {
    const logged = new SilentLogger();
    const failing = new ReplyProgress(
      {
        events: { ...events, append: () => Promise.reject(new Error('Redis down')) } as never,
        save: async () => {},
        logger: logged,
      },
      REPLY,
    );
    failing.add('x');
    await failing.flush();
    failing.close();
    expect(logged.entries).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ replyId: REPLY }) }),
    ]);
    expect((logged.entries[0]!.fields.err as Error).message).toBe('Redis down');
  });

  it('ignores an empty delta: nothing goes to the log, no save is scheduled', async () => {
    const append = vi.spyOn(events, 'append');
    await progress.begin();
    progress.add('');
    await vi.advanceTimersByTimeAsync(2 * SAVE_EVERY_MS);
    expect(append).not.toHaveBeenCalled();
    expect(saves).toEqual([]);
  });

  it('writes nothing when flushed or saved with nothing new', async () => {
    const append = vi.spyOn(events, 'append');
    await progress.flush();
    await progress.save();
    expect(append).not.toHaveBeenCalled();
    expect(saves).toEqual([]);
  });

  it('holds deltas for the rest of the window after a flush, however late in it they come', async () => {
    const append = vi.spyOn(events, 'append');
    progress.add('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(append).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(COALESCE_MS - 2);
    progress.add('b');
    await vi.advanceTimersByTimeAsync(1);
    expect(append).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await deltas()).toEqual(['a', 'b']);
  });

  it('sends the first delta after the window has closed once its turn of the event loop is over, with the others of that turn', async () => {
    progress.add('a');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    progress.add('b');
    progress.add('c');
    await Promise.resolve();
    expect(await deltas()).toEqual(['a']);
    // No time passes: the turn's end, not a timer of the window.
    await vi.advanceTimersByTimeAsync(0);
    expect(await deltas()).toEqual(['a', 'bc']);
  });

  it('starts a new window after an explicit flush: a timer of the old one does not send early', async () => {
    progress.add('a');
    await vi.advanceTimersByTimeAsync(5);
    progress.add('b');
    await vi.advanceTimersByTimeAsync(5);
    // The end of a reply takes what is buffered at once (at 10 ms; the window of 'a' would have closed at 25).
    await progress.flush();
    expect(await deltas()).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(2);
    progress.add('c');
    await vi.advanceTimersByTimeAsync(COALESCE_MS - 5);
    expect(await deltas()).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(5);
    expect(await deltas()).toEqual(['a', 'b', 'c']);
  });
});
