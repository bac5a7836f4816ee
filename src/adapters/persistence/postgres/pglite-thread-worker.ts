import { parentPort } from 'node:worker_threads';
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { copyTemplate, holdsDatabase } from './embedded-template.ts';
import type { PgliteThreadOptions, Reply, Request, SentError } from './pglite-thread.ts';

/**
 * The embedded database's own thread (see pglite-thread.ts): loads PGlite, waits to be told which database to open
 * (the thread may be started before the service knows), opens it, then runs what the service's thread asks, in the
 * order asked. PGlite serves one session: a transaction holds it (PGlite's own lock) from BEGIN until the service's
 * thread commits or rolls it back, as it would in one thread.
 */
const port = parentPort!;

type Queryable = Pick<Transaction, 'query' | 'exec'>;

/** A statement with parameters goes as a prepared statement; one without may be a script (migrations): exec. */
async function run(db: Queryable, sql: string, params: unknown[]): Promise<Results> {
  return params.length > 0 ? db.query(sql, params) : ((await db.exec(sql)).at(-1) as Results);
}

/** An error as data: Error's own fields (PostgreSQL's code, detail, constraint…) do not survive postMessage. */
function sent(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(error))
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      fields[key] = value as string | number | boolean | null;
  return { name: error.name, message: error.message, fields };
}

interface Open {
  tx: Transaction;
  commit(): void;
  rollback(): void;
  /** Settles once PGlite has committed (or rolled back) and let go of the session. */
  closed: Promise<unknown>;
}

const transactions = new Map<number, Open>();

async function begin(id: number): Promise<void> {
  let began!: (open: Omit<Open, 'closed'>) => void;
  const opened = new Promise<Omit<Open, 'closed'>>((resolve) => {
    began = resolve;
  });
  const closed = db.transaction(
    (tx) =>
      new Promise<void>((commit, rollback) => {
        began({ tx, commit: () => commit(), rollback: () => rollback(new Error('rolled back')) });
      }),
  );
  // BEGIN itself may fail (the database closing): then `closed` rejects before the callback runs.
  const open = await Promise.race([opened, closed.then(() => undefined)]);
  if (!open) throw new Error('the transaction closed before it began');
  transactions.set(id, { ...open, closed });
}

async function finish(id: number, commit: boolean): Promise<void> {
  const open = transactions.get(id);
  if (!open) throw new Error(`no open transaction ${id}`);
  transactions.delete(id);
  if (commit) {
    open.commit();
    await open.closed;
  } else {
    open.rollback();
    await open.closed.catch(() => {});
  }
}

async function open({ path, template, settings }: PgliteThreadOptions): Promise<void> {
  if (path !== undefined && template && !(await holdsDatabase(path))) await copyTemplate(path);
  db = await PGlite.create(path, {
    startParams: [
      ...PGlite.defaultStartParams,
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
  });
}

async function answer(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'open':
      return open(request.options);
    case 'query': {
      const target = request.tx === undefined ? db : transactions.get(request.tx)?.tx;
      if (!target) throw new Error(`no open transaction ${request.tx}`);
      const { rows, affectedRows, fields } = await run(target, request.sql, request.params);
      return { rows, affectedRows, fields };
    }
    case 'begin':
      return begin(request.id);
    case 'commit':
      return finish(request.tx, true);
    case 'rollback':
      return finish(request.tx, false);
    case 'close':
      // The service's thread ends this one once it has the answer.
      await db.close();
      return undefined;
  }
}

let db: PGlite;

port.on('message', (request: Request) => {
  answer(request).then(
    (value) => port.postMessage({ id: request.id, ok: true, value } satisfies Reply),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: sent(error) } satisfies Reply),
  );
});
