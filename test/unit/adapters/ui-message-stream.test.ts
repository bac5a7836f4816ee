import { describe, expect, it } from 'vitest';
import { UiMessageStreamWriter, uiMessageStreamBody } from '#adapters/http/ui-message-stream.ts';
import type { LoggedReplyEvent, ReplyEvent } from '#application/ports/reply-events.ts';
import { readUiStream } from '#test/support/ui-stream.ts';

const metadata = { chatroomId: 'c', promptId: 'p', replyId: 'r' };

function logged(events: ReplyEvent[], from = 1): LoggedReplyEvent[] {
  return events.map((event, index) => ({ id: `0-${from + index}`, event }));
}

function body(events: LoggedReplyEvent[], heartbeatMs?: number) {
  return uiMessageStreamBody({
    writer: new UiMessageStreamWriter(metadata),
    messageId: 'r',
    heartbeatMs,
    events: async function* () {
      for (const entry of events) yield entry;
    },
  });
}

const delta = (text: string): ReplyEvent => ({ type: 'delta', text });

describe('the UI message stream of a reply', () => {
  it('is read by the ai package as the reply text, with start metadata and the finish tokens', async () => {
    const read = await readUiStream(
      body(
        logged([
          { type: 'attempt' },
          delta('Hello '),
          delta('there'),
          {
            type: 'finish',
            finishReason: 'stop',
            tokens: { promptTokens: 3, candidateTokens: 2, totalTokens: 5 },
          },
        ]),
      ),
    );
    expect(read.text).toBe('Hello there');
    expect(read.message?.id).toBe('r');
    expect(read.done).toBe(true);
    expect(read.chunks[0]).toEqual({ type: 'start', messageId: 'r', messageMetadata: metadata });
    expect(read.chunks.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      messageMetadata: { ...metadata, tokens: { prompt: 3, output: 2, total: 5 } },
    });
    expect(read.ids).toEqual(['0-2', '0-3', '0-4']);
  });

  it('voids the text of an attempt that died, so the reader ends with the retry text only', async () => {
    const read = await readUiStream(
      body(
        logged([
          { type: 'attempt' },
          delta('half an ans'),
          { type: 'attempt' },
          delta('The full '),
          delta('answer'),
          { type: 'finish', finishReason: 'stop', tokens: null },
        ]),
      ),
    );
    expect(read.chunks.map((chunk) => chunk.type)).toContain('reset-step');
    expect(read.text).toBe('The full answer');
  });

  it('ends a failed reply with its error, and a stopped one with abort', async () => {
    const failed = await readUiStream(
      body(logged([delta('partial'), { type: 'error', error: 'Model down' }])),
    );
    expect(failed.chunks.at(-1)).toEqual({ type: 'error', errorText: 'Model down' });
    expect(failed.done).toBe(true);
    const stopped = await readUiStream(body(logged([delta('kept text'), { type: 'abort' }])));
    expect(stopped.chunks.at(-1)).toEqual({ type: 'abort', reason: 'stopped' });
    expect(stopped.text).toBe('kept text');
  });

  it('opens the text part again on a resumed stream that starts mid-answer', async () => {
    const read = await readUiStream(
      body(logged([delta('rest of it'), { type: 'finish', finishReason: 'stop', tokens: null }], 7)),
    );
    expect(read.text).toBe('rest of it');
    expect(read.ids[0]).toBe('0-7');
  });

  it('voids what a resumed client holds when the events start a new attempt, even the first', async () => {
    const stream = uiMessageStreamBody({
      writer: new UiMessageStreamWriter(metadata, { resumed: true }),
      messageId: 'r',
      events: async function* () {
        yield { id: 'done-1', event: { type: 'attempt' } };
        yield { id: 'done-2', event: delta('the whole stored answer') };
        yield { id: 'done-3', event: { type: 'finish', finishReason: 'stop', tokens: null } };
      },
    });
    const read = await readUiStream(stream);
    expect(read.chunks.map((chunk) => chunk.type)).toContain('reset-step');
    expect(read.text).toBe('the whole stored answer');
  });

  it('sends a ping comment when nothing else is sent for the heartbeat interval', async () => {
    const events = async function* (): AsyncIterable<LoggedReplyEvent> {
      await new Promise((resolve) => setTimeout(resolve, 120));
      yield { id: '0-1', event: { type: 'abort' } };
    };
    const stream = uiMessageStreamBody({
      writer: new UiMessageStreamWriter(metadata),
      messageId: 'r',
      heartbeatMs: 40,
      events,
    });
    const text = await new Response(stream).text();
    expect(text).toMatch(/^: ping$/m);
  });

  it('stops following when the client goes away', async () => {
    let aborted = false;
    const stream = uiMessageStreamBody({
      writer: new UiMessageStreamWriter(metadata),
      messageId: 'r',
      events: async function* (signal) {
        yield { id: '0-1', event: delta('x') };
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        aborted = signal.aborted;
      },
    });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    await expect.poll(() => aborted).toBe(true);
  });
});
