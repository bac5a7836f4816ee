import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const children: ChildProcess[] = [];

/** A process that logs through PinoLogger as `script` says; its stdout lines as they arrive. */
function logging(script: string, level = 'info') {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { PinoLogger } from './src/adapters/system/pino-logger.ts';
       const log = new PinoLogger('${level}');
       const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
       ${script}`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const lines: { msg: string; at: number; text: string }[] = [];
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push({ msg: (JSON.parse(line) as { msg: string }).msg, at: Date.now(), text: line });
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  /** Resolves once `msg` was written, or rejects after `ms`. */
  const written = async (msg: string, ms: number) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = lines.find((candidate) => candidate.msg === msg);
      if (line) return line;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`"${msg}" not written within ${ms} ms; got ${JSON.stringify(lines)}`);
  };
  return { written, exited, lines };
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('PinoLogger on stdout', () => {
  it('writes an info line while the process runs on, not only when it exits (the periodic flush)', async () => {
    const child = logging(`log.info({}, 'first'); setTimeout(() => {}, 30_000);`);

    await child.written('first', 5_000);
  });

  it('writes a warning, and the lines before it, at once: not when the event loop is free again', async () => {
    // The busy loop keeps every timer from running for 4 s; the second warning marks its end.
    const child = logging(
      `log.info({}, 'before'); log.warn({}, 'warned'); busy(4_000); log.warn({}, 'busy over');
       setTimeout(() => {}, 30_000);`,
    );

    const over = await child.written('busy over', 20_000);
    const warned = await child.written('warned', 0);
    const before = await child.written('before', 0);

    expect(over.at - warned.at).toBeGreaterThan(2_000);
    expect(before.at).toBeLessThanOrEqual(warned.at);
  });

  it('writes the buffered lines when the process exits', async () => {
    const child = logging(`log.info({}, 'last words'); process.exit(0);`);

    expect(await child.exited).toBe(0);
    await child.written('last words', 1_000);
  });

  describe("a request's line", () => {
    const line = `{ reqId: 'r-1', method: 'GET', path: '/chatroom/"quoted"\\\\ü\\n\\u2028', status: 404, ms: 1.5 }`;

    it('is the line info(line, "request") writes, byte for byte but the time, with the bindings of a child', async () => {
      const child = logging(
        `log.request(${line}); log.info(${line}, 'request');
         const child = log.child({ replyId: 'x' }); child.request(${line}); child.info(${line}, 'request');
         log.warn({}, 'done'); setTimeout(() => {}, 30_000);`,
      );

      await child.written('done', 5_000);
      const [fast, pino, fastChild, pinoChild] = child.lines.map(({ text }) =>
        text.replace(/"time":\d+/, '"time":0'),
      );
      expect(fast).toBe(pino);
      expect(fastChild).toBe(pinoChild);
      expect(JSON.parse(fastChild!)).toEqual({
        level: 30,
        time: 0,
        service: 'gemini-chat',
        replyId: 'x',
        reqId: 'r-1',
        method: 'GET',
        path: '/chatroom/"quoted"\\ü\n\u2028',
        status: 404,
        ms: 1.5,
        msg: 'request',
      });
    });

    it('is not written by a logger set above info', async () => {
      const child = logging(
        `log.request(${line}); log.warn({}, 'done'); setTimeout(() => {}, 30_000);`,
        'warn',
      );

      await child.written('done', 5_000);
      expect(child.lines.map(({ msg }) => msg)).toEqual(['done']);
    });
  });
});
