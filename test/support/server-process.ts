import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { delimiter, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SERVER = new URL('../../src/bootstrap/server.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

/** One pino JSON line of a server's output. */
export type LogLine = Record<string, any> & { msg?: string };

export interface SpawnOptions {
  /** What to run instead of `node src/bootstrap/server.ts`, e.g. `['npm', 'start']`. */
  command?: [string, ...string[]];
  /** Where to run it (the repository by default; another directory has no .env and its own ./.data). */
  cwd?: string;
  /** Starts from an empty environment (only PATH kept) instead of this process's, so nothing leaks in. */
  cleanEnv?: boolean;
  /** Its own process group, so that a signal can reach the group like a terminal's Ctrl-C does. */
  detached?: boolean;
}

/** One `node src/bootstrap/server.ts` process (or `npm start`), configured by its environment. */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** When the process was spawned (ms since the epoch), to time its start-up. */
  readonly spawnedAt = Date.now();
  private stdout = '';
  private stderr = '';

  constructor(env: Record<string, string>, port: number, options: SpawnOptions = {}) {
    this.baseUrl = `http://127.0.0.1:${port}`;
    const [command, ...args] = options.command ?? [process.execPath, SERVER];
    // This Node first on PATH: `npm` and the `node` of its scripts are then the Node running the tests.
    const path = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
    this.child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...(options.cleanEnv ? {} : process.env), PATH: path, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /** Everything the process wrote, stdout then stderr. */
  get output(): string {
    return `${this.stdout}${this.stderr}`;
  }

  /** The JSON log lines written so far (other output is left out). */
  logLines(): LogLine[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return [];
        }
      });
  }

  /** Until a log line matches, or fails when the process exits or the time runs out. */
  async logLine(matches: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logLines().find(matches);
      if (line) return line;
      if (this.child.exitCode !== null)
        throw new Error(`exited with ${this.child.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no such log line in time:\n${this.output}`);
      await sleep(50);
    }
  }

  /** Until GET /readyz answers 200 (API roles) or the start-up line is printed (worker role); returns ms since spawn. */
  async started(http: boolean, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null)
        throw new Error(`exited with ${this.child.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`not started in time:\n${this.output}`);
      if (!http && this.stdout.includes('adapters:')) return Date.now() - this.spawnedAt;
      if (http) {
        const ready = await fetch(`${this.baseUrl}/readyz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ready) return Date.now() - this.spawnedAt;
      }
      await sleep(50);
    }
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async stop(signal: NodeJS.Signals): Promise<number | null> {
    const exited = this.exited();
    this.child.kill(signal);
    return exited;
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

/** One JSON call over real HTTP. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}
