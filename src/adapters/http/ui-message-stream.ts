import type { LoggedReplyEvent, ReplyEvent } from '#application/ports/reply-events.ts';
import { tokensJson } from './presenters.ts';

/** The AI SDK's UI message stream protocol, v1: response headers a client (`ai`'s readers, useChat) expects. */
export const UI_MESSAGE_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'x-vercel-ai-ui-message-stream': 'v1',
} as const;

export const HEARTBEAT_MS = 15_000;

/**
 * Turns a reply's events into protocol chunks, one connection at a time: `start` + `start-step` first, a text part
 * opened lazily before the first delta (so a resumed stream still opens the part it writes to), `reset-step` when
 * a new attempt voids the text so far, and the end as `finish` / `error` / `abort` followed by `[DONE]`.
 */
export class UiMessageStreamWriter {
  private readonly metadata: Record<string, unknown>;
  /** A resumed client may hold text of an attempt this connection never saw: any new attempt voids it. */
  private readonly resumed: boolean;
  private attempt = 0;
  private textOpen = false;
  private ended = false;

  constructor(metadata: Record<string, unknown>, options: { resumed?: boolean } = {}) {
    this.metadata = metadata;
    this.resumed = options.resumed ?? false;
  }

  get done(): boolean {
    return this.ended;
  }

  /** The frames that open the stream. */
  open(messageId: string): string {
    return (
      frame({ type: 'start', messageId, messageMetadata: this.metadata }) + frame({ type: 'start-step' })
    );
  }

  /** The frames for one logged event; the last one carries the event's id. */
  write({ id, event }: LoggedReplyEvent): string {
    if (this.ended) return '';
    const chunks = this.chunksOf(event);
    return chunks.map((chunk, index) => frame(chunk, index === chunks.length - 1 ? id : undefined)).join('');
  }

  private chunksOf(event: ReplyEvent): object[] {
    const part = `text-${this.attempt}`;
    switch (event.type) {
      case 'attempt': {
        // Text from before this attempt (seen here, or held by a resumed client) is void.
        const voids = this.attempt > 0 || this.resumed;
        this.attempt += 1;
        this.textOpen = false;
        return voids ? [{ type: 'reset-step' }] : [];
      }
      case 'delta': {
        if (event.text === '') return [];
        const opening = this.textOpen ? [] : [{ type: 'text-start', id: part }];
        this.textOpen = true;
        return [...opening, { type: 'text-delta', id: part, delta: event.text }];
      }
      case 'finish':
        return this.end([
          { type: 'finish-step' },
          {
            type: 'finish',
            finishReason: event.finishReason,
            messageMetadata: { ...this.metadata, tokens: event.tokens && tokensJson(event.tokens) },
          },
        ]);
      case 'error':
        return this.end([{ type: 'finish-step' }, { type: 'error', errorText: event.error }]);
      case 'abort':
        return this.end([{ type: 'finish-step' }, { type: 'abort', reason: 'stopped' }]);
    }
  }

  private end(chunks: object[]): object[] {
    const closing = this.textOpen ? [{ type: 'text-end', id: `text-${this.attempt}` }] : [];
    this.textOpen = false;
    this.ended = true;
    return [...closing, ...chunks];
  }
}

export const DONE_FRAME = 'data: [DONE]\n\n';
export const HEARTBEAT_FRAME = ': ping\n\n';

function frame(chunk: object, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(chunk)}\n\n`;
}

/**
 * An SSE body that writes `opening`, then each event of `events`, then `[DONE]` after the end, with a heartbeat
 * comment whenever HEARTBEAT_MS pass in silence. A client that goes away aborts `signal`'s controller (so the
 * follow stops) and nothing else: the reply goes on.
 */
export function uiMessageStreamBody(options: {
  writer: UiMessageStreamWriter;
  messageId: string;
  events: (signal: AbortSignal) => AsyncIterable<LoggedReplyEvent>;
  heartbeatMs?: number;
}): ReadableStream<Uint8Array> {
  const { writer } = options;
  const encoder = new TextEncoder();
  const disconnected = new AbortController();
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let lastWrite = Date.now();
      const send = (text: string) => {
        if (text === '' || disconnected.signal.aborted) return;
        lastWrite = Date.now();
        controller.enqueue(encoder.encode(text));
      };
      heartbeat = setInterval(() => {
        if (Date.now() - lastWrite >= heartbeatMs - 5) send(HEARTBEAT_FRAME);
      }, heartbeatMs);
      heartbeat.unref();
      send(writer.open(options.messageId));
      void (async () => {
        try {
          for await (const entry of options.events(disconnected.signal)) {
            send(writer.write(entry));
            if (writer.done) break;
          }
          if (writer.done) send(DONE_FRAME);
          if (!disconnected.signal.aborted) controller.close();
        } catch (error) {
          if (!disconnected.signal.aborted) controller.error(error);
        } finally {
          clearInterval(heartbeat);
        }
      })();
    },
    cancel() {
      clearInterval(heartbeat);
      disconnected.abort();
    },
  });
}
