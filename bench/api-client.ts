import { type Dispatcher, request } from 'undici';
import { type ReadReply, readReplyStream } from './reply-stream-reader.ts';

/** A signed-in user's calls to the API process, over undici (keep-alive). */
export class ApiClient {
  readonly base: string;
  readonly token: string;

  constructor(base: string, token: string) {
    this.base = base;
    this.token = token;
  }

  /** A send with Accept: text/event-stream, read to its end; `location` is the reply's. */
  async streamSend(
    roomId: string,
    content: string,
    dispatcher?: Dispatcher,
  ): Promise<ReadReply & { location: string }> {
    const started = performance.now();
    const response = await request(`${this.base}/chatroom/${roomId}/message`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
      body: JSON.stringify({ content }),
      ...(dispatcher ? { dispatcher } : {}),
    });
    if (response.statusCode !== 200) throw new Error(`a streamed send answered ${response.statusCode}`);
    const location = String(response.headers.location);
    return { location, ...(await readReplyStream(response.body, started)) };
  }

  /** GET …/stream of a reply: its body, once the answer's headers are in. */
  async openFollow(location: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await request(`${this.base}${location}/stream`, { headers: this.headers() });
    if (response.statusCode !== 200) throw new Error(`a follow answered ${response.statusCode}`);
    return response.body;
  }

  async json(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ headers: Record<string, unknown>; body: Record<string, any> }> {
    const response = await request(`${this.base}${path}`, {
      method,
      headers: this.headers({
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { headers: response.headers, body: (await response.body.json()) as Record<string, any> };
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }
}
