import { AsyncLocalStorage } from 'node:async_hooks';
import type { UnitOfWork } from '#application/ports/unit-of-work.ts';

/**
 * Atomicity for the in-memory repositories: each write made inside `atomically` records how to take itself back,
 * and a throw takes them back, newest first. Undos are relative (a counted prompt is undone by one give-back), so
 * what other calls wrote in between is kept, as PostgreSQL's row locks would have ordered it.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  private readonly undos = new AsyncLocalStorage<(() => void)[]>();

  async atomically<T>(work: () => Promise<T>): Promise<T> {
    const undos: (() => void)[] = [];
    try {
      const result = await this.undos.run(undos, work);
      // Nested inside another unit: that one may still have to take these writes back.
      this.undos.getStore()?.push(...undos);
      return result;
    } catch (error) {
      for (const undo of undos.reverse()) undo();
      throw error;
    }
  }

  /** Called by a repository right after a write: how to take it back if the enclosing unit fails. */
  onUndo(undo: () => void): void {
    this.undos.getStore()?.push(undo);
  }
}
