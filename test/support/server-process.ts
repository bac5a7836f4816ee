import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { delimiter, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SERVER = new URL('../../src/bootstrap/server.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * A spawned service's environment for a test: info logs to read, a key of its own, and every adapter setting
 * blanked, so that neither the caller's shell nor a .env file can switch the mode under test (offline adapters,
 * the embedded database); the test adds what it means to set.
 */
export function offlineServiceEnv(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATABASE_URL: '',
    REDIS_URL: '',
    GEMINI_API_KEY: '',
    STRIPE_SECRET_KEY: '',
  };
}

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
  private closed = false;
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
    this.child.once('close', () => {
      this.closed = true;
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

  /** Resolves once the process has exited and its output is read to the end ('close', not 'exit'). */
  exited(): Promise<number | null> {
    if (this.closed) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
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

/** Signs a new Basic user up through a running service (OTP_DELIVERY=response) and returns its token. */
export async function signedUpUser(baseUrl: string): Promise<string> {
  const mobile = `+9198${String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
  const signedUp = await call(baseUrl, 'POST', '/auth/signup', { body: { mobile } });
  if (signedUp.status !== 201) throw new Error(`signup answered ${signedUp.status}`);
  const issued = await call(baseUrl, 'POST', '/auth/send-otp', { body: { mobile } });
  const session = await call(baseUrl, 'POST', '/auth/verify-otp', { body: { mobile, otp: issued.body.otp } });
  if (session.status !== 200) throw new Error(`verify-otp answered ${session.status}`);
  return session.body.token as string;
}

/** Creates a chatroom of the token's user through a running service and returns its id. */
export async function newChatroom(baseUrl: string, token: string, title = 'Scale-out'): Promise<string> {
  const created = await call(baseUrl, 'POST', '/chatroom', { token, body: { title } });
  if (created.status !== 201) throw new Error(`POST /chatroom answered ${created.status}`);
  return created.body.id as string;
}
