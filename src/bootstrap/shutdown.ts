/**
 * What the process closes when it stops, last opened first: a worker before the queue it consumes, the queue
 * before the Redis clients under it, everything before the database.
 */
export class Shutdown {
  private readonly closers: (() => Promise<void>)[] = [];

  /** Registers `resource` to be closed at shutdown and returns it. */
  closes<T extends { close(): Promise<void> }>(resource: T): T {
    this.closers.push(() => resource.close());
    return resource;
  }

  /** Closes everything registered, in reverse order; every resource is closed even if one fails. */
  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const close of this.closers.splice(0).reverse()) {
      await close().catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new AggregateError(failures, 'some resources did not close');
  }
}
