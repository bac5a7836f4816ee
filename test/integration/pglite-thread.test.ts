import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, openEmbedded } from '#adapters/persistence/postgres/embedded-database.ts';
import { call, freePort, ServiceProcess } from '#test/support/server-process.ts';

const src = (path: string) => new URL(`../../src/${path}`, import.meta.url).pathname;

/** The embedded database in its own thread (pglite-thread.ts), as the service's thread sees it. */
describe('the embedded database thread', () => {
  let database: EmbeddedDatabase;

  beforeAll(async () => {
    database = await openEmbedded(undefined, { template: false });
    await database.thread.query(
      'create table item (id int primary key, at timestamptz, data bytea, big int8)',
    );
  });

  afterAll(async () => {
    await database?.thread.close();
  });

  it('runs a long statement without holding this thread: timers keep firing while it runs', async () => {
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 10);
    try {
      const started = performance.now();
      await database.thread.query('select pg_sleep($1)', [0.4]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
      // In this thread, PGlite's sleep would have let no timer fire until it returned.
      expect(ticks).toBeGreaterThanOrEqual(10);
    } finally {
      clearInterval(ticking);
    }
  });

  it('hands back rows as PGlite parsed them: timestamps as Dates, bytea as bytes, row counts', async () => {
    const at = new Date('2026-12-01T10:00:00.123Z');
    const inserted = await database.thread.query(
      'insert into item (id, at, data, big) values ($1, $2, $3, $4), ($5, $2, $3, $4)',
      [1, at, new Uint8Array([1, 2, 255]), 9_007_199_254_740_993n, 2],
    );
    expect(inserted.affectedRows).toBe(2);
    const { rows } = await database.thread.query<{ at: Date; data: Uint8Array; big: bigint }>(
      'select at, data, big from item where id = $1',
      [1],
    );
    expect(rows[0]!.at).toBeInstanceOf(Date);
    expect(rows[0]!.at.toISOString()).toBe(at.toISOString());
    expect([...rows[0]!.data]).toEqual([1, 2, 255]);
    expect(rows[0]!.big).toBe(9_007_199_254_740_993n);
  });

  it("passes PostgreSQL's error fields (code, constraint, table) through to this thread", async () => {
    const error = await database.thread
      .query('insert into item (id) values ($1)', [1])
      .catch((caught: unknown) => caught as Record<string, unknown>);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 'item_pkey', table: 'item' });
    expect(String((error as unknown as Error).message)).toMatch(/duplicate key/);
  });

  it('commits a transaction whose work succeeds and rolls back one whose work throws', async () => {
    await database.thread.transaction(async (tx) => {
      await tx.query('insert into item (id) values ($1)', [10]);
    });
    const failure = new Error('work failed');
    await expect(
      database.thread.transaction(async (tx) => {
        await tx.query('insert into item (id) values ($1)', [11]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    await database.thread.transaction(async (tx) => {
      await tx.query('insert into item (id) values ($1)', [12]);
      await tx.rollback();
    });
    const { rows } = await database.thread.query<{ id: number }>(
      'select id from item where id >= $1 order by id',
      [10],
    );
    expect(rows.map((row) => row.id)).toEqual([10]);
  });

  it('keeps other statements out of an open transaction: they wait for it and do not see its rows before', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const transaction = database.thread.transaction(async (tx) => {
      await tx.query('insert into item (id) values ($1)', [20]);
      inserted();
      await held;
    });
    await insertedYet;
    let outsideDone = false;
    const outside = database.thread
      .query<{ n: number }>('select count(*)::int as n from item where id = $1', [20])
      .then((result) => {
        outsideDone = true;
        return result.rows[0]!.n;
      });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outsideDone).toBe(false);
    release();
    await transaction;
    expect(await outside).toBe(1);
  });

  it('refuses a value that cannot cross threads, and answers the next statement as usual', async () => {
    await expect(database.thread.query('select $1::text', [() => 'a function'])).rejects.toThrow(
      /could not be cloned/,
    );
    expect((await database.thread.query<{ n: number }>('select 2 as n')).rows).toEqual([{ n: 2 }]);
  });

  it('refuses a statement after it is closed, with a clear error', async () => {
    const another = await openEmbedded(undefined, { template: false });
    await another.thread.close();
    expect(another.thread.closed).toBe(true);
    await expect(another.thread.query('select 1')).rejects.toThrow(/embedded database is closed/);
  });
});

