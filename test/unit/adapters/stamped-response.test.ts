import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS, StampedResponse } from '#adapters/http/response-headers.ts';

/** Each way a handler may answer on Node's response, by path. */
const HANDLERS: Record<string, (res: StampedResponse) => void> = {
  '/plain': (res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  },
  '/own-values': (res) => {
    res.writeHead(200, { 'x-frame-options': 'DENY', 'X-Request-Id': 'own-id' });
    res.end();
  },
  '/progressive': (res) => {
    res.setHeader('Referrer-Policy', 'origin');
    res.setHeader('X-Extra', 'set');
    res.writeHead(201, { 'Content-Type': 'text/plain' });
    res.end('made');
  },
  '/implicit': (res) => {
    res.statusCode = 204;
    res.end();
  },
  '/array': (res) => {
    res.writeHead(200, 'Fine', [
      'X-Content-Type-Options',
      'nosniff',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ]);
    res.end();
  },
  '/answer-headers': (res) => {
    res.answerHeaders = ['X-Cache', 'HIT', 'Location', '/replaced'];
    res.writeHead(200, { Location: '/own' });
    res.end();
  },
};

let base: string;
const server = createServer({ ServerResponse: StampedResponse }, (req, res: ServerResponse) => {
  const stamped = res as StampedResponse;
  stamped.requestId = 'req-1';
  HANDLERS[req.url ?? '']?.(stamped);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Status, reason and each header line as sent (lower-case name), repeats kept. */
function answer(path: string): Promise<{ status: number; reason: string; lines: [string, string][] }> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, (res) => {
      const lines: [string, string][] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        lines.push([(res.rawHeaders[i] as string).toLowerCase(), res.rawHeaders[i + 1] as string]);
      }
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', lines }));
    })
      .once('error', reject)
      .end();
  });
}

const valuesOf = (lines: [string, string][], name: string) =>
  lines.filter(([line]) => line === name.toLowerCase()).map(([, value]) => value);

function expectStamped(lines: [string, string][], except: string[] = []): void {
  const stamped: [string, string][] = [...SECURITY_HEADERS, ['X-Request-Id', 'req-1']];
  for (const [name, value] of stamped) {
    if (except.includes(name)) continue;
    expect(valuesOf(lines, name), name).toEqual([value]);
  }
}

describe('StampedResponse', () => {
  it('writes the security headers and the request id with the answer’s own headers', async () => {
    const { status, lines } = await answer('/plain');
    expect(status).toBe(200);
    expectStamped(lines);
    expect(valuesOf(lines, 'content-type')).toEqual(['text/plain']);
  });

  it('lets an answer’s own value of a stamped header replace it, whatever its case', async () => {
    const { lines } = await answer('/own-values');
    expect(valuesOf(lines, 'X-Frame-Options')).toEqual(['DENY']);
    expect(valuesOf(lines, 'X-Request-Id')).toEqual(['own-id']);
    expectStamped(lines, ['X-Frame-Options', 'X-Request-Id']);
  });

  it('stamps an answer built with setHeader, keeping what was set', async () => {
    const { status, lines } = await answer('/progressive');
    expect(status).toBe(201);
    expect(valuesOf(lines, 'Referrer-Policy')).toEqual(['origin']);
    expect(valuesOf(lines, 'X-Extra')).toEqual(['set']);
    expectStamped(lines, ['Referrer-Policy']);
  });

  it('stamps an answer whose status line Node writes itself', async () => {
    const { status, lines } = await answer('/implicit');
    expect(status).toBe(204);
    expectStamped(lines);
  });

  it('stamps an answer given as a list of header lines, repeats and reason phrase kept', async () => {
    const { reason, lines } = await answer('/array');
    expect(reason).toBe('Fine');
    expect(valuesOf(lines, 'Set-Cookie')).toEqual(['a=1', 'b=2']);
    expectStamped(lines);
  });

  it('adds the headers set with answerHeader, the answer’s own value of one winning', async () => {
    const { lines } = await answer('/answer-headers');
    expect(valuesOf(lines, 'X-Cache')).toEqual(['HIT']);
    expect(valuesOf(lines, 'Location')).toEqual(['/own']);
    expectStamped(lines);
  });
});
