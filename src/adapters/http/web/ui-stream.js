// @ts-check
// A reader of the AI SDK's UI message stream protocol (v1) over server-sent events, for browsers without a bundler.

/**
 * The events of an SSE body: `{ id, data }` each, `id` being the last event id seen so far (as EventSource keeps it).
 * Lines end with LF or CRLF (a lone CR is not a line end here); comments and other fields are skipped.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<{ id: string | undefined, data: string }>}
 */
export async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  /** @type {string[]} */
  let data = [];
  /** @type {string | undefined} */
  let id;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line === '') {
          if (data.length > 0) yield { id, data: data.join('\n') };
          data = [];
          continue;
        }
        const colon = line.indexOf(':');
        if (colon === 0) continue;
        const field = colon === -1 ? line : line.slice(0, colon);
        const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(text);
        else if (field === 'id' && !text.includes('\0')) id = text;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The protocol's chunks, `{ id, chunk }` each, up to `data: [DONE]` or the end of the body.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<{ id: string | undefined, chunk: { type: string, [key: string]: any } }>}
 */
export async function* uiMessageChunks(body) {
  for await (const event of serverSentEvents(body)) {
    if (event.data === '[DONE]') return;
    yield { id: event.id, chunk: JSON.parse(event.data) };
  }
}

/**
 * @typedef {{ id: string | undefined, metadata: Record<string, any>, text: string,
 *   status: 'pending' | 'completed' | 'failed' | 'stopped', error: string | null }} ReplyState
 */

/**
 * A reply being read: `text` is what a resumed reader already holds.
 * @param {{ id?: string, text?: string }} [from]
 * @returns {ReplyState}
 */
export function replyState(from = {}) {
  return { id: from.id, metadata: {}, text: from.text ?? '', status: 'pending', error: null };
}

/**
 * The reply after one chunk: text deltas add up, `reset-step` voids the text of an attempt that died (or that a
 * resumed reader held), and `finish`, `error` and `abort` end it as completed, failed and stopped.
 * @param {ReplyState} state
 * @param {{ type: string, [key: string]: any }} chunk
 * @returns {ReplyState}
 */
export function applyChunk(state, chunk) {
  switch (chunk.type) {
    case 'start':
      return {
        ...state,
        id: chunk.messageId ?? state.id,
        metadata: { ...state.metadata, ...chunk.messageMetadata },
      };
    case 'text-delta':
      return { ...state, text: state.text + chunk.delta };
    case 'reset-step':
      return { ...state, text: '' };
    case 'finish':
      return { ...state, status: 'completed', metadata: { ...state.metadata, ...chunk.messageMetadata } };
    case 'error':
      return { ...state, status: 'failed', error: chunk.errorText };
    case 'abort':
      return { ...state, status: 'stopped' };
    default:
      return state;
  }
}