/** A script in a fresh process: the thread must not keep it alive when idle, nor let it exit with a query in flight. */
function runScript(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
const { openEmbedded } = await import(${JSON.stringify(src('adapters/persistence/postgres/embedded-database.ts'))});
const database = await openEmbedded(undefined, { template: false });
${body}
`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('the embedded database thread and the life of its process', () => {
  it('lets a process whose work is done exit without closing the database', () => {
    const run = runScript(`console.log((await database.thread.query('select 41 + 1 as n')).rows[0].n);`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('42');
  });

  it('lets a process exit after a statement it refused (a value that cannot cross threads) was handled', () => {
    const run = runScript(`
await database.thread.query('select $1::text', [() => 'a function']).catch((error) => console.log(error.name));
`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('DataCloneError');
  });

  it('keeps the process alive while a statement runs, though nothing else holds it', () => {
    const run = runScript(`
database.thread.query('select pg_sleep(0.3), 7 as n').then((result) => console.log('answered', result.rows[0].n));
`);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('answered 7');
  });
});

/**
 * Loaded first into the service's process: notes when a thread is created, when it is asked to open the database,
 * and when the runtime's module loads.
 */
const ORDER_PROBE = `data:text/javascript,${encodeURIComponent(`
import { subscribe } from 'node:diagnostics_channel';
import { registerHooks } from 'node:module';
import { Worker } from 'node:worker_threads';
const order = [];
subscribe('worker_threads', () => order.push('thread started'));
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (message, ...rest) {
  if (message?.op === 'open') order.push('database opening');
  return post.call(this, message, ...rest);
};
registerHooks({
  load(url, context, next) {
    // The runtime's module from the sources, or its chunk in the bundle npm start runs (see bundle.ts).
    if (url.endsWith('/src/bootstrap/runtime.ts') || /\\/dist\\/build-[^/]+\\/runtime-\\w+\\.js$/.test(url))
      order.push('runtime loading');
    return next(url, context);
  },
});
if (/\\/src\\/bootstrap\\/(start|server)\\.ts$/.test(process.argv[1] ?? ''))
  process.on('exit', () => process.stderr.write('ORDER ' + JSON.stringify(order) + '\\n'));
`)}`;

describe('npm start with nothing configured', () => {
  it('serves on the embedded database, whose thread it starts and opens before it loads the rest of itself', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'pglite-thread-start-'));
    // npm start's V8 options (which a thread refuses as its own) and the probe, through NODE_OPTIONS, in every node.
    const service = new ServiceProcess(
      {
        DATA_DIR: join(scratch, 'data'),
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        REDIS_URL: '',
        GEMINI_API_KEY: '',
        STRIPE_SECRET_KEY: '',
        NODE_OPTIONS: `--import=${ORDER_PROBE}`,
      },
      await freePort(),
      { command: ['npm', 'start'], detached: true },
    );
    try {
      await service.started(true);
      const mobile = `+9195${String(Date.now() % 100_000_000).padStart(8, '0')}`;
      expect((await call(service.baseUrl, 'POST', '/auth/signup', { body: { mobile } })).status).toBe(201);
      expect(await service.stop('SIGTERM')).toBe(0);
      const line = service.output.split('\n').find((text) => text.startsWith('ORDER '));
      expect(JSON.parse(line!.slice('ORDER '.length))).toEqual([
        'thread started',
        'database opening',
        'runtime loading',
      ]);
    } finally {
      await service.stop('SIGKILL');
      await rm(scratch, { recursive: true, force: true });
    }
  }, 60_000);
});
