import type { UnitOfWork } from '#application/ports/unit-of-work.ts';
import type { EntityManagers } from './entity-managers.ts';

/** One transaction: every repository call inside joins it (see EntityManagers), and a throw rolls it back. */
export class PostgresUnitOfWork implements UnitOfWork {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
  }

  atomically<T>(work: () => Promise<T>): Promise<T> {
    return this.ems.current().transactional(() => work());
  }
}
