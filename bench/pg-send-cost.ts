/**
 * PostgreSQL's CPU for a send's two statements, each beside the floor it cannot go below: what one statement costs
 * PostgreSQL at all, and what one commit's WAL flush costs. On a database of its own, migrated and holding what
 * the HTTP bench's services hold (one user, 8 chatrooms of BENCH_HISTORY messages, analyzed), one connection runs
 * each statement BENCH_CALLS times, one after the other, as the service sends them (named prepared statements,
 * outside a transaction). PostgreSQL's CPU (user + system of every server process, from /proc) is read around each
 * statement's calls, so the background processes' share (the WAL writer's, say) is in it.
 *
 *   npm run bench:pg                     # DATABASE_URL (a server, not a database), else the local one
 *   BENCH_CALLS=5000 npm run bench:pg
 *
 * Needs the PostgreSQL server on this machine (its processes' CPU is read from /proc).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { v7 } from 'uuid';
import { numberedPlaceholders } from '#adapters/persistence/postgres/entity-managers.ts';
import { countedExchangeSql } from '#adapters/persistence/postgres/postgres-message-repository.ts';
import { createDatabase, seedHistory } from './service.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 200);
const HISTORY_LENGTH = 20;
const USER = '00000000-0000-7000-8000-000000000001';
const ROOMS = Array.from(
  { length: 8 },
  (_, i) => `00000000-0000-7000-8000-0000000001${String(i + 1).padStart(2, '0')}`,
);
const COLUMNS =
  '"id", "chatroom_id", "role", "content", "status", "error", "in_reply_to", "token_usage", "created_at"';
const REPLY_TEXT = 'A reply from the offline model: it answers at once with a sentence or two of text.';

/** Clock ticks of CPU (user + system) of every PostgreSQL server process, and of the backends that have exited. */
function postgresTicks(): number {
  const pids = execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // utime, stime (fields 14, 15) and, for the postmaster, the times of its children that have exited (16, 17).
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // exited meanwhile: its time is in its parent's children's times
    }
  }
  return ticks;
}

const tickMicros = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

async function main(): Promise<void> {
  const database = await createDatabase(`bench_pg_${process.pid}`);
  try {
    const migrated = spawnSync(process.execPath, ['src/bootstrap/migrate.ts'], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    if (migrated.status !== 0) throw new Error(`migration failed: ${migrated.stderr}`);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await seed(client);
      // The history the HTTP bench's services start from, then ANALYZE.
      await seedHistory(database.url, ROOMS, HISTORY);
      await measure(client);
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
}

async function seed(client: pg.Client): Promise<void> {
  await client.query(
    `insert into users (id, mobile, token_version, created_at) values ($1, '+15550000001', 0, now())`,
    [USER],
  );
  await client.query(
    `insert into chatrooms (id, owner_id, title, created_at, updated_at)
     select room::uuid, $1, 'room', now(), now() from unnest($2::text[]) room`,
    [USER, ROOMS],
  );
  await client.query('create table bench_counter (id int primary key, n int not null)');
  await client.query('insert into bench_counter values (1, 0)');
}

interface Statement {
  what: string;
  /** The statement's name, text and values for call `i` (ids and times fresh for each). */
  call(i: number): { name: string; text: string; values: unknown[] };
  /** Throws unless the call did what the service's would (an admitted exchange, a settled reply). */
  check(rows: Record<string, unknown>[]): void;
}

const admitted = (rows: Record<string, unknown>[]) => {
  if (rows[0]?.stored !== 2) throw new Error('the admit statement did not store the exchange');
};
const oneRow = (rows: Record<string, unknown>[]) => {
  if (rows.length !== 1) throw new Error(`one row expected, ${rows.length} returned`);
};

async function measure(client: pg.Client): Promise<void> {
  const admitText = (limit: number) => numberedPlaceholders(countedExchangeSql(COLUMNS, limit));
  const settle = numberedPlaceholders(
    "update messages set status = ?, content = ?, token_usage = ?::jsonb, error = ? where id = ? and status = 'pending' returning id",
  );
  const replies: string[] = [];
  const day = new Date().toISOString().slice(0, 10);
  const statements: Statement[] = [
    {
      what: 'a statement that writes nothing (select of three values)',
      check: oneRow,
      call: () => ({
        name: 'floor_select',
        text: 'select $1::int as a, $2::text as b, now() as c',
        values: [1, 'x'],
      }),
    },
    {
      what: 'a commit (a one-row HOT update, committed)',
      check: oneRow,
      call: () => ({
        name: 'floor_commit',
        text: 'update bench_counter set n = n + 1 where id = 1 returning n',
        values: [],
      }),
    },
    ...[0, HISTORY_LENGTH].map((limit) => ({
      what: `the admit statement (quota take, the exchange, ${limit} history rows)`,
      check: admitted,
      call: (i: number) => {
        const room = ROOMS[i % ROOMS.length]!;
        // Time-ordered ids, as the service's (UuidV7Ids): they land at the primary key's right edge.
        const [promptId, replyId] = [v7(), v7()];
        replies.push(replyId);
        const now = new Date();
        const values = [
          USER,
          ...[room, USER, null, 1_000_000_000, USER, USER, day],
          ...[promptId, room, 'Tell me something about the weather today, please', now],
          ...[replyId, room, promptId, now],
          ...[room, now, promptId],
        ];
        return { name: `admit_${limit}`, text: admitText(limit), values };
      },
    })),
    {
      what: 'settling the reply (status, text, tokens: not a HOT update)',
      check: oneRow,
      // Each reply the admit calls stored, once, in the order they were stored.
      call: () => ({
        name: 'settle',
        text: settle,
        values: ['completed', REPLY_TEXT, '{"input":10,"output":20}', null, replies.shift()],
      }),
    },
  ];
  console.log(
    `bench: PostgreSQL CPU per call, ${CALLS} calls each on one connection, chatrooms of ${HISTORY} messages`,
  );
  for (const statement of statements) {
    for (let i = 0; i < 20; i++) statement.check((await client.query(statement.call(i))).rows);
    const before = postgresTicks();
    const started = performance.now();
    let last: Record<string, unknown>[] = [];
    for (let i = 0; i < CALLS; i++) last = (await client.query(statement.call(i))).rows;
    const elapsed = performance.now() - started;
    const cpu = ((postgresTicks() - before) * tickMicros) / CALLS;
    statement.check(last);
    console.log(
      `  ${statement.what}: ${cpu.toFixed(0)} µs of CPU, ${((elapsed * 1000) / CALLS).toFixed(0)} µs a call`,
    );
  }
}

await main();
