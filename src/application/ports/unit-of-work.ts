/**
 * Makes several repository writes one: they are all kept or none is. Quota changes ride with the messages they
 * pay for, so an outage between two writes can never leave a prompt charged for a reply that does not exist.
 */
export interface UnitOfWork {
  /** Runs `work`; when it throws (or the storage fails), every write made inside is undone and the error rethrown. */
  atomically<T>(work: () => Promise<T>): Promise<T>;
}
