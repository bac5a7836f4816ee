import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ServiceProcess } from '#test/support/server-process.ts';

const TWO_MIB = Buffer.alloc(2 * 1024 * 1024, 'a');

/** A keep-alive connection to the service, with what it received and whether the service closed it. */
async function aConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  const state = { received: '', closed: false };
  socket.on('data', (chunk: Buffer) => {
    state.received += chunk.toString('latin1');
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => {
    state.closed = true;
  });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, state, closed };
}

/** Resolves with the first complete response (head and Content-Length body) the connection received. */
async function firstResponse(state: { received: string; closed: boolean }) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const end = state.received.indexOf('\r\n\r\n');
    if (end >= 0) {
      const head = state.received.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (state.received.length >= end + 4 + length) {
        const [statusLine, ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => [
            line.slice(0, line.indexOf(':')).toLowerCase(),
            line.slice(line.indexOf(':') + 2),
          ]),
        );
        return { status: Number(statusLine!.split(' ')[1]), headers };
      }
    }
    if (state.closed || Date.now() > deadline) throw new Error(`no complete response: ${state.received}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a body over the limit on a keep-alive connection', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    service = new ServiceProcess(
      { DATABASE_URL: 'memory', NODE_ENV: 'test', LOG_LEVEL: 'warn' },
      await freePort(),
    );
    await service.started(true);
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
  });

  const port = () => Number(new URL(service.baseUrl).port);
  const head = (framing: string) =>
    `POST /auth/signup HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n` +
    `Content-Type: application/json\r\n${framing}\r\n\r\n`;

  it.each([
    ['announced by Content-Length', head(`Content-Length: ${TWO_MIB.length}`), [TWO_MIB]],
    [
      'sent in chunks',
      head('Transfer-Encoding: chunked'),
      [Buffer.from(`${TWO_MIB.length.toString(16)}\r\n`), TWO_MIB, Buffer.from('\r\n0\r\n\r\n')],
    ],
  ])('(%s) gets 413 with Connection: close, and the connection is closed', async (_, requestHead, body) => {
    const { socket, state, closed } = await aConnection(port());
    socket.write(requestHead);
    for (const part of body) socket.write(part);

    const response = await firstResponse(state);
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    await closed;
  });
});
