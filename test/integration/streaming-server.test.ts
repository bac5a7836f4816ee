import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freePort, ServiceProcess } from '#test/support/server-process.ts';
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
});
