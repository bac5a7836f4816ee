/** What a client saw of one reply stream (UI message stream v1), with times in ms from `since`. */
export interface ReadReply {
  text: string;
  /** text-delta chunks received. */
  deltas: number;
  firstDeltaMs: number;
  endMs: number;
  /** The chunk that ended the stream: finish, abort or error. */
  end: string | undefined;
  /** `data: [DONE]` arrived. */
  done: boolean;
}

/**
 * Reads an SSE body chunk by chunk, timing the first delta and the end. A light reader (no `ai` package) so that
 * hundreds of streams at once measure the service rather than the client; `reset-step` voids the text so far.
 */
export async function readReplyStream(body: AsyncIterable<Uint8Array>, since: number): Promise<ReadReply> {
  const read: ReadReply = {
    text: '',
    deltas: 0,
    firstDeltaMs: Number.NaN,
    endMs: Number.NaN,
    end: undefined,
    done: false,
  };
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      onFrame(read, buffer.slice(0, boundary), since);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf('\n\n');
    }
  }
  return read;
}

function onFrame(read: ReadReply, frame: string, since: number): void {
  const data = frame.split('\n').find((line) => line.startsWith('data: '));
  if (data === undefined) return;
  const payload = data.slice('data: '.length);
  if (payload === '[DONE]') {
    read.done = true;
    return;
  }
  const chunk = JSON.parse(payload) as { type: string; delta?: string };
  switch (chunk.type) {
    case 'text-delta':
      if (read.deltas === 0) read.firstDeltaMs = performance.now() - since;
      read.deltas += 1;
      read.text += chunk.delta ?? '';
      return;
    case 'reset-step':
      read.text = '';
      return;
    case 'finish':
    case 'abort':
    case 'error':
      read.end = chunk.type;
      read.endMs = performance.now() - since;
      return;
  }
}
