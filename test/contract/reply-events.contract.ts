import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  LoggedReplyEvent,
  ReplyCancellation,
  ReplyEvent,
  ReplyEventLog,
} from '#application/ports/reply-events.ts';
import type { MessageId } from '#domain/shared/ids.ts';

export interface ReplyEventsFixture {
  log: ReplyEventLog;
  cancellation: ReplyCancellation;
  /** Another process's view of the same log and stop requests (the same instance in process). */
  peer: { log: ReplyEventLog; cancellation: ReplyCancellation };
  close(): Promise<void>;
}

let counter = 0;
function aReplyId(): MessageId {
  counter += 1;
  return `0190a0b0-0000-7000-8000-${String(counter).padStart(12, '0')}` as MessageId;
}

const finish: ReplyEvent = { type: 'finish', finishReason: 'stop', tokens: null };
const delta = (text: string): ReplyEvent => ({ type: 'delta', text });

async function collect(events: AsyncIterable<LoggedReplyEvent>): Promise<LoggedReplyEvent[]> {
  const all: LoggedReplyEvent[] = [];
  for await (const entry of events) all.push(entry);
  return all;
}

function textOf(entries: LoggedReplyEvent[]): string {
  return entries.map(({ event }) => (event.type === 'delta' ? event.text : '')).join('');
}

/** The reply event log and stop requests as the streaming endpoints and the worker rely on them. */
export function replyEventsContract(name: string, make: () => Promise<ReplyEventsFixture>): void {
  describe(`${name}: reply events contract`, () => {
    let fixture: ReplyEventsFixture;

    beforeEach(async () => {
      fixture = await make();
    });

    afterEach(async () => {
      await fixture.close();
    });

    it('reads back appended events in order, with ids that increase', async () => {
      const replyId = aReplyId();
      await fixture.log.append(replyId, [{ type: 'attempt' }, delta('Hel')]);
      await fixture.log.append(replyId, [delta('lo'), finish]);
      const events = await fixture.peer.log.read(replyId);
      expect(events.map((entry) => entry.event)).toEqual([
        { type: 'attempt' },
        delta('Hel'),
        delta('lo'),
        finish,
      ]);
      const ids = events.map((entry) => entry.id);
      expect(new Set(ids).size).toBe(4);
      for (let i = 1; i < ids.length; i++) {
        const later = await fixture.log.read(replyId, ids[i - 1]);
        expect(later[0]?.id).toBe(ids[i]);
      }
    });

    it('reads only the events after a given id, and nothing for an unknown reply', async () => {
      const replyId = aReplyId();
      await fixture.log.append(replyId, [delta('a'), delta('b'), delta('c')]);
      const [first] = await fixture.log.read(replyId);
      expect(textOf(await fixture.log.read(replyId, first!.id))).toBe('bc');
      expect(await fixture.log.read(aReplyId())).toEqual([]);
    });

    it('treats an id it never issued as no position: everything is read', async () => {
      const replyId = aReplyId();
      await fixture.log.append(replyId, [delta('a'), delta('b')]);
      expect(textOf(await fixture.log.read(replyId, 'not-an-id'))).toBe('ab');
    });

    it('keeps the logs of different replies apart', async () => {
      const [one, two] = [aReplyId(), aReplyId()];
      await fixture.log.append(one, [delta('one')]);
      await fixture.log.append(two, [delta('two')]);
      expect(textOf(await fixture.log.read(one))).toBe('one');
      expect(textOf(await fixture.log.read(two))).toBe('two');
    });

    it('follows from the start, live, to the end event, in another process', async () => {
      const replyId = aReplyId();
      await fixture.log.append(replyId, [delta('Hel')]);
      const following = collect(fixture.peer.log.follow(replyId, undefined, new AbortController().signal));
      await sleep(50);
      await fixture.log.append(replyId, [delta('lo')]);
      await sleep(20);
      await fixture.log.append(replyId, [delta('!'), finish]);
      const events = await following;
      expect(textOf(events)).toBe('Hello!');
      expect(events.at(-1)?.event).toEqual(finish);
    });

    it('a follower that starts before the first event gets every event', async () => {
      const replyId = aReplyId();
      const following = collect(fixture.peer.log.follow(replyId, undefined, new AbortController().signal));
      await sleep(50);
      await fixture.log.append(replyId, [delta('first'), { type: 'abort' }]);
      expect((await following).map((entry) => entry.event)).toEqual([delta('first'), { type: 'abort' }]);
    });

    it('resumes after an event id with no duplicate and no gap', async () => {
      const replyId = aReplyId();
      await fixture.log.append(replyId, [delta('1'), delta('2'), delta('3')]);
      const seen = await fixture.log.read(replyId);
      const resumed = collect(fixture.peer.log.follow(replyId, seen[1]!.id, new AbortController().signal));
      await fixture.log.append(replyId, [delta('4'), { type: 'error', error: 'gone' }]);
      expect(textOf(await resumed)).toBe('34');
    });

    it('ends a follow that is aborted, without an end event', async () => {
      const replyId = aReplyId();
      await fixture.log.append(replyId, [delta('x')]);
      const controller = new AbortController();
      const following = collect(fixture.peer.log.follow(replyId, undefined, controller.signal));
      await sleep(50);
      controller.abort();
      expect(textOf(await following)).toBe('x');
    });

    it('gives every follower of a reply the same events', async () => {
      const replyId = aReplyId();
      const followers = Array.from({ length: 20 }, () =>
        collect(fixture.peer.log.follow(replyId, undefined, new AbortController().signal)),
      );
      await sleep(50);
      for (const word of ['a ', 'b ', 'c']) await fixture.log.append(replyId, [delta(word)]);
      await fixture.log.append(replyId, [finish]);
      for (const events of await Promise.all(followers)) expect(textOf(events)).toBe('a b c');
    });

    it('a follow that starts after the end replays to the end and stops', async () => {
      const replyId = aReplyId();
      await fixture.log.append(replyId, [delta('done'), finish]);
      const events = await collect(fixture.peer.log.follow(replyId, undefined, new AbortController().signal));
      expect(events.map((entry) => entry.event)).toEqual([delta('done'), finish]);
    });

    it('sees a stop requested before anyone watched, in another process', async () => {
      const replyId = aReplyId();
      expect(await fixture.cancellation.isStopRequested(replyId)).toBe(false);
      await fixture.peer.cancellation.requestStop(replyId);
      expect(await fixture.cancellation.isStopRequested(replyId)).toBe(true);
      let stopped = 0;
      const unwatch = await fixture.cancellation.watch(replyId, () => {
        stopped += 1;
      });
      expect(stopped).toBe(1);
      unwatch();
    });

    it('tells a watcher of a stop requested later, once, and only for its reply', async () => {
      const [watched, other] = [aReplyId(), aReplyId()];
      let stopped = 0;
      const unwatch = await fixture.cancellation.watch(watched, () => {
        stopped += 1;
      });
      await fixture.peer.cancellation.requestStop(other);
      await sleep(50);
      expect(stopped).toBe(0);
      await fixture.peer.cancellation.requestStop(watched);
      await fixture.peer.cancellation.requestStop(watched);
      await expect.poll(() => stopped).toBe(1);
      await sleep(50);
      expect(stopped).toBe(1);
      unwatch();
    });

    it('an unwatched reply is not told', async () => {
      const replyId = aReplyId();
      let stopped = false;
      const unwatch = await fixture.cancellation.watch(replyId, () => {
        stopped = true;
      });
      unwatch();
      await fixture.peer.cancellation.requestStop(replyId);
      await sleep(50);
      expect(stopped).toBe(false);
    });
  });
}
