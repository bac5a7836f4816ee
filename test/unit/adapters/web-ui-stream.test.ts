import { describe, expect, it } from 'vitest';
import { UiMessageStreamWriter, uiMessageStreamBody } from '#adapters/http/ui-message-stream.ts';
import { applyChunk, replyState, uiMessageChunks } from '#adapters/http/web/ui-stream.js';
import type { LoggedReplyEvent, ReplyEvent } from '#application/ports/reply-events.ts';
import { readUiStream } from '#test/support/ui-stream.ts';

/** The web client's reader (src/adapters/http/web/ui-stream.js) against the server's own writer. */

const delta = (text: string): ReplyEvent => ({ type: 'delta', text });
const finish: ReplyEvent = { type: 'finish', finishReason: 'stop', tokens: null };

function body(events: ReplyEvent[], options: { resumed?: boolean } = {}): ReadableStream<Uint8Array> {
  const logged: LoggedReplyEvent[] = events.map((event, index) => ({ id: `0-${index + 1}`, event }));
  return uiMessageStreamBody({
    writer: new UiMessageStreamWriter({ replyId: 'r', usage: { used: 1 } }, options),
    messageId: 'r',
    events: async function* () {
      yield* logged;
    },
  });
}

/** The same bytes cut into `size`-byte pieces, so events and even characters straddle reads. */
function inPieces(stream: ReadableStream<Uint8Array>, size: number): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        for (let at = 0; at < chunk.length; at += size) controller.enqueue(chunk.slice(at, at + size));
      },
    }),
  );
}

async function read(stream: ReadableStream<Uint8Array>, from: { text?: string } = {}) {
  let state = replyState(from);
  const ids: string[] = [];
  for await (const { id, chunk } of uiMessageChunks(stream)) {
    state = applyChunk(state, chunk);
    if (id !== undefined && ids.at(-1) !== id) ids.push(id);
  }
  return { state, ids };
}

/** Reads one body with the web client's reader and with the `ai` package's, side by side. */
async function bothReaders(stream: ReadableStream<Uint8Array>) {
  const [ours, theirs] = stream.tee();
  const [web, ai] = await Promise.all([read(inPieces(ours, 7)), readUiStream(theirs)]);
  return { web, ai };
}

describe('the web client’s UI message stream reader', () => {
  it('reads a reply as the ai package does: its text, id, metadata and event ids', async () => {
    const { web, ai } = await bothReaders(
      body([{ type: 'attempt' }, delta('Héllo '), delta('wörld 👋'), finish]),
    );
    expect(web.state).toMatchObject({ id: 'r', text: 'Héllo wörld 👋', status: 'completed', error: null });
    expect(web.state.text).toBe(ai.text);
    expect(web.state.metadata).toMatchObject({ replyId: 'r', usage: { used: 1 } });
    expect(web.ids).toEqual(ai.ids);
  });

  it('voids the text of an attempt that died, like the ai package', async () => {
    const { web, ai } = await bothReaders(
      body([{ type: 'attempt' }, delta('half an ans'), { type: 'attempt' }, delta('The answer'), finish]),
    );
    expect(web.state.text).toBe('The answer');
    expect(web.state.text).toBe(ai.text);
  });

  it('ends a failed reply with its error and a stopped one with its text kept', async () => {
    const failed = await read(body([{ type: 'attempt' }, { type: 'error', error: 'Model down' }]));
    expect(failed.state).toMatchObject({ status: 'failed', error: 'Model down', text: '' });
    const stopped = await read(body([{ type: 'attempt' }, delta('kept'), { type: 'abort' }]));
    expect(stopped.state).toMatchObject({ status: 'stopped', text: 'kept' });
  });

  it('adds a resumed stream to the text held before, and starts over when the stream starts a new attempt', async () => {
    const rest = await read(body([delta(' and more'), finish], { resumed: true }), { text: 'Some' });
    expect(rest.state).toMatchObject({ text: 'Some and more', status: 'completed' });
    const stored = await read(
      body([{ type: 'attempt' }, delta('The stored answer'), finish], { resumed: true }),
      {
        text: 'The st',
      },
    );
    expect(stored.state.text).toBe('The stored answer');
  });

  it('reads CRLF line ends, comments and multi-line data, and stops at [DONE]', async () => {
    const text = [
      ': ping',
      'id: 1',
      'data: {"type":"text-delta",',
      'data: "id":"t","delta":"a"}',
      '',
      'event: ignored',
      'data: {"type":"text-delta","id":"t","delta":"b"}',
      '',
      'data: [DONE]',
      '',
      'data: {"type":"text-delta","id":"t","delta":"after the end"}',
      '',
    ].join('\r\n');
    const { state, ids } = await read(inPieces(new Response(text).body!, 3));
    expect(state.text).toBe('ab');
    expect(ids).toEqual(['1']);
  });
});
