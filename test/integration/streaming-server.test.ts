import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '#adapters/http/response-headers.ts';
import { call, freePort, newChatroom, ServiceProcess, signedUpUser } from '#test/support/server-process.ts';
import { readUiStream } from '#test/support/ui-stream.ts';

/** The start command with nothing configured but memory: the offline model streams word by word over real HTTP. */
describe('a streamed reply from `node src/bootstrap/server.ts` with nothing configured', () => {
  let server: ServiceProcess;
  beforeAll(async () => {
    server = new ServiceProcess(
      { NODE_ENV: 'test', DATABASE_URL: 'memory', LOG_LEVEL: 'warn', OFFLINE_MODEL_WORD_MS: '20' },
      await freePort(),
    );
    await server.started(true);
  });
  afterAll(() => server.stop('SIGTERM'));

  it('arrives word by word with the service headers, and ends with the stored text', async () => {
    const mobile = '+919812345678';
    await call(server.baseUrl, 'POST', '/auth/signup', { body: { mobile } });
    const issued = await call(server.baseUrl, 'POST', '/auth/send-otp', { body: { mobile } });
    const { token } = (
      await call(server.baseUrl, 'POST', '/auth/verify-otp', { body: { mobile, otp: issued.body.otp } })
    ).body;
    const room = await call(server.baseUrl, 'POST', '/chatroom', { token, body: { title: 'Live' } });

    const response = await fetch(`${server.baseUrl}/chatroom/${room.body.id}/message`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'x-request-id': 'trace-me-42',
      },
      body: JSON.stringify({ content: 'Hello over the wire' }),
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-me-42');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const read = await readUiStream(response.body!);
    const reply = await call(server.baseUrl, 'GET', response.headers.get('location')!, { token });
    expect(reply.body.content).toBe('(offline model) You said: Hello over the wire');
    expect(read.text).toBe(reply.body.content);
    expect(read.chunks.filter((chunk) => chunk.type === 'text-delta').length).toBeGreaterThan(2);
  });

  it('writes every security header and the request id exactly once on each kind of answer, besides its own', async () => {
    const token = await signedUpUser(server.baseUrl);
    const room = await newChatroom(server.baseUrl, token);
    const bearer = { authorization: `Bearer ${token}` };
    const json = { ...bearer, 'content-type': 'application/json' };
    const send = JSON.stringify({ content: 'Hi' });
    // The day's quota, on every answer to a send (the basic tier's limit here).
    const quota = { 'ratelimit-limit': /^\d+$/, 'ratelimit-remaining': /^\d+$/, 'ratelimit-reset': /^\d+$/ };
    const answers = [
      { path: '/chatroom', headers: bearer, status: 200, own: { 'x-cache': /^(HIT|MISS)$/ } },
      { path: '/chatroom', headers: bearer, status: 200, own: { 'x-cache': /^HIT$/ } },
      { path: '/chatroom', status: 401, own: { 'www-authenticate': /^Bearer error="invalid_token"$/ } },
      { path: '/nowhere', status: 404, own: { 'content-type': /^application\/problem\+json/ } },
      { path: '/chatroom', method: 'PUT', headers: bearer, status: 405, own: { allow: /GET/ } },
      { path: '/app', status: 200, own: { 'content-security-policy': /frame-ancestors 'none'/ } },
      {
        path: `/chatroom/${room}/message`,
        method: 'POST',
        headers: { ...json, prefer: 'respond-async' },
        body: send,
        status: 202,
        own: {
          location: new RegExp(`^/chatroom/${room}/messages/`),
          'preference-applied': /^respond-async$/,
          ...quota,
        },
      },
      {
        path: `/chatroom/${room}/message`,
        method: 'POST',
        headers: json,
        body: send,
        status: 201,
        own: quota,
      },
      {
        path: `/chatroom/${room}/message`,
        method: 'POST',
        headers: json,
        body: JSON.stringify({ content: '' }),
        status: 400,
        own: { 'content-type': /^application\/problem\+json/, ...quota },
      },
      {
        path: `/chatroom/${room}/message`,
        method: 'POST',
        headers: { ...json, accept: 'text/event-stream' },
        body: send,
        status: 200,
        own: {
          'content-type': /^text\/event-stream/,
          'x-vercel-ai-ui-message-stream': /^v1$/,
          location: new RegExp(`^/chatroom/${room}/messages/`),
          ...quota,
        },
      },
    ];
    for (const [i, answer] of answers.entries()) {
      const requestId = `wire-${i}`;
      const { status, lines } = await rawAnswer(server.baseUrl, answer.path, {
        method: answer.method ?? 'GET',
        headers: { ...answer.headers, 'x-request-id': requestId },
        body: answer.body,
      });
      expect(status, answer.path).toBe(answer.status);
      const stamped: [string, string][] = [...SECURITY_HEADERS, ['X-Request-Id', requestId]];
      for (const [name, value] of stamped) {
        expect(
          lines.filter(([line]) => line === name.toLowerCase()),
          `${name} on ${answer.path}`,
        ).toEqual([[name.toLowerCase(), value]]);
      }
      for (const [name, shape] of Object.entries(answer.own)) {
        const values = lines.filter(([line]) => line === name).map(([, value]) => value);
        expect(values, `${name} on ${answer.path}`).toHaveLength(1);
        expect(values[0]).toMatch(shape);
      }
    }
  });
});

/** One request over node:http: the status and every header line as sent (lower-case name, value), repeats kept. */
function rawAnswer(
  baseUrl: string,
  path: string,
  options: { method: string; headers: Record<string, string>; body?: string | undefined },
): Promise<{ status: number; lines: [string, string][] }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { method: options.method, headers: options.headers }, (res) => {
      const lines: [string, string][] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        lines.push([(res.rawHeaders[i] as string).toLowerCase(), res.rawHeaders[i + 1] as string]);
      }
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, lines }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(options.body);
  });
}
