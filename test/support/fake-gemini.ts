import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalHttpServer } from './local-http-server.ts';

/** One request as the fake Gemini API received it. */
export interface GeminiRequest {
  method: string;
  /** Path without the query string, e.g. /v1beta/models/gemini-2.5-flash:generateContent. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: GeminiRequestBody;
  /** When the client closed the connection before the answer ended (ms since the epoch), e.g. a call aborted. */
  closedByClientAt?: number;
}

export interface GeminiRequestBody {
  contents?: { role: string; parts: { text?: string }[] }[];
  systemInstruction?: { role?: string; parts: { text?: string }[] };
  generationConfig?: Record<string, unknown>;
}

/** What the fake answers to one request. */
export type GeminiAnswer =
  | { kind: 'json'; status: number; body: unknown }
  | ({ kind: 'sse'; chunks: unknown[] } & StreamPacing)
  | { kind: 'hang' }
  | { kind: 'drop' };

/** How a streamed answer is written: at once and ended, unless told otherwise. */
export interface StreamPacing {
  /** Waits this long before each chunk, like a model writing. */
  chunkDelayMs?: number;
  /** Writes `afterChunks` chunks, then waits for `until` before the rest (a test's cue). */
  pause?: { afterChunks: number; until: Promise<unknown> };
  /** Keeps the stream open after the last chunk, like a model still thinking. */
  hold?: boolean;
}

/** A successful generateContent answer. */
export function geminiText(
  text: string,
  usage = { promptTokenCount: 12, candidatesTokenCount: 7, totalTokenCount: 19 },
): GeminiAnswer {
  return {
    kind: 'json',
    status: 200,
    body: {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: usage,
      modelVersion: 'gemini-2.5-flash',
      responseId: 'fake-response',
    },
  };
}

/** A streamGenerateContent answer: one SSE event per delta, usage on the last one. */
export function geminiStream(deltas: string[], pacing: StreamPacing = {}): GeminiAnswer {
  return {
    kind: 'sse',
    ...pacing,
    chunks: deltas.map((text, index) => ({
      candidates: [
        {
          content: { role: 'model', parts: [{ text }] },
          index: 0,
          ...(index === deltas.length - 1 ? { finishReason: 'STOP' } : {}),
        },
      ],
      ...(index === deltas.length - 1
        ? {
            usageMetadata: {
              promptTokenCount: 3,
              candidatesTokenCount: deltas.length,
              totalTokenCount: 3 + deltas.length,
            },
          }
        : {}),
    })),
  };
}

/** Google's error envelope (google.rpc.Status) with the given HTTP status. */
export function geminiError(
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
): GeminiAnswer {
  return { kind: 'json', status: code, body: { error: { code, message, status, details } } };
}

/** 429 RESOURCE_EXHAUSTED with a google.rpc.RetryInfo such as retryDelay "7s". */
export function geminiRateLimited(retryDelay: string): GeminiAnswer {
  return geminiError(
    429,
    'RESOURCE_EXHAUSTED',
    'You exceeded your current quota, please check your plan and billing details.',
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'PerMinute',
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [{ description: 'Learn more', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
    ],
  );
}

/** The prompt itself was blocked: no candidates, promptFeedback.blockReason set. */
export function geminiPromptBlocked(blockReason = 'SAFETY'): GeminiAnswer {
  return {
    kind: 'json',
    status: 200,
    body: {
      promptFeedback: {
        blockReason,
        safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
      },
      usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
    },
  };
}

/** The answer was stopped by the safety filters: a candidate with finishReason SAFETY and no content. */
export function geminiAnswerBlocked(): GeminiAnswer {
  return {
    kind: 'json',
    status: 200,
    body: {
      candidates: [
        {
          finishReason: 'SAFETY',
          index: 0,
          safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH', blocked: true }],
        },
      ],
      usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
    },
  };
}

/** A 200 with no candidate at all. */
export const geminiNoCandidates: GeminiAnswer = {
  kind: 'json',
  status: 200,
  body: { candidates: [], usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } },
};

/** Accepts the request and never answers (for timeouts). */
export const geminiHang: GeminiAnswer = { kind: 'hang' };
/** Closes the connection without an answer (a connection error). */
export const geminiDrop: GeminiAnswer = { kind: 'drop' };

/**
 * A local HTTP server speaking the Gemini REST wire format (v1beta generateContent and
 * streamGenerateContent?alt=sse). Answers are scripted in order; unscripted requests get a text reply.
 */
export class FakeGemini {
  readonly requests: GeminiRequest[] = [];
  /** SSE answers not closed yet (by either side). */
  openStreams = 0;
  private server!: LocalHttpServer;
  private readonly script: GeminiAnswer[] = [];
  /** Unscripted streamed answers send one chunk every this many ms: a model that takes its time. */
  /** Spaces the chunks of unscripted streamed answers (a slow model). */
  private paceMs = 0;

  static async start(options: { paceMs?: number } = {}): Promise<FakeGemini> {
    const fake = new FakeGemini();
    fake.paceMs = options.paceMs ?? 0;
    fake.server = await LocalHttpServer.start((req, res) => fake.handle(req, res));
    return fake;
  }

  get baseUrl(): string {
    return this.server.url;
  }

  answerWith(...answers: GeminiAnswer[]): void {
    this.script.push(...answers);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = Buffer.concat(chunks).toString('utf8');
    const request: GeminiRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: text ? (JSON.parse(text) as GeminiRequestBody) : {},
    };
    this.requests.push(request);
    res.on('close', () => {
      if (!res.writableFinished) request.closedByClientAt = Date.now();
    });
    if (!/^\/v1(beta)?\/models\/[^/:]+:(generateContent|streamGenerateContent)$/.test(url.pathname)) {
      await this.send(res, geminiError(404, 'NOT_FOUND', `No route for ${url.pathname}`));
      return;
    }
    const streaming = url.pathname.endsWith(':streamGenerateContent');
    const scripted = this.script.shift();
    if (!scripted) {
      const unscripted = streaming
        ? geminiStream(['Hello ', 'from ', 'Gemini'], { chunkDelayMs: this.paceMs })
        : geminiText('Hello from Gemini');
      await this.send(res, unscripted);
      return;
    }
    // A successful JSON answer scripted for either call: the streaming call gets it as its one SSE event.
    const asStream = streaming && scripted.kind === 'json' && scripted.status === 200;
    await this.send(res, asStream ? { kind: 'sse', chunks: [scripted.body] } : scripted);
  }

  private async send(res: ServerResponse, answer: GeminiAnswer): Promise<void> {
    switch (answer.kind) {
      case 'json':
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(answer.body));
        return;
      case 'sse':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        this.openStreams += 1;
        res.on('close', () => {
          this.openStreams -= 1;
        });
        void this.writeChunks(res, answer);
        return;
      case 'hang':
        return;
      case 'drop':
        res.socket?.destroy();
        return;
    }
  }

  private async writeChunks(
    res: ServerResponse,
    answer: Extract<GeminiAnswer, { kind: 'sse' }>,
  ): Promise<void> {
    for (const [index, chunk] of answer.chunks.entries()) {
      if (index === answer.pause?.afterChunks) await answer.pause.until;
      if (answer.chunkDelayMs) await sleep(answer.chunkDelayMs);
      // The client went away (an aborted call): a model would stop writing too.
      if (res.destroyed) return;
      res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    }
    if (!answer.hold) res.end();
  }
}
