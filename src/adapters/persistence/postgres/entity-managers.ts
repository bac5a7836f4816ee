import { type EntityName, RequestContext, TransactionContext } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { TableRows } from './table-rows.ts';

/**
 * Hands each repository call its EntityManager: the open transaction's, else the scope's (one fork per HTTP
 * request or queue job), else a fresh fork. Joining the open transaction is what keeps the one-connection
 * embedded database from deadlocking: a call made while a payment event is applied never waits for a
 * second connection that the transaction itself holds.
 */
export class EntityManagers {
  private readonly orm: MikroORM;

  constructor(orm: MikroORM) {
    this.orm = orm;
  }

  current(): EntityManager {
    const name = this.orm.em.name;
    const em = TransactionContext.getEntityManager(name) ?? RequestContext.getEntityManager(name);
    return (em as EntityManager | undefined) ?? this.orm.em.fork();
  }

  /** Runs `work` with one EntityManager fork as its context (RequestContext). */
  scope<T>(work: () => Promise<T>): Promise<T> {
    return RequestContext.create(this.orm.em, work);
  }

  /** The hand-written reads' mapping of `schema`'s table, as MikroORM discovered it. */
  rowsOf<T extends object>(schema: EntityName<T>): TableRows<T> {
    return new TableRows(this.orm.getMetadata().get(schema), this.orm.em.getPlatform());
  }
}
