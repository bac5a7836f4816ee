import { Worker } from 'node:worker_threads';
import type { Results } from '@electric-sql/pglite';

/**
 * The embedded database (PGlite, PostgreSQL compiled to WebAssembly) runs in a thread of its own
 * (pglite-thread-worker.ts), and this is the service's side of it. Two reasons: its start-up (~0.5 s of WebAssembly
 * work on every start) runs on the second core while the service loads its modules, instead of after them; and a
 * query's execution no longer holds the event loop that serves HTTP. Each request crosses the threads as a message
 * (structured clone: rows with their Dates, bigints and byte arrays arrive as PGlite parsed them).
 *
 * This module loads nothing but node:worker_threads, so that the service can start the thread first thing.
 */

export interface PgliteThreadOptions {
  /** The data directory (already owner-only and locked by the caller), or undefined for a database in memory. */
  path: string | undefined;
  /** Copy the prepared template into a directory that holds no database yet (else PGlite runs initdb). */
  template: boolean;
  /** Server settings passed as `-c name=value`. */
  settings: Record<string, string>;
}

export type Request = { id: number } & (
  | { op: 'open'; options: PgliteThreadOptions }
  | { op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { op: 'begin' }
  | { op: 'commit'; tx: number }
  | { op: 'rollback'; tx: number }
  | { op: 'close' }
);

/** The thread's answer to request `id`. */
export type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: SentError };

export interface SentError {
  name: string;
  message: string;
  /** The error's own fields, e.g. PostgreSQL's code, detail, constraint, table. */
  fields: Record<string, string | number | boolean | null>;
}

export interface EmbeddedSession {
  /** A statement with parameters runs as a prepared statement; one without may be a multi-statement script. */
  query<T>(sql: string, params?: unknown[]): Promise<Results<T>>;
}

export interface EmbeddedTransaction extends EmbeddedSession {
  rollback(): Promise<void>;
}

export interface PgliteThread extends EmbeddedSession {
  readonly closed: boolean;
  /** BEGIN, `work`, then COMMIT, or ROLLBACK when it throws; other queries wait for it, as on one session. */
  transaction<T>(work: (tx: EmbeddedTransaction) => Promise<T>): Promise<T>;
  /** Closes the database (a clean shutdown) and ends the thread. */
  close(): Promise<void>;
}

function received(error: SentError): Error {
  const copy = new Error(error.message);
  copy.name = error.name;
  return Object.assign(copy, error.fields);
}

/** A thread, started; `gone` once it has failed or exited. */
interface Started {
  worker: Worker;
  gone?: Error;
}

function newThread(): Started {
  const started: Started = {
    worker: new Worker(new URL('./pglite-thread-worker.ts', import.meta.url), {
      // None of the process's options: a thread refuses V8's (npm start gives --max-old-space-size and others,
      // which hold for the whole process anyway), and --input-type (a script run with `node --input-type=module
      // -e …`) would make it refuse its own file.
      execArgv: [],
    }),
  };
  started.worker.on('error', (error) => {
    started.gone ??= error;
  });
  started.worker.on('exit', (code) => {
    started.gone ??= new Error(`the embedded database's thread stopped (exit code ${code})`);
  });
  started.worker.unref();
  return started;
}

let spare: Started | undefined;

/**
 * Starts a thread, which loads PGlite and waits, for the next startPgliteThread to take: a head start for a process
 * that will likely open the embedded database (the service's entry point, before it has read its configuration).
 * It holds nothing open; dropPrestartedThread ends it when it turns out not to be needed.
 */
export function prestartPgliteThread(): void {
  spare ??= newThread();
}

export function dropPrestartedThread(): void {
  void spare?.worker.terminate();
  spare = undefined;
}

/** Starts the thread (or takes the prestarted one) and resolves once the database is open, or rejects with why not. */
export function startPgliteThread(options: PgliteThreadOptions): Promise<PgliteThread> {
  const started = spare && !spare.gone ? spare : newThread();
  spare = undefined;
  const { worker } = started;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let closed = false;
  // The thread keeps the process alive only while it has work to answer (as a socket with a request in flight).
  const holdWhileBusy = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const stopped = (error: Error) => {
    closed = true;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    holdWhileBusy();
  };
  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    holdWhileBusy();
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(received(reply.error));
  });
  worker.on('error', (error) => stopped(error));
  worker.on('exit', (code) =>
    stopped(new Error(`the embedded database's thread stopped (exit code ${code})`)),
  );

  type Op = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
  const ask = <T>(request: Op): Promise<T> => {
    if (closed) return Promise.reject(new Error('the embedded database is closed'));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      try {
        // Throws for a value that cannot cross threads (a function, say): nothing is left waiting for an answer.
        worker.postMessage({ ...request, id });
      } catch (error) {
        reject(error);
        return;
      }
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      holdWhileBusy();
    });
  };
  const query =
    (tx?: number) =>
    <T>(sql: string, params: unknown[] = []) =>
      ask<Results<T>>({ op: 'query', sql, params, tx });

  const thread: PgliteThread = {
    get closed() {
      return closed;
    },
    query: query(),
    async transaction<T>(work: (tx: EmbeddedTransaction) => Promise<T>): Promise<T> {
      const tx = nextId; // the id `begin` is about to take, which names the transaction
      await ask({ op: 'begin' });
      let finished = false;
      const end = async (op: 'commit' | 'rollback') => {
        finished = true;
        await ask({ op, tx });
      };
      const inTransaction = query(tx);
      const session: EmbeddedTransaction = {
        query: <R>(sql: string, params?: unknown[]) =>
          finished ? Promise.reject(new Error('the transaction is closed')) : inTransaction<R>(sql, params),
        rollback: () => end('rollback'),
      };
      try {
        const result = await work(session);
        if (!finished) await end('commit');
        return result;
      } catch (error) {
        if (!finished) await end('rollback').catch(() => {});
        throw error;
      }
    },
    async close() {
      if (closed) return;
      await ask({ op: 'close' });
      closed = true;
      await worker.terminate();
    },
  };

  return ask({ op: 'open', options }).then(
    () => thread,
    async (error: unknown) => {
      await worker.terminate();
      throw error;
    },
  );
}
