import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { deleteKeys } from '#test/support/redis-keys.ts';
import { freePort, newChatroom, signedUpUser } from '#test/support/server-process.ts';

export const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
export const databaseServer = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchService {
  name: string;
  base: string;
  pid: number;
  token: string;
  roomIds: string[];
  /** Every user the bench made, with the chatrooms each owns (the first is `token` with `roomIds`). */
  users: { token: string; roomIds: string[] }[];
  /** Its own database (postgres mode). */
  databaseUrl?: string | undefined;
  /** Its log output so far (written to a file, as a log collector would take it: never a full pipe). */
  log(): string;
  stop(): Promise<void>;
}

/** A database of its own on the PostgreSQL server, dropped afterwards. */
export async function createDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: databaseServer });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(databaseServer);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: databaseServer });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/** The `start` script of the checkout at `cwd`. */
function startScript(cwd: string): string {
  const { scripts } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  return scripts?.start ?? '';
}

/** The module `npm start` runs in the checkout at `cwd` (src/bootstrap/start.ts, or server.ts before the bundle). */
export function entryOfStart(cwd: string): string {
  return /(\S+\.ts)\s*$/.exec(startScript(cwd))?.[1] ?? 'src/bootstrap/server.ts';
}

/**
 * The V8 flags `npm start` of the checkout at `cwd` gives node (e.g. --max-semi-space-size), so that the bench runs
 * each checkout's service as it would run in production: every `--flag` of its `node` command before `--import`;
 * `${VAR:-default}` takes VAR from this environment, else its default.
 */
function v8FlagsOfStart(cwd: string): string[] {
  const flags = /(?:^|\s)node((?:\s+--(?!import\b)\S+)*)/.exec(startScript(cwd))?.[1] ?? '';
  return flags
    .split(/\s+/)
    .filter(Boolean)
    .map((flag) =>
      flag.replace(
        /\$\{([A-Z_]+):-(\d+)\}/,
        (_, name: string, fallback: string) => process.env[name] ?? fallback,
      ),
    );
}

/**
 * The service of one checkout (`cwd`), ROLE=all with the offline model answering at once, on PostgreSQL + Redis
 * (a database and key prefix of its own) or embedded; signed in, with `rooms` chatrooms. `nodeArgs` go before the
 * entry (e.g. --cpu-prof).
 */
export async function startBenchService(options: {
  name: string;
  cwd: string;
  mode: 'postgres' | 'embedded';
  rooms?: number;
  /** Users to sign up, each owning `rooms` chatrooms (default 1). */
  users?: number;
  /**
   * Messages each chatroom already holds (postgres mode), then ANALYZE: conversations with a history, and the
   * statistics autovacuum keeps on a database in use. Without them every statement is planned on empty tables, and
   * a plan made then (a prepared statement's generic plan) stays for the connection's life.
   */
  history?: number;
  nodeArgs?: string[];
  env?: Record<string, string>;
}): Promise<BenchService> {
  const runId = randomBytes(4).toString('hex');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-service-'));
  const database =
    options.mode === 'postgres' ? await createDatabase(`bench_${runId}_${options.name}`) : null;
  const logFile = join(dir, 'service.log');
  const out = openSync(logFile, 'a');
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    ROLE: 'all',
    DATA_DIR: join(dir, 'data'),
    JWT_SECRET,
    BASIC_DAILY_LIMIT: '100000000',
    OFFLINE_MODEL_WORD_MS: '0',
    REDIS_KEY_PREFIX: `bench:${runId}:`,
    DATABASE_URL: database?.url,
    REDIS_URL: database ? redisUrl : undefined,
    ...options.env,
  };
  const child = spawn(
    process.execPath,
    [...v8FlagsOfStart(options.cwd), ...(options.nodeArgs ?? []), entryOfStart(options.cwd)],
    {
      cwd: options.cwd,
      env,
      stdio: ['ignore', out, out],
    },
  );
  closeSync(out);
  const base = `http://127.0.0.1:${port}`;
  const log = () => readFileSync(logFile, 'utf8');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited:\n${log()}`);
    if (Date.now() > deadline) throw new Error(`${options.name} did not start:\n${log()}`);
    const ready = await fetch(`${base}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    await sleep(50);
  }
  const users: { token: string; roomIds: string[] }[] = [];
  for (let u = 0; u < (options.users ?? 1); u++) {
    const token = await signedUpUser(base);
    const roomIds: string[] = [];
    for (let i = 0; i < (options.rooms ?? 1); i++) roomIds.push(await newChatroom(base, token, `Room ${i}`));
    users.push({ token, roomIds });
  }
  const [{ token, roomIds }] = users as [(typeof users)[number]];
  const allRooms = users.flatMap((user) => user.roomIds);
  if (database && options.history) await seedHistory(database.url, allRooms, options.history);
  return {
    name: options.name,
    base,
    pid: child.pid ?? 0,
    token,
    roomIds,
    users,
    databaseUrl: database?.url,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      await database?.drop();
      // Its reply streams, cache entries and queue, as a test run deletes its own.
      if (database) await deleteKeys(redisUrl, env.REDIS_KEY_PREFIX ?? '');
    },
  };
}

/** `count` completed messages in each chatroom, a prompt and its reply in turn, one second apart; then ANALYZE. */
export async function seedHistory(url: string, roomIds: string[], count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `insert into messages (id, chatroom_id, role, content, status, created_at)
       select gen_random_uuid(), room, case when g % 2 = 0 then 'user' else 'model' end,
              'An earlier message of this conversation', 'completed', now() - (($2::int - g) * interval '1 second')
       from unnest($1::uuid[]) room, generate_series(0, $2::int - 1) g`,
      [roomIds, count],
    );
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/**
 * VACUUM ANALYZE of a service's database, between its send rounds: what autovacuum does on a database in use, done
 * here so that each round starts from the same state whatever the server's autovacuum setting (it is off on the
 * test machines). Without it every reply a round settles leaves a dead row version and its index entries, and the
 * next round of the same service pays for them: the faster the service, the more it leaves behind.
 */
export async function vacuum(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('vacuum analyze');
  } finally {
    await client.end();
  }
}

/** Runs wrk with `args` in a child process (this process's event loop stays free meanwhile); its stdout. */
export function runWrk(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', () => resolve(out));
  });
}
