import { AsyncLocalStorage } from 'node:async_hooks';
import { type EntityName, TransactionContext } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { reportingOutages } from './database-outage.ts';
import { TableRows } from './table-rows.ts';

/**
 * Hands each repository call its EntityManager: the open transaction's, else the scope's (one fork per HTTP
 * request or queue job, made when the scope first needs one: a request served from a cache never forks), else a
 * fresh fork. Joining the open transaction is what keeps the one-connection
 * embedded database from deadlocking: a call made while a payment event is applied never waits for a
 * second connection that the transaction itself holds. A query that cannot reach the database fails with
 * ServiceUnavailable('database') (see database-outage.ts), whoever made it.
 */
export class EntityManagers {
  private readonly orm: MikroORM;
  private readonly scopes = new AsyncLocalStorage<{ em?: EntityManager }>();

  constructor(orm: MikroORM) {
    this.orm = orm;
  }

  current(): EntityManager {
    const name = this.orm.em.name;
    const transaction = TransactionContext.getEntityManager(name) as EntityManager | undefined;
    if (transaction) return reportingOutages(transaction);
    const scope = this.scopes.getStore();
    if (!scope) return reportingOutages(this.orm.em.fork());
    scope.em ??= this.orm.em.fork();
    return reportingOutages(scope.em);
  }

  /** Runs `work` with one EntityManager fork as its context, forked on first use. */
  scope<T>(work: () => Promise<T>): Promise<T> {
    return this.scopes.run({}, work);
  }

  /** The hand-written reads' mapping of `schema`'s table, as MikroORM discovered it. */
  rowsOf<T extends object>(schema: EntityName<T>): TableRows<T> {
    return new TableRows(this.orm.getMetadata().get(schema), this.orm.em.getPlatform());
  }
}
