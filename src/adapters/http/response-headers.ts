import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from './auth-middleware.ts';

/** Hono's secureHeaders defaults: every answer carries them. */
export const SECURITY_HEADERS = new Map<string, string>([
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
]);

const REQUEST_ID = 'X-Request-Id';
const MAX_REQUEST_ID_LENGTH = 255;
const REQUEST_ID_SHAPE = /^[\w\-=]+$/;

/** Served by @hono/node-server: Node's response, whose headers are merged into the answer's. */
function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  return outgoing && !outgoing.headersSent ? outgoing : undefined;
}

/**
 * Sets a header of the answer the cheap way (see responseHeaders) when the handler answers with `c.json`/`c.body`;
 * not for headers a middleware must be able to read or change afterwards.
 */
export function answerHeader(c: Context, name: string, value: string): void {
  const outgoing = nodeResponse(c);
  if (outgoing) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/**
 * The request id (the caller's X-Request-Id when it is a sane one, else a new UUID) and the security headers, on
 * every answer. Served by @hono/node-server, they go straight onto Node's response (which merges them into the
 * answer's own headers): each header set through Hono's Headers object costs a WHATWG validation, and these are
 * the same on every answer. Elsewhere (tests calling the app in process) they go through Hono.
 */
export function stampResponse(c: Context<AppEnv>): void {
  const asked = c.req.header(REQUEST_ID);
  const requestId =
    asked && asked.length <= MAX_REQUEST_ID_LENGTH && REQUEST_ID_SHAPE.test(asked) ? asked : randomUUID();
  c.set('requestId', requestId);
  const outgoing = nodeResponse(c);
  if (outgoing) {
    outgoing.setHeaders(SECURITY_HEADERS);
    outgoing.setHeader(REQUEST_ID, requestId);
  } else {
    for (const [name, value] of SECURITY_HEADERS) c.header(name, value);
    c.header(REQUEST_ID, requestId);
  }
}
